/**
 * 5. First sync of a fresh extension against the companion (before anything changes it). A run takes minutes
 * here; a further run is skipped when it would push the whole bench past its time budget.
 */
import { rmSync } from 'node:fs';
import { MAX_PULL_PAGE } from '../../utils/domain';
import type { BenchCompanion } from '../companion';
import type { Dataset } from '../dataset';
import { firstSyncOnce } from '../extension/first-sync';
import { firstSyncFloor } from '../extension/first-sync-floor';
import { firstSyncFloorLog, firstSyncLog } from '../first-sync-report';
import { BUDGET_MS, CONFIG, log, RESERVE_MS, samples, tmp, wallStart } from '../run-context';

/** `reserveAfter`: what the sections after this one take, kept free of the budget. */
export async function measureFirstSync(
  extDir: string,
  companion: BenchCompanion,
  lastSeq: number,
  large: Dataset,
  reserveAfter: number,
): Promise<void> {
  const firstSync = samples.firstSync;
  for (let i = 0; i < CONFIG.firstSyncRuns; i++) {
    const elapsed = performance.now() - wallStart;
    const last = firstSync.at(-1)?.totalMs ?? 0;
    if (i > 0 && elapsed + last * 1.2 + RESERVE_MS + reserveAfter > BUDGET_MS) {
      log(`  first sync: run ${i + 1} skipped, it would end past the ${BUDGET_MS / 1000} s budget`);
      break;
    }
    const dir = tmp(`profile-first-sync-${i}`);
    const sample = await firstSyncOnce(extDir, dir, { url: companion.url, lastSeq }, large.count, 600_000);
    rmSync(dir, { recursive: true, force: true });
    firstSync.push(sample);
    for (const line of firstSyncLog(sample)) log(line);
  }
  if (firstSync.length === 0) return;
  const floorDir = tmp('profile-first-sync-floor');
  const floor = await firstSyncFloor(extDir, floorDir, companion.url, MAX_PULL_PAGE);
  rmSync(floorDir, { recursive: true, force: true });
  samples.firstSyncFloor.push(floor);
  log(firstSyncFloorLog(floor));
}
