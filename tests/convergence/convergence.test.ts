/**
 * Randomized model test of the sync protocol: two extensions and the companion, partitioned, faulted and
 * restarted at random, then healed; the rules of README.md ("Sync protocol") must hold. See
 * tests/convergence/README.md for the model, the rules and how to replay a failure.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { coverage, describeOp, RuleBroken, runScenario, type Scenario, type StoreKind, scenarioArb } from './model';

const LONG = process.env.RELIABILITY_LONG === '1';
/**
 * CI runs a fixed set of scenarios so its verdict is repeatable; the long mode draws fresh seeds. A
 * failure a fresh seed found is replayed with CONVERGENCE_SEED/PATH and kept as a test in defects.test.ts
 * (README "Defects found by fresh seeds").
 */
const SEED = process.env.CONVERGENCE_SEED ? Number(process.env.CONVERGENCE_SEED) : LONG ? undefined : 20261125;
const PATH = process.env.CONVERGENCE_PATH || undefined;

/** Runs per property: sized for CI (the whole suite well under 60 s); RELIABILITY_LONG=1 runs 20 times more. */
const RUNS = { file: 200, memory: 250 } as const;
const MAX_OPS = 50;
/** A replayed path starts at its run index, which a long run can put past the CI count. */
const replayRuns = PATH ? Number(PATH.split(':')[0]) + 1 : 0;
const numRuns = (store: StoreKind) =>
  Math.max(
    replayRuns,
    process.env.CONVERGENCE_RUNS ? Number(process.env.CONVERGENCE_RUNS) : (LONG ? 20 : 1) * RUNS[store],
  );
/** About 50 ms a run, plus shrinking when one fails. */
const timeout = (store: StoreKind) => 90_000 + (PATH ? 0 : numRuns(store) * 400);

const totals = { runs: 0, converged: 0, kills: 0, restarts: 0 };

async function checkConvergence(store: StoreKind, title: string): Promise<void> {
  const details = await fc.check(
    fc.asyncProperty(scenarioArb(store, MAX_OPS), async (scenario) => {
      totals.runs++;
      try {
        // The file store without fsync: a restart here is a process crash, which fsync does not change.
        const out = await runScenario(store, scenario, { fsync: false });
        totals.converged += out.converged;
        totals.kills += out.kills;
        totals.restarts += out.restarts;
      } catch (err) {
        if (err instanceof RuleBroken) totals.converged += err.converged;
        throw err;
      }
    }),
    {
      numRuns: numRuns(store),
      ...(SEED !== undefined ? { seed: SEED } : {}),
      // A replay runs exactly the recorded scenario: no further shrinking into some other failure.
      ...(PATH !== undefined ? { path: PATH, endOnFailure: true } : {}),
    },
  );
  if (!details.failed) return;
  const line = `convergence failed: seed=${details.seed} path=${details.counterexamplePath}`;
  const replay = `replay: CONVERGENCE_SEED=${details.seed} CONVERGENCE_PATH=${details.counterexamplePath} npx vitest run tests/convergence -t "${title}"`;
  console.log(`${line}\n${replay}`);
  const scenario = (details.counterexample?.[0] ?? null) as Scenario | null;
  const ops = scenario ? scenario.ops.map(describeOp).join('\n  ') : '(none)';
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `${line}\n${replay}\nminimal operations (${scenario?.ops.length ?? 0}, seed ${scenario?.seed}):\n  ${ops}\n${cause}`,
  );
}

afterAll(() => {
  const kills = Object.entries(coverage.kills)
    .sort((a, b) => b[1] - a[1])
    .map(([phase, n]) => `${phase}: ${n}`)
    .join(', ');
  console.log(
    `coverage: ${coverage.syncs} syncs (${coverage.failedSyncs} failed), ${coverage.extraPages} pull pages past the first, ` +
      `${totals.restarts} companion restarts/wipes (${coverage.interrupted} running jobs interrupted), ` +
      `${coverage.buriedDeletes} deletes re-applied over a newer version; workers stopped mid-sync ${totals.kills}: ${kills}`,
  );
  console.log(`convergence: ${totals.runs} runs, ${totals.converged} replicas converged`);
});

describe('convergence of two extensions and the companion', () => {
  it('file store: partitions, lost answers, stopped workers and restarts heal into one history', {
    timeout: timeout('file'),
  }, async () => {
    await checkConvergence('file', 'file store');
  });

  it('memory store: the same, plus concurrent syncs, local changes during a sync and a wiped companion', {
    timeout: timeout('memory'),
  }, async () => {
    await checkConvergence('memory', 'memory store');
  });
});
