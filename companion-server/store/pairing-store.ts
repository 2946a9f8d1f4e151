import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { type FsSeam, nodeFs } from './fs-seam';
import { errorCode, fsFailure } from './store-error';

/**
 * The clients paired with this companion (README.md in this folder, "pairings.json"). Only the
 * sha-256 of each token is kept, in memory and on disk; the token itself is handed out once.
 */
export const PAIRINGS_FILE_NAME = 'pairings.json';
export const PAIRINGS_FILE_VERSION = 1;

const pairingSchema = z.object({
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  clientName: z.string().max(200),
  createdAt: z.number(),
});
export type Pairing = z.infer<typeof pairingSchema>;

const pairingsFileSchema = z.object({
  version: z.literal(PAIRINGS_FILE_VERSION),
  pairings: z.array(pairingSchema),
});

export interface PairingStore {
  /** Absolute path of pairings.json, or null for the in-memory store. */
  readonly filePath: string | null;
  /** Whether this token was issued by pairing and not revoked. */
  verify(token: string): boolean;
  /** Remembers a newly issued token; resolves once that is durable. */
  add(token: string, clientName: string): Promise<void>;
  /** Forgets a token; false when it was not paired. Resolves once that is durable. */
  revoke(token: string): Promise<boolean>;
  /** Paired clients, oldest first (hashes only). */
  list(): Pairing[];
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** The same rules without a file: for route tests and companions that do not need them to last. */
export function createMemoryPairingStore(options: { now?: () => number } = {}): PairingStore {
  return createPairings(new Map(), async () => undefined, null, options.now ?? Date.now);
}

export interface PairingFileStoreOptions {
  /** The data dir; created when missing. */
  dataDir: string;
  /** The file-system seam; tests wrap it to inject faults. */
  fs?: FsSeam;
  now?: () => number;
  log?: (line: string) => void;
}

const TEMP_MARK = '.tmp-';
let tempCounter = 0;

/**
 * Opens `<dataDir>/pairings.json`: removes temp files left by an interrupted write, loads the file
 * (a corrupt one is moved aside, never deleted, and pairing starts empty), and from then on
 * rewrites it atomically on every change: temp file, fsync, rename, directory fsync.
 */
export async function createPairingStore(options: PairingFileStoreOptions): Promise<PairingStore> {
  const fs = options.fs ?? nodeFs;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.warn(line));
  const dir = resolve(options.dataDir);
  const file = join(dir, PAIRINGS_FILE_NAME);

  try {
    await fs.mkdir(dir);
  } catch (error) {
    throw fsFailure(`Could not create the data dir ${dir}`, error);
  }
  await removeStrayTemps(fs, dir, log);
  const entries = await load(fs, file, now, log);

  let writing: Promise<void> = Promise.resolve();
  const persist = (snapshot: () => Pairing[]) => {
    // Serialized; each write takes the newest state when it starts.
    const next = writing.catch(() => undefined).then(() => writeFile(fs, file, snapshot()));
    writing = next;
    return next;
  };
  return createPairings(entries, persist, file, now);
}

function createPairings(
  entries: Map<string, Pairing>,
  persist: (snapshot: () => Pairing[]) => Promise<void>,
  filePath: string | null,
  now: () => number,
): PairingStore {
  const snapshot = () => [...entries.values()];
  return {
    filePath,
    verify: (token) => token.length > 0 && entries.has(hashToken(token)),
    async add(token, clientName) {
      const entry: Pairing = { tokenHash: hashToken(token), clientName: clientName.slice(0, 200), createdAt: now() };
      entries.set(entry.tokenHash, entry);
      try {
        await persist(snapshot);
      } catch (error) {
        // Not on disk, so not issued: the caller answers with the error instead of the token.
        entries.delete(entry.tokenHash);
        throw error;
      }
    },
    async revoke(token) {
      const hash = hashToken(token);
      const entry = entries.get(hash);
      if (!entry) return false;
      entries.delete(hash);
      try {
        await persist(snapshot);
      } catch (error) {
        entries.set(hash, entry);
        throw error;
      }
      return true;
    },
    list: snapshot,
  };
}

