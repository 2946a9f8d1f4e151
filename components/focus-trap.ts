import type { JSX } from 'preact';
import { useLayoutEffect } from 'preact/hooks';

/** What Tab may land on inside a dialog. */
export const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [href]';

/** Keeps Tab and Shift-Tab inside `root` (a modal dialog): from the last element to the first and back. */
export function trapFocus(e: JSX.TargetedKeyboardEvent<HTMLElement>, root: HTMLElement | null, selector = FOCUSABLE) {
  if (e.key !== 'Tab') return;
  const focusable = [...(root?.querySelectorAll<HTMLElement>(selector) ?? [])];
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  // The heading a dialog focuses first is not a Tab stop: Shift-Tab from it wraps to the last control too.
  const at = focusable.indexOf(document.activeElement as HTMLElement);
  if (e.shiftKey && at <= 0) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Moves focus into a dialog as it opens and, with `restore`, back where it was when it closes. A layout effect,
 * not an effect: it runs in the same task as the render, so a key pressed the moment the dialog shows already
 * reaches the dialog's own handler (an effect runs after paint, and Escape pressed in between went to the list).
 */
export function useInitialFocus(pick: () => HTMLElement | null | undefined, { open = true, restore = true } = {}) {
  // `pick` reads refs, so only opening (not each render's new arrow) moves focus.
  useLayoutEffect(() => {
    if (!open) return;
    const previous = document.activeElement as HTMLElement | null;
    pick()?.focus();
    return restore ? () => previous?.focus?.() : undefined;
  }, [open]);
}
