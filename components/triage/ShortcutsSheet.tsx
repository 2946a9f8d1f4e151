import { useRef } from 'preact/hooks';
import { useInitialFocus } from '@/components/focus-trap';
import { SHORTCUTS } from '@/components/triage/keys';

/** The `?` sheet: every keyboard shortcut of the history. A modal dialog; Escape or Close ends it. */
export function ShortcutsSheet({ onClose }: { onClose(): void }) {
  const close = useRef<HTMLButtonElement>(null);
  useInitialFocus(() => close.current);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside is a mouse shortcut; Escape and Close are the keyboard's way out.
    // biome-ignore lint/a11y/useKeyWithClickEvents: as above.
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        class="dialog shortcuts-sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          } else if (e.key === 'Tab') e.preventDefault();
        }}
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl class="shortcut-list">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <div class="dialog-actions">
          <button ref={close} type="button" class="btn primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
