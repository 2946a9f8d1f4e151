import { useCallback, useMemo, useState } from 'preact/hooks';
import type { IndexEntry } from '@/utils/storage/layout';

/** A batch shown as one row: its newest job stands for it. */
export interface StackInfo {
  groupId: string;
  count: number;
  expanded: boolean;
  /** This row is a member shown under its expanded head (not the head itself). */
  member: boolean;
}

export interface StackedRows {
  entries: readonly IndexEntry[];
  /** By job id: the stack its row heads or belongs to; absent for a job on its own. */
  stacks: ReadonlyMap<string, StackInfo>;
}

/**
 * Folds every batch (jobs sharing a groupId, two or more in the list) into its newest job's place, unless it is
 * expanded: then its members follow the head in place. One pass to count, one to lay out: O(n), no sorting, so
 * the list keeps its order (newest first, or whatever the search sorted).
 */
export function stackEntries(entries: readonly IndexEntry[], expanded: ReadonlySet<string>): StackedRows {
  const counts = new Map<string, number>();
  for (const e of entries) if (e.groupId) counts.set(e.groupId, (counts.get(e.groupId) ?? 0) + 1);
  let any = false;
  for (const n of counts.values()) if (n > 1) any = true;
  if (!any) return { entries, stacks: new Map() };

  const members = new Map<string, IndexEntry[]>();
  for (const e of entries) {
    const g = e.groupId;
    if (g && (counts.get(g) ?? 0) > 1) {
      const list = members.get(g);
      if (list) list.push(e);
      else members.set(g, [e]);
    }
  }
  const out: IndexEntry[] = [];
  const stacks = new Map<string, StackInfo>();
  const placed = new Set<string>();
  for (const e of entries) {
    const g = e.groupId;
    const group = g ? members.get(g) : undefined;
    if (!g || !group) {
      out.push(e);
      continue;
    }
    if (placed.has(g)) continue;
    placed.add(g);
    const open = expanded.has(g);
    out.push(e);
    stacks.set(e.id, { groupId: g, count: group.length, expanded: open, member: false });
    if (!open) continue;
    for (const m of group) {
      if (m.id === e.id) continue;
      out.push(m);
      stacks.set(m.id, { groupId: g, count: group.length, expanded: true, member: true });
    }
  }
  return { entries: out, stacks };
}

/** The stacked list and which batches are open (for this visit). */
export function useStacks(entries: readonly IndexEntry[]): StackedRows & { toggle(groupId: string): void } {
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const stacked = useMemo(() => stackEntries(entries, open), [entries, open]);
  const toggle = useCallback(
    (groupId: string) =>
      setOpen((was) => {
        const next = new Set(was);
        if (!next.delete(groupId)) next.add(groupId);
        return next;
      }),
    [],
  );
  return { ...stacked, toggle };
}