async function removeStrayTemps(fs: FsSeam, dir: string, log: (line: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    throw fsFailure(`Could not list ${dir}`, error);
  }
  const stray = names.filter((name) => name.startsWith(`${PAIRINGS_FILE_NAME}${TEMP_MARK}`));
  for (const name of stray) {
    try {
      await fs.unlink(join(dir, name));
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw fsFailure(`Could not remove the leftover temp file ${name}`, error);
    }
  }
  if (stray.length)
    log(`Removed ${stray.length} leftover temp file(s) of ${PAIRINGS_FILE_NAME} from an unfinished write`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why the bytes are not a usable pairings.json (completing "pairings.json ..."), or the entries. */
function parsePairings(bytes: Uint8Array): Pairing[] | string {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes).replace(/^\uFEFF/, ''));
  } catch (error) {
    return `is not valid JSON (${errorMessage(error)})`;
  }
  const parsed = pairingsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `fails the schema (${issue ? `${issue.path.map(String).join('.') || 'file'}: ${issue.message}` : 'unexpected shape'})`;
  }
  return parsed.data.pairings;
}

async function load(
  fs: FsSeam,
  file: string,
  now: () => number,
  log: (line: string) => void,
): Promise<Map<string, Pairing>> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return new Map();
    throw fsFailure(`Could not read ${PAIRINGS_FILE_NAME}`, error);
  }
  const result = parsePairings(bytes);
  if (typeof result !== 'string') return new Map(result.map((p) => [p.tokenHash, p]));
  const movedTo = await moveAside(fs, file, now());
  log(
    `${PAIRINGS_FILE_NAME} ${result}; moved it to ${basename(movedTo)} and started with no paired clients (pair the extension again)`,
  );
  return new Map();
}

/** Renames to `<file>.corrupt-<timestamp>`, never over an existing file. */
async function moveAside(fs: FsSeam, file: string, time: number): Promise<string> {
  const stamp = new Date(time).toISOString().replace(/[:.]/g, '-');
  const exists = async (path: string) => {
    try {
      await fs.stat(path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw fsFailure(`Could not check ${basename(path)}`, error);
    }
  };
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 2; await exists(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  try {
    await fs.rename(file, target);
    await fs.fsyncDir(dirname(file));
  } catch (error) {
    throw fsFailure(`Could not move ${PAIRINGS_FILE_NAME} aside`, error);
  }
  return target;
}

export function serializePairings(pairings: readonly Pairing[]): string {
  const lines = pairings.map((p) =>
    JSON.stringify({ tokenHash: p.tokenHash, clientName: p.clientName, createdAt: p.createdAt }),
  );
  const list = lines.length === 0 ? '[]' : `[\n    ${lines.join(',\n    ')}\n  ]`;
  return `{\n  "version": ${PAIRINGS_FILE_VERSION},\n  "pairings": ${list}\n}\n`;
}

/** Temp file in the same dir, write, fsync, close, rename over the file, fsync the dir. */
async function writeFile(fs: FsSeam, file: string, pairings: readonly Pairing[]): Promise<void> {
  const tmp = `${file}${TEMP_MARK}${process.pid}-${++tempCounter}`;
  const bytes = Buffer.from(serializePairings(pairings), 'utf8');
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await fs.write(handle, bytes);
      await fs.fsync(handle);
    } catch (error) {
      await fs.close(handle).catch(() => undefined);
      throw error;
    }
    await fs.close(handle);
    await fs.rename(tmp, file);
    await fs.fsyncDir(dirname(file));
  } catch (error) {
    await fs.unlink(tmp).catch(() => undefined);
    throw fsFailure(`Could not save ${PAIRINGS_FILE_NAME}`, error);
  }
}
