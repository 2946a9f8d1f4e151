import { CloseIcon } from '@/components/icons';

export interface BannerMessage {
  id: string;
  message: string;
}

export interface ErrorBannerProps {
  errors: readonly BannerMessage[];
  onDismiss(id: string): void;
}

/** Storage errors and failed intents: always visible, announced, and only gone when dismissed. */
export function ErrorBanner({ errors, onDismiss }: ErrorBannerProps) {
  if (errors.length === 0) return null;
  return (
    <div class="error-banner" role="alert" data-testid="error-banner">
      {errors.map((e) => (
        <div class="error-item" key={e.id}>
          <span class="error-icon" aria-hidden="true">
            !
          </span>
          <p>{e.message}</p>
          <button
            type="button"
            class="icon-btn"
            aria-label={`Dismiss: ${e.message}`}
            title="Dismiss"
            onClick={() => onDismiss(e.id)}
          >
            <CloseIcon />
          </button>
        </div>
      ))}
    </div>
  );
}

/**
 * Short confirmations ("Imported 3, skipped 1"); a polite live region that stays in the DOM. The panel
 * places it over the top edge of the job list (the list's caption), where it covers no button, and it
 * lets clicks through.
 */
export function Toast({ message }: { message: string | null }) {
  return (
    <div class={`toast${message ? ' visible' : ''}`} role="status" aria-live="polite" data-testid="toast">
      {message}
    </div>
  );
}
