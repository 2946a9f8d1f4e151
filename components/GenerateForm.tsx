import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import {
  type CanvasField,
  costPreview,
  type Field,
  type FormErrors,
  type FormValues,
  type Prefill,
  toNumber,
  validateForm,
} from '@/components/form-request';
import {
  type ImageField,
  type ImageRef,
  INITIAL_PIXEL_OPTIONS,
  MORE_FIELDS,
  modeForImage,
  type PixelOptionField,
  type PixelOptionValues,
  pixelOptionValues,
  REQUIRED_IMAGES,
} from '@/components/form-values';
import { formatCost } from '@/components/format';
import { ChevronIcon } from '@/components/icons';
import { ModeOptions, ModeSelect, MoreOptions, TransparentOption } from '@/components/PixelOptions';
import { isPngFile } from '@/components/ReferenceSlot';
import { bytesToPngDataUrl, isPng } from '@/utils/domain/data-url';
import { MAX_SIZE, MIN_SIZE } from '@/utils/domain/job';
import type { GenerateRequest } from '@/utils/intents/protocol';

export {
  costPreview,
  type FormErrors,
  type FormValues,
  type Prefill,
  prefillFrom,
  validateForm,
} from '@/components/form-request';

/** The old dashboard's presets, all 64x64. */
export const PRESETS = [
  { id: 'knight', label: 'Knight', prompt: 'heroic knight with glowing sword, blue cape, ready stance' },
  { id: 'mage', label: 'Mage', prompt: 'cyberpunk mage with neon circuits, levitating spellbook' },
  { id: 'dragon', label: 'Dragon', prompt: 'adorable pixel dragon companion, bright scales, tiny wings' },
  { id: 'warrior', label: 'Warrior', prompt: 'battle-worn warrior with massive axe, scar across eye' },
  { id: 'wizard', label: 'Wizard', prompt: 'wise old wizard with long beard, staff with glowing crystal' },
].map((p) => ({ ...p, width: 64, height: 64 }));

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
  /** A history job's image to use as an option ("Use as style"…); pass a new object each time. */
  reference?: ReferenceRequest | null;
  /** Keeps a PNG the user chose or dropped (the `putImage` intent): its sha-256, or why not. Absent: no files. */
  onImportImage?(dataUrl: string): Promise<{ hash: string } | { error: string }>;
  /** The data URL of an image this browser holds, to show a restored reference. */
  imageUrl?(hash: string): string | undefined;
}

/** An image to put in one of the form's image options. */
export interface ReferenceRequest {
  field: ImageField;
  image: ImageRef;
}

const ORDER: Field[] = [
  'prompt',
  'action',
  'style_image',
  'reference_image',
  'width',
  'height',
  'seed',
  'count',
  'style_strength',
  'text_guidance_scale',
  'coverage_percentage',
  'init_image_strength',
  'n_frames',
  'image_guidance_scale',
];
const INITIAL: FormValues = { prompt: '', width: '64', height: '64', seed: '', count: '1' };

export function GenerateForm({
  onGenerate,
  prefill,
  estimateUsd,
  askAboveUsd = null,
  onDraftChange,
  reference,
  onImportImage,
  imageUrl,
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
  const [moreOpen, setMoreOpen] = useState(false);
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
    setPixel(pixelOptionValues(prefill.options, imageUrl));
    setErrors({});
    setOpen(true);
    // After the body is shown again, if it was folded.
    setTimeout(() => promptRef.current?.focus(), 0);
  }, [prefill]);

  useEffect(() => onDraftChange?.(values.prompt), [values.prompt, onDraftChange]);

  // "Use as style" (or init image, palette, sprite to animate) on a job: into its option, in the mode it needs.
  useEffect(() => {
    if (!reference) return;
    setPixel((p) => {
      const mode = modeForImage(p.mode, reference.field);
      if (!REQUIRED_IMAGES[mode].includes(reference.field)) setMoreOpen(true);
      return { ...p, mode, [reference.field]: reference.image };
    });
    setErrors((e) => ({ ...e, [reference.field]: undefined }));
    setOpen(true);
  }, [reference]);

  const update = (field: CanvasField, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    // Once the user tried to submit, messages follow every edit.
    if (submitted) setErrors(validateForm(next, pixel).errors);
  };
  const updatePixel = (field: PixelOptionField, value: string | boolean | ImageRef | null) => {
    setPixel((current) => {
      const next = { ...current, [field]: value };
      if (submitted) setErrors(validateForm(values, next).errors);
      return next;
    });
  };

  /** A PNG the user chose or dropped: checked here, kept by the background, then named by its hash. */
  const onImageFile = async (field: ImageField, file: File) => {
    const fail = (message: string) => setErrors((e) => ({ ...e, [field]: message }));
    if (!onImportImage) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!isPngFile(file) || !isPng(bytes)) return fail(`${file.name} is not a PNG: choose a .png file.`);
    const dataUrl = bytesToPngDataUrl(bytes);
    const kept = await onImportImage(dataUrl);
    if ('error' in kept) return fail(kept.error);
    setErrors((e) => ({ ...e, [field]: undefined }));
    updatePixel(field, { hash: kept.hash, url: dataUrl, label: file.name });
  };

  const submit = async (event?: Event) => {
    event?.preventDefault();
    if (busy) return;
    setSubmitted(true);
    const { request, errors: found } = validateForm(values, pixel);
    setErrors(found);
    if (!request) {
      if (MORE_FIELDS[pixel.mode].some((f) => found[f])) setMoreOpen(true);
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
          <span class="prompt-head">
            <label for="gen-prompt">Prompt</label>
            <ModeSelect values={pixel} onChange={updatePixel} />
          </span>
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
        <ModeOptions
          values={pixel}
          errors={errors}
          onChange={updatePixel}
          onImageFile={onImportImage && ((field, file) => void onImageFile(field, file))}
        />
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
        <MoreOptions
          values={pixel}
          errors={errors}
          onChange={updatePixel}
          onImageFile={onImportImage && ((field, file) => void onImageFile(field, file))}
          open={moreOpen}
          onToggle={setMoreOpen}
        />
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
