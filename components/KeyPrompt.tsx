import { useRef, useState } from 'preact/hooks';
import { apiKeySchema } from '@/utils/domain/companion';

export interface KeyPromptProps {
  /** Sends the key to the companion; resolves with its refusal in plain words, or null once it is saved. */
  onSave(apiKey: string): Promise<string | null>;
  /** In the settings, replacing a key: a cancel button and no introduction. */
  onCancel?(): void;
}

/**
 * Asks for the PixelLab key when the companion has none (or, in the settings, for a new one). The key goes to
 * the companion once, which checks it with PixelLab before keeping it on this computer; the panel keeps
 * nothing of it, and clears the field once it is saved.
 */
export function KeyPrompt({ onSave, onCancel }: KeyPromptProps) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const save = async (e: Event) => {
    e.preventDefault();
    const parsed = apiKeySchema.safeParse(key);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'That is not a PixelLab key.');
      input.current?.focus();
      return;
    }
    setError(null);
    setBusy(true);
    let refusal: string | null;
    try {
      refusal = await onSave(parsed.data);
    } finally {
      setBusy(false);
    }
    setError(refusal);
    if (refusal === null) setKey('');
    else input.current?.select();
  };

  return (
    <section
      class={onCancel ? 'key-prompt in-settings' : 'key-prompt'}
      aria-labelledby="key-prompt-title"
      data-testid="key-prompt"
    >
      <h2 id="key-prompt-title">{onCancel ? 'New PixelLab key' : 'Add your PixelLab key'}</h2>
      {!onCancel && (
        <p>
          The companion is running but has no PixelLab API key. It checks the key with PixelLab and keeps it on this
          computer, never in the browser.
        </p>
      )}
      <form class="key-form" onSubmit={(e) => void save(e)} noValidate>
        <div class="field">
          <span class="field-label-row">
            <label for="pixellab-key">PixelLab API key</label>
            <span class="hint" id="pixellab-key-hint">
              from your account on pixellab.ai
            </span>
          </span>
          <input
            ref={input}
            id="pixellab-key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'pixellab-key-hint pixellab-key-error' : 'pixellab-key-hint'}
          />
          {error && (
            <p class="field-error" id="pixellab-key-error" role="alert" data-testid="key-error">
              {error}
            </p>
          )}
        </div>
        <div class="key-actions">
          <button type="submit" class="btn primary" disabled={busy} aria-busy={busy ? 'true' : undefined}>
            {busy ? 'Checking…' : 'Check and save'}
          </button>
          {onCancel && (
            <button type="button" class="btn" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
