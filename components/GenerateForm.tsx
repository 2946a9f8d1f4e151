import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { formatCost } from '@/components/format';
import { ChevronIcon } from '@/components/icons';
import {
  INITIAL_PIXEL_OPTIONS,
  MoreOptions,
  type PixelOptionField,
  type PixelOptionValues,
  pixelOptionsOf,
  pixelOptionValues,
  TransparentOption,
} from '@/components/PixelOptions';
import { MAX_PROMPT_LENGTH, MAX_SIZE, MIN_SIZE } from '@/utils/domain/job';
import type { JobOptions } from '@/utils/domain/options';
import { type GenerateRequest, generateRequestSchema } from '@/utils/intents/protocol';

/** The old dashboard's presets, all 64x64. */
export const PRESETS = [
  { id: 'knight', label: 'Knight', prompt: 'heroic knight with glowing sword, blue cape, ready stance' },
  { id: 'mage', label: 'Mage', prompt: 'cyberpunk mage with neon circuits, levitating spellbook' },
  { id: 'dragon', label: 'Dragon', prompt: 'adorable pixel dragon companion, bright scales, tiny wings' },
  { id: 'warrior', label: 'Warrior', prompt: 'battle-worn warrior with massive axe, scar across eye' },
  { id: 'wizard', label: 'Wizard', prompt: 'wise old wizard with long beard, staff with glowing crystal' },
].map((p) => ({ ...p, width: 64, height: 64 }));

type CanvasField = 'prompt' | 'width' | 'height' | 'seed' | 'count';
type Field = CanvasField | PixelOptionField;
export interface FormValues {
  prompt: string;
  width: string;
  height: string;
  seed: string;
  count: string;
}
export type FormErrors = Partial<Record<Field, string>>;

/** A job's settings for the form ("reuse settings"); the prompt from its list entry when the job is not loaded. */
export function prefillFrom(
  job: { prompt: string; width: number; height: number; seed: number | null; options?: Prefill['options'] } | undefined,
  entryPrompt?: string,
): Prefill {
  return {
    prompt: job?.prompt ?? entryPrompt ?? '',
    width: job?.width ?? 64,
    height: job?.height ?? 64,
    seed: job?.seed ?? null,
    options: job?.options ?? null,
  };
}

export interface Prefill {
  prompt: string;
  width: number;
  height: number;
  seed: number | null;
  /** The job's PixelLab options, restored with the rest. */
  options?: JobOptions | Record<string, unknown> | null;
}

const FIELD_MESSAGES: Record<Exclude<CanvasField, 'prompt'>, string> = {
  width: `Width must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}.`,
  height: `Height must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}.`,
  seed: 'Seed must be a whole number from 0 to 4294967295, or left empty.',
  count: 'Count must be a whole number from 1 to 20.',
};

function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** Checks the form with the intent's own schema; messages name the field and the rule. */
export function validateForm(
  values: FormValues,
  pixel: PixelOptionValues = INITIAL_PIXEL_OPTIONS,
): { request: GenerateRequest | null; errors: FormErrors } {
  const { options, errors: optionErrors } = pixelOptionsOf(pixel);
  const parsed = generateRequestSchema.safeParse({
    prompt: values.prompt,
    width: toNumber(values.width),
    height: toNumber(values.height),
    seed: values.seed.trim() === '' ? null : toNumber(values.seed),
    count: toNumber(values.count),
    ...(options ? { options } : {}),
  });
  const hasOptionErrors = Object.keys(optionErrors).length > 0;
  if (parsed.success && !hasOptionErrors) return { request: parsed.data, errors: {} };
  const errors: FormErrors = { ...optionErrors };
  if (parsed.success) return { request: null, errors };
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as CanvasField | undefined;
    if (!field || field === ('options' as CanvasField) || errors[field]) continue;
    if (field === 'prompt') {
      errors.prompt =
        issue.code === 'too_big' ? `Keep the prompt to ${MAX_PROMPT_LENGTH} characters or fewer.` : 'Enter a prompt.';
    } else {
      // A rule across fields (the smallest area) says itself; a field out of range gets its own words.
      errors[field] = issue.code === 'custom' ? issue.message : FIELD_MESSAGES[field];
    }
  }
  return { request: null, errors };
}

