/**
 * What a really full disk does to the store, the ledger and the recovery spool (README, "A paid result is never
 * discarded"). Needs a small file system of its own, which it fills up, e.g. as root:
 *
 *   truncate -s 64M /tmp/full.img && mkfs.ext4 -q -F /tmp/full.img && mkdir -p /tmp/full && mount -o loop /tmp/full.img /tmp/full
 *   node --import tsx bench/full-disk.ts /tmp/full
 *   umount /tmp/full
 *
 * Prints how long the reserve takes to make, and which writes a full disk refuses and which it takes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { openCostLedger } from '../companion-server/store/cost-ledger';
import { createFileStore } from '../companion-server/store/file-store';
import { openResultSpool } from '../companion-server/store/result-spool';
import { makeSprite } from '../tests/fixtures/png';
import { jobSchema } from '../utils/domain';

const root = process.argv[2];
if (!root) {
  console.error('usage: node --import tsx bench/full-disk.ts <folder on a small, expendable file system>');
  process.exit(2);
}
const dataDir = path.join(root, `data-${Date.now()}`);
const filler = path.join(root, 'filler');
const ms = (from: bigint) => `${(Number(process.hrtime.bigint() - from) / 1e6).toFixed(1)} ms`;
const attempt = async (what: string, work: () => Promise<unknown>) => {
  const t = process.hrtime.bigint();
  try {
    await work();
    console.log(`${what}: taken (${ms(t)})`);
  } catch (err) {
    console.log(`${what}: refused, ${(err as { code?: string }).code ?? (err as Error).message} (${ms(t)})`);
  }
};

async function fill(): Promise<number> {
  const handle = await open(filler, 'w');
  let written = 0;
  for (const size of [1 << 20, 4096, 512]) {
    const chunk = new Uint8Array(size).fill(1);
    for (;;) {
      try {
        await handle.write(chunk);
        await handle.sync();
        written += size;
      } catch {
        break;
      }
    }
  }
  await handle.close();
  return written;
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const log = () => undefined;
  const store = await createFileStore({ dataDir, log });
  const job = jobSchema.parse({
    id: 'job-1',
    prompt: 'p',
    width: 32,
    height: 32,
    status: 'queued',
    createdAt: 1,
    updatedAt: 1,
  });
  await store.put(job);
  const ledger = await openCostLedger({ dataDir, log });
  await ledger.append({ at: Date.now(), jobId: 'job-1', kind: 'generate', width: 32, height: 32, usd: 0.008 });

  let t = process.hrtime.bigint();
  const spool = await openResultSpool({ dataDir, log });
  console.log(`reserve made: ${spool.capacity} slots, ${(spool.capacity * 1024 * 1024) / 2 ** 20} MiB, in ${ms(t)}`);
  const slot = spool.reserve()!;

  console.log(`disk filled with ${(await fill()) >> 10} KiB`);
  // About what a 400x400 PNG that does not compress takes: the largest PixelLab result.
  const big = randomBytes(640 * 1024);
  await attempt('image to images/', () => store.putImage(makeSprite(64, 64, 'full disk')));
  await attempt('job to job_history.json', () => store.put({ ...job, status: 'success', updatedAt: 2 }));
  await attempt('row to the cost ledger', async () => {
    if (!(await ledger.append({ at: Date.now(), jobId: 'job-1', kind: 'generate', width: 32, height: 32, usd: 1 })))
      throw new Error('kept in memory');
  });
  t = process.hrtime.bigint();
  await attempt('640 KiB result into its spool slot, in place', () =>
    slot.write({ version: 1, at: Date.now(), png: big.toString('base64'), job: null, cost: null }),
  );

  await ledger.close();
  await spool.close();
  await rm(filler);
  const again = await openResultSpool({ dataDir, log });
  console.log(`after freeing the disk: ${again.recovered.length} result(s) recovered from the spool`);
  await again.close();
  await store.close().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
}

void main();
