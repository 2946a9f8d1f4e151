import { useEffect, useRef, useState } from 'preact/hooks';
import { normalizePairingCode } from '@/utils/domain/pairing';
import type { SyncState } from '@/utils/storage/layout';

export interface PairingPromptProps {
  /** The pairing request in progress, from the sync state; null before "Pair with companion". */
  request: SyncState['pairingRequest'];
  onStart(): unknown;
  /** Sends the code; resolves true when the companion took it. */
  onConfirm(code: string): Promise<boolean> | boolean;
  /** The companion's approval page (`<companion>/pair`), where the request can be approved without a code. */
  pageUrl?: string;
  clock?: () => number;
}

/**
 * Shown while the companion requires pairing: a button that asks it for a code (printed on its
 * console), then a field for that code. Failures from the companion go to the panel's banner.
 */
export function PairingPrompt({ request, onStart, onConfirm, pageUrl, clock = Date.now }: PairingPromptProps) {
  const [now, setNow] = useState(clock);
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState<'start' | 'confirm' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const open = request !== null && now < request.expiresAt;
  const expired = request !== null && !open;
  const requestId = request?.requestId ?? null;

  // A one-second tick while a code can be typed, so the countdown and the expiry show.
  useEffect(() => {
    if (requestId === null) return;
    setNow(clock());
    const timer = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(timer);
  }, [requestId, clock]);

  // A new request: an empty field, focused.
  useEffect(() => {
    setCode('');
    setInvalid(false);
    if (requestId !== null) input.current?.focus();
  }, [requestId]);

  const start = async () => {
    setBusy('start');
    try {
      await onStart();
    } finally {
      setBusy(null);
    }
  };

  const confirm = async (e: Event) => {
    e.preventDefault();
    const normalized = normalizePairingCode(code);
    if (normalized === null) {
      setInvalid(true);
      input.current?.focus();
      return;
    }
    setInvalid(false);
    setBusy('confirm');
    let ok = false;
    try {
      ok = await onConfirm(normalized);
    } finally {
      setBusy(null);
    }
    if (!ok) input.current?.select();
  };

  const secondsLeft = open ? Math.max(0, Math.ceil((request.expiresAt - now) / 1000)) : 0;
  const describedBy = ['pairing-code-hint', invalid ? 'pairing-code-error' : null].filter(Boolean).join(' ');

  return (
    <div class="pairing" data-testid="pairing">
      <div class="pairing-head">
        <p class="pairing-text">
          {open
            ? 'Approve this browser on the companion’s page (this panel then pairs by itself), or type the code the companion printed in its console.'
            : expired
              ? 'The pairing code expired: ask for a new one.'
              : 'This companion asks to pair before it syncs.'}
        </p>
        <button
          type="button"
          class={`btn small${open ? '' : ' primary'}`}
          onClick={() => void start()}
          disabled={busy !== null}
          aria-busy={busy === 'start' ? 'true' : undefined}
        >
          Pair with companion
        </button>
      </div>
      {open && pageUrl && (
        <p class="pairing-page">
          <a href={pageUrl} target="_blank" rel="noreferrer" data-testid="pairing-page-link">
            Open the approval page
          </a>
        </p>
      )}
      {open && (
        <form class="pairing-form" onSubmit={(e) => void confirm(e)} noValidate>
          <div class="field">
            <span class="field-label-row">
              <label for="pairing-code">Pairing code</label>
              <span class="hint" id="pairing-code-hint">
                Enter the code the companion printed
              </span>
            </span>
            <input
              ref={input}
              id="pairing-code"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              spellcheck={false}
              maxLength={9}
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
            />
            {invalid && (
              <p class="field-error" id="pairing-code-error">
                The code is 6 digits.
              </p>
            )}
          </div>
          <button
            type="submit"
            class="btn small primary"
            disabled={busy !== null}
            aria-busy={busy === 'confirm' ? 'true' : undefined}
          >
            Confirm pairing
          </button>
          <span class="hint pairing-expiry" data-testid="pairing-expiry">
            expires in {secondsLeft} s
          </span>
        </form>
      )}
    </div>
  );
}
