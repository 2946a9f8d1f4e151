import type { ComponentChildren, JSX } from 'preact';
import { useRef } from 'preact/hooks';
import { trapFocus, useInitialFocus } from '@/components/focus-trap';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  cancelLabel?: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * A modal alert dialog: focus starts on Cancel (the safe choice), Tab stays inside,
 * Escape cancels, and focus returns to where it was on close.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useInitialFocus(() => cancel.current, { open });

  if (!open) return null;

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
      return;
    }
    trapFocus(e, dialog.current);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside is a mouse shortcut; Escape and Cancel are the keyboard's way out.
    // biome-ignore lint/a11y/useKeyWithClickEvents: as above.
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onCancel()}>
      <div
        ref={dialog}
        class="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-body"
        onKeyDown={onKeyDown}
      >
        <h2 id="confirm-title">{title}</h2>
        <div id="confirm-body" class="dialog-body">
          {children}
        </div>
        <div class="dialog-actions">
          <button ref={cancel} type="button" class="btn" onClick={onCancel}>
            {cancelLabel}
          </button>
          <button type="button" class={`btn ${danger ? 'danger-fill' : 'primary'}`} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
