import type { Selection } from '@/utils/panel/selection';

/** A click or key on these belongs to the control, not to the row's selection. */
const CONTROLS =
  'button, a, input, select, textarea, label, summary, [role="menu"], [role="menuitem"], [contenteditable]';

function rowOf(target: EventTarget | null): { id: string; row: Element } | null {
  if (!(target instanceof Element) || target.closest(CONTROLS)) return null;
  const row = target.closest('[data-job-id]');
  const id = row?.getAttribute('data-job-id');
  return row && id ? { id, row } : null;
}

/**
 * Selection gestures for the list, by event delegation on its container (the rows stay plain): click,
 * Shift-click, Ctrl/Cmd-click on a row outside its controls, and `x` on the focused row. `order()` gives
 * the listed ids, for Shift ranges.
 */
export function listSelectionHandlers(selection: Selection, order: () => readonly string[]) {
  return {
    onMouseDown(e: MouseEvent) {
      // Shift-click would also select the text between the two rows.
      if (e.shiftKey && rowOf(e.target)) e.preventDefault();
    },
    onClick(e: MouseEvent) {
      const hit = rowOf(e.target);
      if (!hit) return;
      selection.click(hit.id, { range: e.shiftKey, toggle: e.ctrlKey || e.metaKey }, order());
    },
    onKeyDown(e: KeyboardEvent) {
      if (e.key !== 'x' || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target instanceof Element ? e.target : null;
      if (!target || target.closest('input, textarea, select, [contenteditable]')) return;
      const id = target.closest('[data-job-id]')?.getAttribute('data-job-id');
      if (!id) return;
      e.preventDefault();
      selection.toggle(id);
    },
  };
}
