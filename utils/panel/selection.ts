import { computed, type ReadonlySignal, signal } from '@preact/signals';

/** Modifier keys of a click on a row. */
export interface ClickMods {
  /** Shift: the range from the anchor. */
  range?: boolean;
  /** Ctrl (Cmd on a Mac): toggles the row, keeping the rest. */
  toggle?: boolean;
}

/**
 * Which jobs are selected, as signals (views that read `ids` re-render when it changes), with the gestures of
 * a file manager: a click selects one row, Ctrl/Cmd-click toggles one, Shift-click selects the range from the
 * last row clicked (the anchor) in the list's current order, Ctrl+Shift adds that range.
 */
export interface Selection {
  readonly ids: ReadonlySignal<ReadonlySet<string>>;
  readonly count: ReadonlySignal<number>;
  /** The row ranges start from; null before the first click. */
  readonly anchor: string | null;
  has(id: string): boolean;
  /** `order`: the ids of the list as shown, for Shift ranges. */
  click(id: string, mods: ClickMods, order: readonly string[]): void;
  /** The `x` key and Ctrl-click: one row in or out; it becomes the anchor. */
  toggle(id: string): void;
  /** Select all matching: every row the filter shows. */
  selectAll(ids: readonly string[]): void;
  clear(): void;
  /** Keeps only the ids still listed (a filter changed, a job went to the trash); no-op when nothing is selected. */
  retain(listed: readonly string[]): void;
}

export function createSelection(): Selection {
  const ids = signal<ReadonlySet<string>>(new Set());
  const count = computed(() => ids.value.size);
  let anchor: string | null = null;

  const set = (next: Set<string>) => {
    ids.value = next;
  };

  return {
    ids,
    count,
    get anchor() {
      return anchor;
    },
    has: (id) => ids.value.has(id),
    click(id, mods, order) {
      const from = anchor === null ? -1 : order.indexOf(anchor);
      const to = mods.range ? order.indexOf(id) : -1;
      if (mods.range && from >= 0 && to >= 0) {
        const next = mods.toggle ? new Set(ids.peek()) : new Set<string>();
        const [a, b] = from <= to ? [from, to] : [to, from];
        for (let i = a; i <= b; i++) next.add(order[i]!);
        // The anchor stays: a second Shift-click re-draws the range from the same row.
        set(next);
        return;
      }
      if (mods.toggle || mods.range) this.toggle(id);
      else {
        anchor = id;
        const current = ids.peek();
        if (current.size !== 1 || !current.has(id)) set(new Set([id]));
      }
    },
    toggle(id) {
      anchor = id;
      const next = new Set(ids.peek());
      if (!next.delete(id)) next.add(id);
      set(next);
    },
    selectAll(all) {
      set(new Set(all));
    },
    clear() {
      anchor = null;
      if (ids.peek().size > 0) set(new Set());
    },
    retain(listed) {
      const current = ids.peek();
      if (current.size === 0) return;
      const keep = new Set<string>();
      for (const id of listed) if (current.has(id)) keep.add(id);
      if (keep.size !== current.size) set(keep);
      if (anchor !== null && !keep.has(anchor) && !listed.includes(anchor)) anchor = null;
    },
  };
}
