import type { JSX } from 'preact';

/** What Tab may land on inside a dialog. */
export const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [href]';

/** Keeps Tab and Shift-Tab inside `root` (a modal dialog): from the last element to the first and back. */
export function trapFocus(e: JSX.TargetedKeyboardEvent<HTMLElement>, root: HTMLElement | null, selector = FOCUSABLE) {
  if (e.key !== 'Tab') return;
  const focusable = [...(root?.querySelectorAll<HTMLElement>(selector) ?? [])];
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
