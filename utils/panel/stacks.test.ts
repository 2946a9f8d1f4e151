import { describe, expect, it } from 'vitest';
import { stackEntries } from '@/utils/panel/stacks';
import type { IndexEntry } from '@/utils/storage/layout';

const e = (id: string, groupId?: string): IndexEntry => ({
  id,
  createdAt: 0,
  status: 'success',
  prompt: id,
  ...(groupId ? { groupId } : {}),
});

describe('stacks', () => {
  const list = [e('a', 'g1'), e('b'), e('c', 'g1'), e('d', 'g2'), e('e', 'g1'), e('f', 'solo')];

  it('folds a batch into its newest job, with a count; a group of one is no stack', () => {
    const { entries, stacks } = stackEntries(list, new Set());
    expect(entries.map((x) => x.id)).toEqual(['a', 'b', 'd', 'f']);
    expect(stacks.get('a')).toEqual({ groupId: 'g1', count: 3, expanded: false, member: false });
    expect(stacks.has('d')).toBe(false);
    expect(stacks.has('f')).toBe(false);
  });

  it('expands in place: the members follow their head, in list order', () => {
    const { entries, stacks } = stackEntries(list, new Set(['g1']));
    expect(entries.map((x) => x.id)).toEqual(['a', 'c', 'e', 'b', 'd', 'f']);
    expect(stacks.get('a')?.expanded).toBe(true);
    expect(stacks.get('e')).toEqual({ groupId: 'g1', count: 3, expanded: true, member: true });
  });

  it('gives back the same list when nothing stacks', () => {
    const plain = [e('a'), e('b', 'x')];
    expect(stackEntries(plain, new Set()).entries).toBe(plain);
  });
});
