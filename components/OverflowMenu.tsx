import { signal } from '@preact/signals';
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

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

interface OpenMenu {
  label: string;
  items: readonly MenuItem[];
  button: HTMLButtonElement;
  focus: 'first' | 'last';
}

/** The one open menu; MenuHost draws it at the page's root, where no row's `contain: paint` clips it. */
const openMenu = signal<OpenMenu | null>(null);

function closeMenu(refocus: boolean) {
  const was = openMenu.value;
  openMenu.value = null;
  if (refocus) was?.button.focus();
}

/**
 * A menu button (WAI-ARIA menu pattern): opens on click, Enter, Space or ArrowDown with focus on the first item;
 * arrows, Home and End move; Escape closes and returns focus to the button; Tab or a click outside closes.
 */
export function OverflowMenu({ label, items, children, class: className = 'icon-btn' }: OverflowMenuProps) {
  const button = useRef<HTMLButtonElement>(null);
  const mine = openMenu.value?.button === button.current && button.current !== null;
  const show = (focus: 'first' | 'last') => {
    if (button.current) openMenu.value = { label, items, button: button.current, focus };
  };
  // A row scrolled out of the virtual list takes its open menu with it.
  useEffect(() => {
    const el = button.current;
    return () => {
      if (el && openMenu.value?.button === el) closeMenu(false);
    };
  }, []);
  return (
    <button
      ref={button}
      type="button"
      class={className}
      aria-label={label}
      title={label.replace(/ for .*$/, '')}
      aria-haspopup="menu"
      aria-expanded={mine ? 'true' : 'false'}
      onClick={() => (mine ? closeMenu(true) : show('first'))}
      onKeyDown={(e) => {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          e.stopPropagation();
          show(e.key === 'ArrowUp' ? 'last' : 'first');
        }
      }}
    >
      {children}
    </button>
  );
}

/** Draws the open menu, `fixed` beside its button. Rendered once, at the root of the page. */
export function MenuHost() {
  const menu = useRef<HTMLDivElement>(null);
  const open = openMenu.value;
  const enabled = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? [])];

  useEffect(() => {
    if (!open) return;
    const list = enabled();
    (open.focus === 'last' ? list[list.length - 1] : list[0])?.focus();
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !open.button.contains(target)) closeMenu(false);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [open]);

  if (!open) return null;
  const box = open.button.getBoundingClientRect();
  const viewport = globalThis.innerHeight || 800;
  const up = box.bottom + open.items.length * 30 + 12 > viewport && box.top > viewport / 2;
  const right = (globalThis.innerWidth || 400) - box.right;
  const style = up
    ? { bottom: `${viewport - box.top + 2}px`, right: `${right}px` }
    : { top: `${box.bottom + 2}px`, right: `${right}px` };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
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
      closeMenu(true);
    } else if (e.key === 'Tab') closeMenu(false);
    // Keys typed in a menu are the menu's, not the page's shortcuts.
    e.stopPropagation();
  };

  return (
    <div
      ref={menu}
      class="overflow-menu"
      role="menu"
      aria-label={open.label}
      tabIndex={-1}
      style={style}
      onKeyDown={onKeyDown}
    >
      {open.items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          tabIndex={-1}
          class={item.danger ? 'menu-item danger' : 'menu-item'}
          aria-label={item.name}
          disabled={item.disabled}
          onClick={() => {
            closeMenu(true);
            item.onSelect();
          }}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}
