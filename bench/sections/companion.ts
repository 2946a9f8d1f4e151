/** The companion half of the bench: one companion with the 10,000 jobs serves sections 3, 5 and 2, in that order. */
import { randomUUID } from 'node:crypto';
import { livePids } from '../browser';
import { health, startBenchCompanion } from '../companion';
import { type Dataset, writeCompanionDataDir } from '../dataset';
import { log, tmp } from '../run-context';
import { measurePushes, measureReads } from './companion-reads';
import { measureFirstSync } from './first-sync';
import { measureOneChange } from './one-change';

/** `firstSyncOnly`: BENCH_ONLY=first-sync; `reserveAfter`: what the old API and scale sections take after it. */
export async function benchCompanion(
  extDir: string,
  large: Dataset,
  reserveAfter: number,
  firstSyncOnly: boolean,
): Promise<void> {
  const dataDir = tmp('companion-data');
  await writeCompanionDataDir(large, dataDir, `bench-${randomUUID()}`);
  const companion = await startBenchCompanion(dataDir);
  livePids.add(companion.proc.pid!);
  try {
    const h = await health(companion.url);
    if (h.lastSeq !== large.count) throw new Error(`the companion holds lastSeq ${h.lastSeq}, expected ${large.count}`);
    log(`companion ${companion.url} with ${large.count} jobs`);
    if (!firstSyncOnly) await measureReads(companion, large);
    await measureFirstSync(extDir, companion, h.lastSeq, large, reserveAfter);
    if (firstSyncOnly) return;
    await measureOneChange(companion, large);
    await measurePushes(companion, large);
  } finally {
    await companion.stop();
    livePids.delete(companion.proc.pid!);
  }
}