export interface GenerateFormProps {
  /** Called with a valid request; may return a promise while the intent is on its way. */
  onGenerate(request: GenerateRequest): unknown;
  /** Fills the form (a job's "reuse settings"); pass a new object each time. */
  prefill?: Prefill | null;
  /** What one image of this size will likely cost (the spending guard's rule); without it no preview shows. */
  estimateUsd?(width: number, height: number): number;
  /** Above this likely cost (USD) Generate asks first; null or absent: never asks. */
  askAboveUsd?: number | null;
  /** Told the prompt as typed, so "reuse settings" can ask before it replaces a draft. */
  onDraftChange?(prompt: string): void;
}

/** `About $0.05 (4 × $0.0125)`: what Generate will cost, before it is pressed; null while the fields are not valid. */
export function costPreview(values: FormValues, estimateUsd: (width: number, height: number) => number): string | null {
  const { request } = validateForm({ ...values, prompt: values.prompt.trim() || 'x' });
  if (!request) return null;
  const each = estimateUsd(request.width, request.height);
  const total = `About ${formatCost(each * request.count)}`;
  return request.count === 1 ? total : `${total} (${request.count} × ${formatCost(each)})`;
}

const ORDER: Field[] = ['prompt', 'width', 'height', 'seed', 'count', 'text_guidance_scale', 'coverage_percentage'];
const INITIAL: FormValues = { prompt: '', width: '64', height: '64', seed: '', count: '1' };

