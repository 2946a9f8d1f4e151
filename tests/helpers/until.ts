import type { CompanionProcess } from '@/tests/helpers/companion-process';

/**
 * Polls `probe` every 100 ms until `ok` holds and returns that value; fails after `timeoutMs`, naming `what` and
 * the last value seen (the tests between companions wait for a sync pass, whose moment they cannot know).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

/** The ids a companion's `/load-jobs` lists, sorted: what the old dashboard would see. */
export const loadIds = async (c: Pick<CompanionProcess, 'url'>): Promise<string[]> =>
  ((await (await fetch(`${c.url}/load-jobs`)).json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id).sort();

/**
 * Reads /health (through `read`) until its balance is known and returns that answer. The first /health after a
 * start or a key change waits only 300 ms for PixelLab's balance and says `unknown` past that, which a loaded
 * machine reaches; a test that expects `ok` or `missing` asks again instead of reading the first answer once.
 */
export const untilBalanceKnown = <T extends { balance?: { status?: string } }>(read: () => Promise<T>): Promise<T> =>
  until('a /health answer with a known balance', read, (health) => health.balance?.status !== 'unknown');

/** For vi.waitFor, whose default 1 s a loaded 2-core machine can spend on one storage read or render. */
export const WAIT = { timeout: 10_000 } as const;
