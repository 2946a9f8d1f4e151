import { describe, expect, it, vi } from 'vitest';
import type { PixelLab } from '../deps';
import { createBalanceCache } from './balance-cache';

/** A PixelLab whose balance calls wait until the test answers them. */
function slowPixelLab() {
  const waiting: ((usd: number) => void)[] = [];
  const pixellab: PixelLab = {
    generate: async () => {
      throw new Error('not used');
    },
    rotate: async () => {
      throw new Error('not used');
    },
    balance: () => new Promise((resolve) => waiting.push((usd) => resolve({ usd }))),
  };
  const answer = (usd: number) => {
    for (const w of waiting.splice(0)) w(usd);
  };
  return { pixellab, waiting, answer };
}

describe('createBalanceCache', () => {
  it('peek answers "unknown" within its wait while PixelLab hangs, then the answer once it comes', async () => {
    const slow = slowPixelLab();
    const cache = createBalanceCache({ pixellab: slow.pixellab, apiKeyDetected: true, ttlMs: 60_000 });
    // Its wait on a fake clock: answered once 50 ms have passed, not before, whatever the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let answer: unknown = null;
      void cache.peek(50).then((value) => (answer = value));
      await vi.advanceTimersByTimeAsync(49);
      expect(answer).toBeNull();
      await vi.advanceTimersByTimeAsync(1);
      expect(answer).toMatchObject({ status: 'unknown' });
    } finally {
      vi.useRealTimers();
    }
    // One call to PixelLab however often it is asked.
    await cache.peek(10);
    expect(slow.waiting).toHaveLength(1);
    slow.answer(12.5);
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.peek(50)).toEqual({ status: 'ok', usd: 12.5 });
  });

  it('serves a stale balance at once and refreshes it in the background', async () => {
    const slow = slowPixelLab();
    let t = 0;
    const cache = createBalanceCache({ pixellab: slow.pixellab, apiKeyDetected: true, ttlMs: 1_000, now: () => t });
    const first = cache.peek(1_000);
    slow.answer(5);
    expect(await first).toEqual({ status: 'ok', usd: 5 });
    t += 2_000;
    expect(await cache.peek(1_000)).toEqual({ status: 'ok', usd: 5 });
    expect(slow.waiting).toHaveLength(1);
    slow.answer(4);
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.peek(1_000)).toEqual({ status: 'ok', usd: 4 });
  });

  it('get waits for PixelLab (the old /balance), and no key means "missing" without a call', async () => {
    const slow = slowPixelLab();
    const cache = createBalanceCache({ pixellab: slow.pixellab, apiKeyDetected: true, ttlMs: 60_000 });
    const asked = cache.get();
    slow.answer(3);
    expect(await asked).toEqual({ status: 'ok', usd: 3 });
    const none = createBalanceCache({ pixellab: slow.pixellab, apiKeyDetected: false, ttlMs: 60_000 });
    expect(await none.peek()).toMatchObject({ status: 'missing' });
    expect(slow.waiting).toHaveLength(0);
  });
});