export function GenerateForm({
  onGenerate,
  prefill,
  estimateUsd,
  askAboveUsd = null,
  onDraftChange,
}: GenerateFormProps) {
  const [values, setValues] = useState<FormValues>(INITIAL);
  const [pixel, setPixel] = useState<PixelOptionValues>(INITIAL_PIXEL_OPTIONS);
  const [errors, setErrors] = useState<FormErrors>({});
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  /** A valid request whose likely cost is above the user's threshold, waiting for their yes. */
  const [asking, setAsking] = useState<{ request: GenerateRequest; usd: number } | null>(null);
  // Open on every start; folding it is for this visit only (nothing is stored).
  const [open, setOpen] = useState(true);
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (!prefill) return;
    setValues((v) => ({
      ...v,
      prompt: prefill.prompt,
      width: String(prefill.width),
      height: String(prefill.height),
      seed: prefill.seed === null ? '' : String(prefill.seed),
    }));
    setPixel(pixelOptionValues(prefill.options));
    setErrors({});
    setOpen(true);
    // After the body is shown again, if it was folded.
    setTimeout(() => promptRef.current?.focus(), 0);
  }, [prefill]);

  useEffect(() => onDraftChange?.(values.prompt), [values.prompt, onDraftChange]);

  const update = (field: CanvasField, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    // Once the user tried to submit, messages follow every edit.
    if (submitted) setErrors(validateForm(next, pixel).errors);
  };
  const updatePixel = (field: PixelOptionField, value: string | boolean) => {
    const next = { ...pixel, [field]: value };
    setPixel(next);
    if (submitted) setErrors(validateForm(values, next).errors);
  };

  const submit = async (event?: Event) => {
    event?.preventDefault();
    if (busy) return;
    setSubmitted(true);
    const { request, errors: found } = validateForm(values, pixel);
    setErrors(found);
    if (!request) {
      const first = ORDER.find((f) => found[f]);
      formRef.current?.querySelector<HTMLElement>(`#gen-${first}`)?.focus();
      return;
    }
    const usd = estimateUsd ? estimateUsd(request.width, request.height) * request.count : 0;
    if (askAboveUsd !== null && usd > askAboveUsd) {
      setAsking({ request, usd });
      return;
    }
    await send(request);
  };

  const send = async (request: GenerateRequest) => {
    setBusy(true);
    try {
      await onGenerate(request);
    } finally {
      setBusy(false);
    }
  };

  const preview = estimateUsd ? costPreview(values, estimateUsd) : null;

  const describedBy = (field: Field, hint?: string) =>
    [hint, errors[field] ? `gen-${field}-error` : undefined].filter(Boolean).join(' ') || undefined;

  const numberField = (
    field: Exclude<CanvasField, 'prompt'>,
    label: string,
    min: number,
    max: number,
    hint?: string,
  ) => (
    <div class="field">
      <span class="field-label-row">
        <label for={`gen-${field}`}>{label}</label>
        {hint && (
          <span class="hint" id={`gen-${field}-hint`}>
            {hint}
          </span>
        )}
      </span>
      <input
        id={`gen-${field}`}
        name={field}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        placeholder={field === 'seed' ? 'random' : undefined}
        value={values[field]}
        aria-invalid={errors[field] ? 'true' : undefined}
        aria-describedby={describedBy(field, hint ? `gen-${field}-hint` : undefined)}
        onInput={(e) => update(field, e.currentTarget.value)}
      />
    </div>
  );

  const onPromptKey = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
  };

  return (
    <form ref={formRef} class="gen-form" aria-label="New image" noValidate onSubmit={(e) => void submit(e)}>
      <div class="gen-head">
        <button
          type="button"
          class="gen-toggle"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls="gen-body"
          title={open ? 'Fold the form away' : 'Show the form'}
          onClick={() => setOpen((o) => !o)}
        >
          <ChevronIcon />
          New job
        </button>
        {open && (
          <div class="presets" role="group" aria-label="Presets">
            {PRESETS.map((p) => (
              <button
                key={p.id}
                type="button"
                class="chip"
                aria-pressed={values.prompt === p.prompt}
                title={p.prompt}
                onClick={() => {
                  const next = { ...values, prompt: p.prompt, width: String(p.width), height: String(p.height) };
                  setValues(next);
                  if (submitted) setErrors(validateForm(next, pixel).errors);
                }}
              >
                {p.label}
              </button>
            ))}
          </div>
        )}
      </div>
      <div class="gen-body" id="gen-body" hidden={!open}>
        <div class="field">
          <label for="gen-prompt">Prompt</label>
          <textarea
            id="gen-prompt"
            ref={promptRef}
            name="prompt"
            rows={2}
            placeholder="A tiny knight with a glowing sword…"
            value={values.prompt}
            aria-invalid={errors.prompt ? 'true' : undefined}
            aria-describedby={describedBy('prompt')}
            onInput={(e) => update('prompt', e.currentTarget.value)}
            onKeyDown={onPromptKey}
          />
          {errors.prompt && (
            <p class="field-error" id="gen-prompt-error">
              {errors.prompt}
            </p>
          )}
        </div>
        <div class="field-row">
          {numberField('width', 'Width', MIN_SIZE, MAX_SIZE)}
          {numberField('height', 'Height', MIN_SIZE, MAX_SIZE)}
          {numberField('seed', 'Seed', 0, 2 ** 32 - 1, 'optional')}
          {numberField('count', 'Count', 1, 20)}
          <button type="submit" class="btn primary generate-btn" aria-busy={busy ? 'true' : undefined} disabled={busy}>
            Generate
          </button>
        </div>
        {preview && (
          <p class="cost-preview" data-testid="cost-preview">
            {preview}
          </p>
        )}
        {(['width', 'height', 'seed', 'count'] as const).map(
          (field) =>
            errors[field] && (
              <p key={field} class="field-error" id={`gen-${field}-error`}>
                {errors[field]}
              </p>
            ),
        )}
        <TransparentOption
          values={pixel}
          area={toNumber(values.width) * toNumber(values.height) || 0}
          onChange={updatePixel}
        />
        <MoreOptions values={pixel} errors={errors} onChange={updatePixel} />
      </div>
      <ConfirmDialog
        open={asking !== null}
        title="Spend more than you set?"
        confirmLabel={`Generate for ${formatCost(asking?.usd ?? 0)}`}
        onConfirm={() => {
          const request = asking?.request;
          setAsking(null);
          if (request) void send(request);
        }}
        onCancel={() => setAsking(null)}
      >
        <p>
          This will likely cost about {formatCost(asking?.usd ?? 0)}, more than the {formatCost(askAboveUsd ?? 0)} you
          set in Settings.
        </p>
      </ConfirmDialog>
    </form>
  );
}
