import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SyncedJob } from '../../../utils/domain';
import { type Ledger, RuleBroken } from './rules';
import { type Device, machineName } from './world';

/** seal.ts's sealed file: "PXS1" | key id (8 bytes) | the whole file's length (u32 BE) | nonce | ciphertext | tag. */
const MAGIC = Buffer.from('PXS1', 'ascii');
const LENGTH_AT = MAGIC.length + 8;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The IEND chunk with its CRC: the end of every whole PNG. */
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
/** Keys every job record and head.json hold in plaintext JSON. */
const JSON_KEYS = ['"prompt"', '"status"', '"deviceId"', '"createdAt"'];
/** s3rver keeps an object's bytes in `<key>._S3rver_object`, beside metadata files of its own. */
const S3RVER_OBJECT = '._S3rver_object';

export interface SealedFigures {
  /** Files checked whole and sealed (logs, snapshots, heads, images; on every view of a folder). */
  objects: number;
  bytes: number;
}

/**
 * Rule sealed-at-rest (issue 22: with a passphrase, every byte written to the target is encrypted): read where the
 * target keeps its bytes (the folder's cloud and views; rclone's and s3rver's backing dirs), every device file and
 * image is one whole sealed file, and no file or name holds a job id, a prompt, a device name, an image's hash, a
 * PNG's signature or end, or a job record's JSON keys. sync.json (salt, KDF cost, check value) is plaintext by
 * design, and so are a server's own metadata files and a temp file a killed write left (its bytes a sealed start):
 * those are only searched.
 */
export async function checkSealedAtRest(
  dirs: readonly string[],
  /** Plaintext that must appear nowhere: job ids, prompts, device names, image hashes. */
  texts: readonly string[],
  converged: number,
): Promise<SealedFigures> {
  const needles = [
    ...[...new Set([...texts, ...JSON_KEYS])].map((t) => ({ what: JSON.stringify(t), bytes: Buffer.from(t) })),
    { what: 'a PNG signature', bytes: PNG_SIGNATURE },
    { what: "a PNG's IEND chunk", bytes: PNG_END },
  ];
  const problems: string[] = [];
  const figures: SealedFigures = { objects: 0, bytes: 0 };
  for (const dir of dirs) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const shown = path.relative(path.dirname(dir), file);
      const bytes = await readFile(file);
      for (const n of needles) {
        if (shown.includes(n.bytes.toString('latin1'))) problems.push(`${shown}: its name holds ${n.what}`);
        if (bytes.includes(n.bytes)) problems.push(`${shown}: holds ${n.what} in plaintext`);
      }
      const s3rverFile = entry.name.includes('._S3rver_');
      if (s3rverFile && !entry.name.endsWith(S3RVER_OBJECT)) continue;
      const name = entry.name.replace(S3RVER_OBJECT, '');
      if (name === 'sync.json') continue;
      if (name.startsWith('.')) {
        if (!bytes.subarray(0, MAGIC.length).equals(MAGIC.subarray(0, Math.min(bytes.length, MAGIC.length))))
          problems.push(`${shown}: a temp file whose bytes are not a sealed file's start`);
        continue;
      }
      if (bytes.length < LENGTH_AT + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
        problems.push(
          `${shown}: not sealed (${bytes.length} bytes, starting ${JSON.stringify(bytes.subarray(0, 12).toString('latin1'))})`,
        );
      else if (bytes.readUInt32BE(LENGTH_AT) !== bytes.length)
        problems.push(`${shown}: a sealed file of ${bytes.readUInt32BE(LENGTH_AT)} bytes cut to ${bytes.length}`);
      else {
        figures.objects++;
        figures.bytes += bytes.length;
      }
    }
  }
  if (problems.length > 0)
    throw new RuleBroken(
      'sealed-at-rest',
      `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`,
      converged,
    );
  if (figures.objects === 0) throw new RuleBroken('sealed-at-rest', `no sealed file in ${dirs.join(', ')}`, converged);
  return figures;
}

export interface EncryptedCoverage {
  runs: number;
  converged: number;
  companions: number;
  /** Files found whole and sealed at rest after the heals. */
  objects: number;
  bytes: number;
}

/** After an encrypted run's rules held: every companion stopped (no write under way), then sealed-at-rest. */
export async function checkEncryptedRun(
  run: { devices: Device[]; dirs: string[]; ledger: Ledger; final: Map<string, SyncedJob[]>; converged: number },
  into: EncryptedCoverage,
) {
  for (const d of run.devices) await d.stop();
  const texts = [...run.ledger.created].flatMap(([id, c]) => [id, c.prompt]);
  const images = new Set([...run.final.values()].flat().flatMap((j) => (j.image ? [j.image] : [])));
  const names = run.devices.map((d) => machineName(d.name));
  const sealed = await checkSealedAtRest(run.dirs, [...texts, ...names, ...images], run.converged);
  into.runs++;
  into.companions += run.devices.length;
  into.converged += run.converged;
  into.objects += sealed.objects;
  into.bytes += sealed.bytes;
}
