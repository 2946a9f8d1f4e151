import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Settings, settingsSchema } from '@/utils/storage/settings';

export interface SettingsPanelProps {
  id?: string;
  settings: Settings;
  onSave(settings: Settings): unknown;
  onClose(): void;
  /** More settings below the form (the PixelLab key, which the companion keeps, not the browser). */
  children?: ComponentChildren;
}

type Field = 'companionUrl' | 'token' | 'parallelLimit' | 'askAboveUsd';
const MESSAGES: Record<Field, string> = {
  companionUrl: 'Enter a full URL, such as http://127.0.0.1:8787.',
  token: 'The token can be at most 512 characters.',
  parallelLimit: 'Parallel limit must be a whole number from 1 to 10.',
  askAboveUsd: 'Enter an amount in dollars, such as 0.50, or leave it empty to never ask.',
};

const usdText = (usd: number | null) => (usd === null ? '' : String(usd));

/** The disclosed settings form; App owns the toggle button that shows it. */
export function SettingsPanel({ id = 'settings-panel', settings, onSave, onClose, children }: SettingsPanelProps) {
  const [url, setUrl] = useState(settings.companionUrl);
  const [token, setToken] = useState(settings.token);
  const [limit, setLimit] = useState(String(settings.parallelLimit));
  const [askAbove, setAskAbove] = useState(usdText(settings.askAboveUsd));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  const dirty = useRef(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);
  // Follow storage until the user edits.
  useEffect(() => {
    if (dirty.current) return;
    setUrl(settings.companionUrl);
    setToken(settings.token);
    setLimit(String(settings.parallelLimit));
    setAskAbove(usdText(settings.askAboveUsd));
  }, [settings]);

  const edit = (set: (v: string) => void) => (e: { currentTarget: HTMLInputElement }) => {
    dirty.current = true;
    set(e.currentTarget.value);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const parsed = settingsSchema.safeParse({
      companionUrl: url.trim(),
      token: token.trim(),
      parallelLimit: limit.trim() === '' ? Number.NaN : Number(limit),
      askAboveUsd: askAbove.trim() === '' ? null : Number(askAbove.trim().replace(/^\$/, '')),
    });
    if (!parsed.success) {
      const found: Partial<Record<Field, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as Field;
        found[field] ??= MESSAGES[field];
      }
      setErrors(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSave(parsed.data);
      dirty.current = false;
    } finally {
      setBusy(false);
    }
  };

  const err = (field: Field) =>
    errors[field] ? (
      <p class="field-error" id={`set-${field}-error`}>
        {errors[field]}
      </p>
    ) : null;
  const aria = (field: Field, hint?: string) => ({
    'aria-invalid': errors[field] ? ('true' as const) : undefined,
    'aria-describedby': [hint, errors[field] ? `set-${field}-error` : undefined].filter(Boolean).join(' ') || undefined,
  });

  return (
    <section
      id={id}
      class="settings-panel"
      aria-labelledby={`${id}-title`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <form onSubmit={(e) => void save(e)} noValidate>
        <h2 id={`${id}-title`}>Settings</h2>
        <div class="field">
          <label for="set-companionUrl">Companion URL</label>
          <input
            ref={first}
            id="set-companionUrl"
            type="url"
            value={url}
            onInput={edit(setUrl)}
            spellcheck={false}
            {...aria('companionUrl')}
          />
          {err('companionUrl')}
        </div>
        <div class="field">
          <span class="field-label-row">
            <label for="set-token">Token</label>
            <span class="hint" id="set-token-hint">
              optional, if the companion runs with --token
            </span>
          </span>
          <input
            id="set-token"
            type="password"
            autoComplete="off"
            value={token}
            onInput={edit(setToken)}
            {...aria('token', 'set-token-hint')}
          />
          {err('token')}
        </div>
        <div class="field">
          <label for="set-parallelLimit">Parallel limit</label>
          <input
            id="set-parallelLimit"
            type="number"
            inputMode="numeric"
            min={1}
            max={10}
            step={1}
            value={limit}
            onInput={edit(setLimit)}
            {...aria('parallelLimit')}
          />
          {err('parallelLimit')}
        </div>
        <div class="field">
          <span class="field-label-row">
            <label for="set-askAboveUsd">Ask before spending over ($)</label>
            <span class="hint" id="set-askAboveUsd-hint">
              per Generate; empty: never ask
            </span>
          </span>
          <input
            id="set-askAboveUsd"
            type="text"
            inputMode="decimal"
            value={askAbove}
            onInput={edit(setAskAbove)}
            {...aria('askAboveUsd', 'set-askAboveUsd-hint')}
          />
          {err('askAboveUsd')}
        </div>
        <div class="settings-actions">
          <button type="submit" class="btn primary" disabled={busy} aria-busy={busy ? 'true' : undefined}>
            Save
          </button>
          <button type="button" class="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      {children}
    </section>
  );
}
