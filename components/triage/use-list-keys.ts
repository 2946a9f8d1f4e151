import type { JSX, RefObject } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { isTypingTarget, type TriageCommand, triageCommand } from '@/components/triage/keys';
import type { IndexEntry } from '@/utils/storage/layout';

export interface ListKeysInput {
  entries: readonly IndexEntry[];
  columns: number;
  rowHeight: number;
  /** The element holding the scroller and the rows. */
  container: RefObject<HTMLElement>;
  /** Whatever is not moving focus: open, rate, star, tag, select, trash, help. */
  onCommand?(command: Exclude<TriageCommand, { kind: 'move' } | { kind: 'edge' }>, id: string | null): void;
}

const focusable = (root: HTMLElement, id: string) =>
  root.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(id)}"] .job-open`);

/**
 * Keyboard triage over a virtualized list: moving scrolls the target row into view first, then focuses it once
 * it is rendered, so j/k walk all 10,000 rows while only the visible ones exist.
 */
export function useListKeys({ entries, columns, rowHeight, container, onCommand }: ListKeysInput) {
  const pending = useRef<string | null>(null);

  // After each render: focus the row a move asked for, once it exists.
  useLayoutEffect(() => {
    const root = container.current;
    if (!root || pending.current === null) return;
    const el = focusable(root, pending.current);
    if (el) {
      pending.current = null;
      el.focus();
    }
  });

  const currentId = (target: EventTarget | null): string | null =>
    (target as HTMLElement | null)?.closest?.('[data-job-id]')?.getAttribute('data-job-id') ?? null;

  const moveTo = (index: number) => {
    const root = container.current;
    const entry = entries[index];
    if (!root || !entry) return;
    const scroller = root.querySelector<HTMLElement>('.job-scroller');
    if (scroller) {
      const top = Math.floor(index / columns) * rowHeight;
      const view = scroller.clientHeight || rowHeight;
      if (top < scroller.scrollTop) scroller.scrollTop = top;
      else if (top + rowHeight > scroller.scrollTop + view) scroller.scrollTop = top + rowHeight - view;
    }
    const el = focusable(root, entry.id);
    if (el) el.focus();
    else pending.current = entry.id;
  };

  return (e: JSX.TargetedKeyboardEvent<HTMLElement>) => {
    if (isTypingTarget(e.target) || entries.length === 0) return;
    // Keys in a row's menu or select are theirs.
    if ((e.target as HTMLElement).closest?.('[role="menu"]')) return;
    const command = triageCommand(e, columns);
    if (!command) return;
    const id = currentId(e.target);
    const at = id === null ? -1 : entries.findIndex((x) => x.id === id);
    if (command.kind === 'move' || command.kind === 'edge') {
      e.preventDefault();
      if (command.kind === 'edge') moveTo(command.to === 'first' ? 0 : entries.length - 1);
      else moveTo(at < 0 ? 0 : Math.min(entries.length - 1, Math.max(0, at + command.by)));
      return;
    }
    // Enter and Space on a real button are its own click: only a row's open button is ours.
    const onButton =
      (e.target as HTMLElement).tagName === 'BUTTON' && !(e.target as HTMLElement).classList.contains('job-open');
    if (command.kind === 'open' && onButton) return;
    if (command.kind !== 'help' && id === null) return;
    e.preventDefault();
    onCommand?.(command, id);
  };
}
