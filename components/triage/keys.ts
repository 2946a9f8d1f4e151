/** What a key does in the history list (keyboard triage); null: not ours, let it through. */
export type TriageCommand =
  | { kind: 'move'; by: number }
  | { kind: 'edge'; to: 'first' | 'last' }
  | { kind: 'open' }
  | { kind: 'rate'; value: 1 | 2 | 3 | 4 | 5 }
  | { kind: 'star' }
  | { kind: 'tag' }
  | { kind: 'select' }
  | { kind: 'trash' }
  | { kind: 'help' };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** Reads one key press; `columns` is how far Up and Down move in a grid (1 in a list). */
export function triageCommand(e: KeyLike, columns = 1): TriageCommand | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case 'ArrowDown':
      return { kind: 'move', by: columns };
    case 'ArrowUp':
      return { kind: 'move', by: -columns };
    case 'ArrowRight':
      return columns > 1 ? { kind: 'move', by: 1 } : null;
    case 'ArrowLeft':
      return columns > 1 ? { kind: 'move', by: -1 } : null;
    case 'j':
      return { kind: 'move', by: 1 };
    case 'k':
      return { kind: 'move', by: -1 };
    case 'Home':
      return { kind: 'edge', to: 'first' };
    case 'End':
      return { kind: 'edge', to: 'last' };
    case 'Enter':
    case ' ':
      return { kind: 'open' };
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
      return { kind: 'rate', value: Number(e.key) as 1 | 2 | 3 | 4 | 5 };
    case 's':
      return { kind: 'star' };
    case 't':
      return { kind: 'tag' };
    case 'x':
      return { kind: 'select' };
    case 'Delete':
      return { kind: 'trash' };
    case '?':
      return { kind: 'help' };
    default:
      return null;
  }
}

/** The keys, as the shortcuts sheet lists them. */
export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'Move between jobs (← → too, in the grid)'],
  ['Home End', 'First or last job'],
  ['Enter  Space', 'Open the job’s details'],
  ['1 – 5', 'Rate (the same number again clears it)'],
  ['s', 'Star or unstar'],
  ['t', 'Add tags'],
  ['x', 'Select or unselect'],
  ['Delete', 'Delete (move to the trash)'],
  ['← →  in details', 'Previous or next job'],
  ['+ −  in details', 'Zoom in or out'],
  ['g  in details', 'Pixel grid'],
  ['Esc', 'Close what is open'],
  ['?', 'This list'],
];

/** True when a key press belongs to a text field (typing is never a shortcut). */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'range'].includes(type);
}
