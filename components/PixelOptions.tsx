import {
  details,
  type JobOptions,
  OPTION_LIMITS,
  type OptionsOf,
  outlines,
  pixfluxOptionsSchema,
  shadings,
  views,
} from '@/utils/domain/options';
import { directions } from '@/utils/domain/primitives';

/**
 * PixelLab's text-to-image options in the form: "Transparent background" up front, the style options under
 * "More options". The values are PixelLab's own names (utils/domain/options.ts); the form's text is checked by
 * the same schema the companion uses.
 */
export interface PixelOptionValues {
  no_background: boolean;
  outline: string;
  shading: string;
  detail: string;
  view: string;
  direction: string;
  isometric: boolean;
  text_guidance_scale: string;
  coverage_percentage: string;
}
export type PixelOptionField = keyof PixelOptionValues;

export const INITIAL_PIXEL_OPTIONS: PixelOptionValues = {
  no_background: false,
  outline: '',
  shading: '',
  detail: '',
  view: '',
  direction: '',
  isometric: false,
  text_guidance_scale: String(OPTION_LIMITS.textGuidance.default),
  coverage_percentage: '',
};

/** Above this area PixelLab paints a plain background instead of a transparent one (its docs). */
export const TRANSPARENT_MAX_AREA = 200 * 200;

const MESSAGES: Partial<Record<PixelOptionField, string>> = {
  text_guidance_scale: `Prompt strength is a number from ${OPTION_LIMITS.textGuidance.min} to ${OPTION_LIMITS.textGuidance.max}.`,
  coverage_percentage: 'Coverage is a percentage from 0 to 100, or left empty.',
};

const orNull = (text: string) => (text === '' ? null : text);
const numberOrNull = (text: string) => (text.trim() === '' ? null : Number(text));

/** The options to send; null when every option is PixelLab's default (the job then says nothing, as before). */
export function pixelOptionsOf(values: PixelOptionValues): {
  options: OptionsOf<'pixflux'> | null;
  errors: Partial<Record<PixelOptionField, string>>;
} {
  const parsed = pixfluxOptionsSchema.safeParse({
    mode: 'pixflux',
    no_background: values.no_background,
    outline: orNull(values.outline),
    shading: orNull(values.shading),
    detail: orNull(values.detail),
    view: orNull(values.view),
    direction: orNull(values.direction),
    isometric: values.isometric,
    text_guidance_scale: numberOrNull(values.text_guidance_scale) ?? OPTION_LIMITS.textGuidance.default,
    coverage_percentage: numberOrNull(values.coverage_percentage),
  });
  if (!parsed.success) {
    const errors: Partial<Record<PixelOptionField, string>> = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as PixelOptionField;
      errors[field] ??= MESSAGES[field] ?? `${field.replace(/_/g, ' ')}: ${issue.message}`;
    }
    return { options: null, errors };
  }
  const isDefault = JSON.stringify(parsed.data) === JSON.stringify(pixfluxOptionsSchema.parse({ mode: 'pixflux' }));
  return { options: isDefault ? null : parsed.data, errors: {} };
}

/** A job's options back in the form ("reuse settings"); modes the form does not show keep only what they share. */
export function pixelOptionValues(options: JobOptions | Record<string, unknown> | null | undefined): PixelOptionValues {
  const o = (options ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    no_background: o.no_background === true,
    outline: text(o.outline),
    shading: text(o.shading),
    detail: text(o.detail),
    view: text(o.view),
    direction: text(o.direction),
    isometric: o.isometric === true,
    text_guidance_scale:
      typeof o.text_guidance_scale === 'number'
        ? String(o.text_guidance_scale)
        : INITIAL_PIXEL_OPTIONS.text_guidance_scale,
    coverage_percentage: typeof o.coverage_percentage === 'number' ? String(o.coverage_percentage) : '',
  };
}

/** How many options differ from the defaults, for the "More options" summary. */
export function changedCount(values: PixelOptionValues): number {
  return (
    [
      'outline',
      'shading',
      'detail',
      'view',
      'direction',
      'isometric',
      'text_guidance_scale',
      'coverage_percentage',
    ] as const
  ).filter((f) => values[f] !== INITIAL_PIXEL_OPTIONS[f]).length;
}

export interface PixelOptionsProps {
  values: PixelOptionValues;
  errors: Partial<Record<PixelOptionField, string>>;
  /** The canvas area, for the note on transparent backgrounds. */
  area: number;
  onChange(field: PixelOptionField, value: string | boolean): void;
}

const CHOICES: [PixelOptionField, string, readonly string[]][] = [
  ['outline', 'Outline', outlines],
  ['shading', 'Shading', shadings],
  ['detail', 'Detail', details],
  ['view', 'View', views],
  ['direction', 'Direction', directions],
];

export function TransparentOption({ values, area, onChange }: Omit<PixelOptionsProps, 'errors'>) {
  const blank = values.no_background && area > TRANSPARENT_MAX_AREA;
  return (
    <label class="check" title="PixelLab's no_background">
      <input
        id="gen-no_background"
        type="checkbox"
        checked={values.no_background}
        aria-describedby={blank ? 'gen-no_background-note' : undefined}
        onChange={(e) => onChange('no_background', e.currentTarget.checked)}
      />
      Transparent background
      {blank && (
        <span class="hint" id="gen-no_background-note">
          (above 200×200 PixelLab paints a plain background instead)
        </span>
      )}
    </label>
  );
}

export function MoreOptions({ values, errors, onChange }: Omit<PixelOptionsProps, 'area'>) {
  const changed = changedCount(values);
  const hasError = Object.keys(errors).some((f) => f !== 'no_background');
  const numberField = (
    field: 'text_guidance_scale' | 'coverage_percentage',
    label: string,
    min: number,
    max: number,
    placeholder?: string,
  ) => (
    <div class="field">
      <label for={`gen-${field}`}>{label}</label>
      <input
        id={`gen-${field}`}
        type="number"
        min={min}
        max={max}
        step={field === 'text_guidance_scale' ? 0.5 : 1}
        placeholder={placeholder}
        value={values[field]}
        aria-invalid={errors[field] ? 'true' : undefined}
        aria-describedby={errors[field] ? `gen-${field}-error` : undefined}
        onInput={(e) => onChange(field, e.currentTarget.value)}
      />
    </div>
  );
  return (
    <details class="more-options" open={hasError || undefined}>
      <summary>More options{changed > 0 && <span class="hint"> · {changed} set</span>}</summary>
      <div class="options-grid">
        {CHOICES.map(([field, label, choices]) => (
          <div class="field" key={field}>
            <label for={`gen-${field}`}>{label}</label>
            <select
              id={`gen-${field}`}
              value={values[field] as string}
              onChange={(e) => onChange(field, e.currentTarget.value)}
            >
              <option value="">PixelLab decides</option>
              {choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
        ))}
        {numberField(
          'text_guidance_scale',
          'Prompt strength',
          OPTION_LIMITS.textGuidance.min,
          OPTION_LIMITS.textGuidance.max,
        )}
        {numberField('coverage_percentage', 'Coverage %', 0, 100, 'any')}
        <label class="check">
          <input
            id="gen-isometric"
            type="checkbox"
            checked={values.isometric}
            onChange={(e) => onChange('isometric', e.currentTarget.checked)}
          />
          Isometric
        </label>
      </div>
      {(['text_guidance_scale', 'coverage_percentage'] as const).map(
        (field) =>
          errors[field] && (
            <p key={field} class="field-error" id={`gen-${field}-error`}>
              {errors[field]}
            </p>
          ),
      )}
    </details>
  );
}
