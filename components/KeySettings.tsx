import { useState } from 'preact/hooks';
import { KeyPrompt } from '@/components/KeyPrompt';

export interface KeySettingsProps {
  /** Where the companion's key comes from, as /health said; null when not known (offline, or an older companion). */
  source: string | null;
  onSaveKey(apiKey: string): Promise<string | null>;
  /** Resolves with the refusal, or null once removed. */
  onRemoveKey(): Promise<string | null>;
}

const SOURCES: Record<string, string> = {
  environment: 'From PIXELLAB_API_KEY in the companion’s environment, which wins; change it there.',
  dotenv: 'From PIXELLAB_API_KEY in the companion’s .env file, which wins; change it there.',
  file: 'Set from this panel, kept by the companion on this computer (readable by you only).',
  none: 'None yet: generation waits for a key.',
};

/** The settings' PixelLab key: where it comes from, and replace or remove it when the panel set it. */
export function KeySettings({ source, onSaveKey, onRemoveKey }: KeySettingsProps) {
  const [replacing, setReplacing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const settable = source === 'file' || source === 'none';

  const remove = async () => {
    setBusy(true);
    try {
      setError(await onRemoveKey());
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="key-settings" aria-labelledby="key-settings-title" data-testid="key-settings">
      <h3 id="key-settings-title">PixelLab key</h3>
      <p class="hint" data-testid="key-source" data-source={source ?? 'unknown'}>
        {source === null ? 'Unknown until the companion answers.' : (SOURCES[source] ?? source)}
      </p>
      {settable && !replacing && (
        <div class="key-actions">
          <button type="button" class="btn small" onClick={() => setReplacing(true)}>
            {source === 'file' ? 'Replace key' : 'Set key'}
          </button>
          {source === 'file' && (
            <button type="button" class="btn small" disabled={busy} onClick={() => void remove()}>
              Remove key
            </button>
          )}
        </div>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {replacing && (
        <KeyPrompt
          onCancel={() => setReplacing(false)}
          onSave={async (key) => {
            const refusal = await onSaveKey(key);
            if (refusal === null) setReplacing(false);
            return refusal;
          }}
        />
      )}
    </section>
  );
}
