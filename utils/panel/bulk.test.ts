import { describe, expect, it } from 'vitest';
import { type BulkIntent, organiseMany, retryMany, tagsOf } from '@/utils/panel/bulk';
import type { IndexEntry } from '@/utils/storage/layout';

/** A background that records what it was sent and refuses what `refuse` says. */
function background(refuse: (intent: BulkIntent) => string | null = () => null) {
  const sent: BulkIntent[] = [];
  const send = async (intent: BulkIntent) => {
    sent.push(intent);
    const error = refuse(intent);
    if (error) return { ok: false as const, error };
    return { ok: true as const, ids: intent.type === 'organise' ? intent.ids.slice(1) : undefined };
  };
  return { sent, send };
}

describe('bulk intents', () => {
  it('split a selection past 10,000 ids into intents the contract accepts, and collect what changed', async () => {
    const ids = Array.from({ length: 10_001 }, (_, i) => `job-${i}`);
    const { sent, send } = background();
    const outcome = await organiseMany(send, ids, { op: 'star', value: true });
    expect(sent.map((i) => (i.type === 'organise' ? i.ids.length : 0))).toEqual([10_000, 1]);
    // The background answers with the ids it changed (here: all but the first of each intent).
    expect(outcome).toEqual({ changed: ids.slice(1, 10_000), error: null });
  });

  it('stop at the first refusal and say it', async () => {
    const ids = Array.from({ length: 20_001 }, (_, i) => `job-${i}`);
    const { sent, send } = background((i) =>
      i.type === 'organise' && i.ids[0] === 'job-10000' ? 'Storage is full' : null,
    );
    expect((await organiseMany(send, ids, { op: 'trash' })).error).toBe('Storage is full');
    expect(sent).toHaveLength(2);
  });

  it('retry only failed jobs, one intent each', async () => {
    const entries: IndexEntry[] = [
      { id: 'a', createdAt: 1, status: 'error', prompt: '' },
      { id: 'b', createdAt: 1, status: 'success', prompt: '' },
      { id: 'c', createdAt: 1, status: 'error', prompt: '' },
    ];
    const { sent, send } = background();
    expect(await retryMany(send, entries)).toEqual({ changed: ['a', 'c'], error: null });
    expect(sent).toEqual([
      { type: 'retry', id: 'a' },
      { type: 'retry', id: 'c' },
    ]);
  });

  it('offer the tags the selection holds, most common first', () => {
    const entry = (tags?: string[]): IndexEntry => ({ id: 'x', createdAt: 1, status: 'success', prompt: '', tags });
    expect(tagsOf([entry(['b', 'a']), entry(['b']), entry()])).toEqual(['b', 'a']);
  });
});
