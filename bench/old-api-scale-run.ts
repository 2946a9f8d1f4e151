/**
 * Issue 19's figures for the companion, in the order they run: the old API at the large size against the
 * peer and the floor, /health during a whole-history /save-jobs, the companion at each history size (an empty
 * data dir, small, large and, with BENCH_100K=1, 100,000 jobs), then the old API at 100,000 jobs.
 */
import path from 'node:path';
import { type History, makeHistory } from './dataset';
import { benchOldApi, type OldApiResults } from './old-api-bench';
import { type EmptyStart, measureEmptyStart, measureScalePoint, type ScalePoint } from './scale';

export const HUGE = 100_000;

export interface OldApiScaleConfig {
  oldApiRuns: number;
  oldApiHugeRuns: number;
  scaleStartRuns: number;
  scalePushRuns: number;
  huge: boolean;
}

export interface OldApiScaleResults {
  oldApi: OldApiResults[];
  emptyStart: EmptyStart | null;
  scale: ScalePoint[];
  /** Where a part did not finish: which and why. */
  failures: string[];
}

export async function benchOldApiAndScale(
  small: History,
  large: History,
  tmpRoot: string,
  config: OldApiScaleConfig,
  parts: { oldApi: boolean; scale: boolean },
  log: (line: string) => void,
): Promise<OldApiScaleResults> {
  const out: OldApiScaleResults = { oldApi: [], emptyStart: null, scale: [], failures: [] };
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      out.failures.push(`${what}: ${(error as Error).stack ?? error}`);
      log(`  ${what} FAILED: ${(error as Error).message}`);
    }
  };

  if (parts.oldApi) {
    log(`old API at ${large.count} jobs: the old server's mimic, the floor and the companion`);
    await attempt(`old API at ${large.count}`, async () => {
      const runs = config.oldApiRuns;
      out.oldApi.push(
        await benchOldApi(large, path.join(tmpRoot, `old-api-${large.count}`), {
          runs,
          warmup: true,
          healthDuringSave: true,
          log,
        }),
      );
    });
  }

  let huge: History | null = null;
  let hugeDir: string | null = null;
  if (parts.scale) {
    log('the companion at each history size');
    await attempt('start on an empty data dir', async () => {
      out.emptyStart = await measureEmptyStart(path.join(tmpRoot, 'scale-empty'), config.scaleStartRuns);
    });
    const sizes: History[] = [small, large];
    if (config.huge) {
      const t = performance.now();
      huge = makeHistory(HUGE);
      log(`  dataset: ${HUGE} jobs made or loaded in ${Math.round(performance.now() - t)} ms`);
      sizes.push(huge);
    }
    for (const history of sizes) {
      const dir = path.join(tmpRoot, `scale-${history.count}`);
      await attempt(`the companion at ${history.count} jobs`, async () => {
        out.scale.push(
          await measureScalePoint(history, dir, {
            startRuns: config.scaleStartRuns,
            pushRuns: config.scalePushRuns,
            log,
          }),
        );
        if (history === huge) hugeDir = dir;
      });
    }
  }

  if (parts.oldApi && config.huge) {
    huge ??= makeHistory(HUGE);
    const history = huge;
    log(`old API at ${HUGE} jobs (the companion on the data dir of the ${HUGE} scale point when there is one)`);
    await attempt(`old API at ${HUGE}`, async () => {
      out.oldApi.push(
        await benchOldApi(history, path.join(tmpRoot, `old-api-${HUGE}`), {
          runs: config.oldApiHugeRuns,
          warmup: false,
          healthDuringSave: false,
          companionDataDir: hugeDir ?? undefined,
          log,
        }),
      );
    });
  }
  return out;
}
