import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  /** Visible text. */
  label: string;
  /** Accessible name when it must say more than the label (which job). */
  name?: string;
  onSelect(): void;
  disabled?: boolean;
  danger?: boolean;
}

export interface OverflowMenuProps {
  /** The button's accessible name, e.g. "More actions for job-7". */
  label: string;
  items: readonly MenuItem[];
  children: ComponentChildren;
  class?: string;
}

/**
 * A menu button (WAI-ARIA menu pattern): opens on click, Enter, Space or ArrowDown with focus on the first item;
 * arrows, Home and End move; Escape closes and returns focus to the button; Tab or a click outside closes.
 * Placed `fixed` from the button's box, so a virtualized row's clipping does not cut it off.
 */
export function OverflowMenu({ label, items, children, class: className = 'icon-btn' }: OverflowMenuProps) {
  const [open, setOpen] = useState<{ top: number; right: number; up: boolean } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const enabled = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? [])];

  const show = (focusLast = false) => {
    const box = button.current?.getBoundingClientRect();
    const viewport = globalThis.innerHeight || 800;
    const up = !!box && box.bottom + items.length * 30 + 12 > viewport && box.top > viewport / 2;
    setOpen({
      top: box ? (up ? box.top : box.bottom) : 0,
      right: box ? (globalThis.innerWidth || 400) - box.right : 0,
      up,
    });
    focusTo.current = focusLast ? 'last' : 'first';
  };
  const focusTo = useRef<'first' | 'last'>('first');
  const close = (refocus = true) => {
    setOpen(null);
    if (refocus) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const list = enabled();
    (focusTo.current === 'last' ? list[list.length - 1] : list[0])?.focus();
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) close(false);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [open !== null]);

  const onMenuKey = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    const list = enabled();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      e.preventDefault();
      list[(to + list.length) % list.length]?.focus();
    };
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(list.length - 1);
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') close(false);
    // Keys typed in a menu are the menu's, not the list's triage shortcuts.
    e.stopPropagation();
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        class={className}
        aria-label={label}
        title={label.replace(/ for .*$/, '')}
        aria-haspopup="menu"
        aria-expanded={open ? 'true' : 'false'}
        onClick={() => (open ? close() : show())}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            e.stopPropagation();
            show(e.key === 'ArrowUp');
          }
        }}
      >
        {children}
      </button>
      {open && (
        <div
          ref={menu}
          class="overflow-menu"
          role="menu"
          aria-label={label}
          tabIndex={-1}
          style={
            open.up
              ? { bottom: `${(globalThis.innerHeight || 800) - open.top + 2}px`, right: `${open.right}px` }
              : { top: `${open.top + 2}px`, right: `${open.right}px` }
          }
          onKeyDown={onMenuKey}
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              class={item.danger ? 'menu-item danger' : 'menu-item'}
              aria-label={item.name}
              disabled={item.disabled}
              onClick={() => {
                close();
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </>
  );
}
