import {
  changedCount,
  type FormMode,
  formModes,
  IMAGE_LABELS,
  type ImageField,
  type ImageRef,
  MODE_LABELS,
  MORE_FIELDS,
  type PixelOptionField,
  type PixelOptionValues,
  REQUIRED_IMAGES,
} from '@/components/form-values';
import { ReferenceSlot } from '@/components/ReferenceSlot';
import { details, OPTION_LIMITS, outlines, shadings, views } from '@/utils/domain/options';
import { directions } from '@/utils/domain/primitives';
import { TRANSPARENT_MAX_AREA } from '@/utils/domain/sizes';

export {
  changedCount,
  INITIAL_PIXEL_OPTIONS,
  type PixelOptionField,
  type PixelOptionValues,
  pixelOptionsOf,
  pixelOptionValues,
} from '@/components/form-values';
export { TRANSPARENT_MAX_AREA };

/**
 * PixelLab's options in the form: the mode and the images it needs up front, with "Transparent background"; the
 * rest folded under "More options". Values are PixelLab's own names (utils/domain/options.ts), checked by the same
 * schemas the companion uses (form-values.ts).
 */
export type OptionErrors = Partial<Record<PixelOptionField, string>>;
export type OnOption = (field: PixelOptionField, value: string | boolean | ImageRef | null) => void;

export interface PixelOptionsProps {
  values: PixelOptionValues;
  errors: OptionErrors;
  /** The canvas area, for the note on transparent backgrounds. */
  area: number;
  onChange: OnOption;
  /** Sets an image option from a PNG file the user chose or dropped; absent: files are not offered. */
  onImageFile?(field: ImageField, file: File): void;
}

const CHOICES: Partial<Record<PixelOptionField, [string, readonly string[]]>> = {
  outline: ['Outline', outlines],
  shading: ['Shading', shadings],
  detail: ['Detail', details],
  view: ['View', views],
  direction: ['Direction', directions],
};

type NumberSpec = [label: string, min: number, max: number, step: number, placeholder?: string];
const NUMBERS: Partial<Record<PixelOptionField, NumberSpec>> = {
  text_guidance_scale: ['Prompt strength', OPTION_LIMITS.textGuidance.min, OPTION_LIMITS.textGuidance.max, 0.5],
  coverage_percentage: ['Coverage %', 0, 100, 1, 'any'],
  init_image_strength: [
    'Start image strength',
    OPTION_LIMITS.initImageStrength.min,
    OPTION_LIMITS.initImageStrength.max,
    1,
  ],
  style_strength: ['Style strength', OPTION_LIMITS.styleStrength.min, OPTION_LIMITS.styleStrength.max, 1],
  n_frames: ['Frames', OPTION_LIMITS.animationFrames.min, OPTION_LIMITS.animationFrames.max, 1],
  image_guidance_scale: ['Sprite strength', OPTION_LIMITS.imageGuidance.min, OPTION_LIMITS.imageGuidance.max, 0.1],
};

const isImageField = (field: PixelOptionField): field is ImageField => field in IMAGE_LABELS;

/** One option's control, by the kind of field it is. */
function OptionField({
  field,
  values,
  errors,
  onChange,
  onImageFile,
}: { field: PixelOptionField } & Omit<PixelOptionsProps, 'area'>) {
  if (isImageField(field)) {
    return (
      <ReferenceSlot
        field={field}
        label={IMAGE_LABELS[field]}
        value={values[field]}
        error={errors[field]}
        onRemove={() => onChange(field, null)}
        onFile={
          onImageFile && field !== 'inpainting_image' && field !== 'mask_image'
            ? (file) => onImageFile(field, file)
            : undefined
        }
      />
    );
  }
  if (field === 'isometric') {
    return (
      <label class="check">
        <input
          id="gen-isometric"
          type="checkbox"
          checked={values.isometric}
          onChange={(e) => onChange('isometric', e.currentTarget.checked)}
        />
        Isometric
      </label>
    );
  }
  const choice = CHOICES[field];
  if (choice) {
    const [label, options] = choice;
    // Animate always sends a view and a direction (PixelLab's defaults: side, east).
    const fallback = values.mode === 'animate' ? (field === 'view' ? 'side' : 'east') : null;
    return (
      <div class="field">
        <label for={`gen-${field}`}>{label}</label>
        <select
          id={`gen-${field}`}
          value={values[field] as string}
          onChange={(e) => onChange(field, e.currentTarget.value)}
        >
          <option value="">{fallback ? `${fallback} (default)` : 'PixelLab decides'}</option>
          {options.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
    );
  }
  const spec = NUMBERS[field];
  if (!spec) return null;
  const [label, min, max, step, placeholder] = spec;
  const inpaint = field === 'text_guidance_scale' && values.mode === 'inpaint';
  return (
    <div class="field">
      <label for={`gen-${field}`}>{label}</label>
      <input
        id={`gen-${field}`}
        type="number"
        min={min}
        max={inpaint ? OPTION_LIMITS.inpaintTextGuidance.max : max}
        step={step}
        placeholder={placeholder}
        value={values[field] as string}
        aria-invalid={errors[field] ? 'true' : undefined}
        aria-describedby={errors[field] ? `gen-${field}-error` : undefined}
        onInput={(e) => onChange(field, e.currentTarget.value)}
      />
    </div>
  );
}

export function TransparentOption({ values, area, onChange }: Omit<PixelOptionsProps, 'errors'>) {
  if (values.mode === 'animate' || values.mode === 'character') return null;
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

const MODE_HINTS: Partial<Record<FormMode, string>> = {
  character:
    'One consistent turnaround from PixelLab v2, instead of rotating one image 8 times: same character, every side.',
  animate: 'PixelLab animates 64×64 sprites only.',
  bitforge: 'Draws in the style of a sprite you choose (up to 200×200).',
};

/** The mode: a compact select on the prompt's label line, so text to image takes no extra row. */
export function ModeSelect({ values, onChange }: Pick<PixelOptionsProps, 'values' | 'onChange'>) {
  // Inpaint is offered only once a job's mask is in the form (the detail view's mask painter starts it).
  const modes = formModes.filter((m) => m !== 'inpaint' || values.mode === 'inpaint' || values.mask_image);
  const hint = MODE_HINTS[values.mode];
  return (
    <span class="mode-select">
      <label for="gen-mode">Mode</label>
      <select
        id="gen-mode"
        value={values.mode}
        aria-describedby={hint ? 'gen-mode-hint' : undefined}
        onChange={(e) => onChange('mode', e.currentTarget.value)}
      >
        {modes.map((m) => (
          <option key={m} value={m}>
            {MODE_LABELS[m]}
          </option>
        ))}
      </select>
    </span>
  );
}

/** What the mode cannot run without: its images, the action of an animation, the character's directions. */
export function ModeOptions({ values, errors, onChange, onImageFile }: Omit<PixelOptionsProps, 'area'>) {
  const hint = MODE_HINTS[values.mode];
  const images = REQUIRED_IMAGES[values.mode];
  if (!hint && images.length === 0 && values.mode !== 'character' && values.mode !== 'animate') return null;
  return (
    <div class="mode-options">
      {values.mode === 'character' && (
        <div class="field">
          <label for="gen-n_directions">Directions</label>
          <select
            id="gen-n_directions"
            value={values.n_directions}
            onChange={(e) => onChange('n_directions', e.currentTarget.value)}
          >
            <option value="4">4 directions</option>
            <option value="8">8 directions</option>
          </select>
        </div>
      )}
      {values.mode === 'animate' && (
        <div class="field">
          <label for="gen-action">Action</label>
          <input
            id="gen-action"
            type="text"
            placeholder="walk, attack, jump…"
            maxLength={OPTION_LIMITS.maxActionLength}
            value={values.action}
            aria-invalid={errors.action ? 'true' : undefined}
            aria-describedby={errors.action ? 'gen-action-error' : undefined}
            onInput={(e) => onChange('action', e.currentTarget.value)}
          />
          {errors.action && (
            <p class="field-error" id="gen-action-error">
              {errors.action}
            </p>
          )}
        </div>
      )}
      {images.map((field) => (
        <OptionField
          key={field}
          field={field}
          values={values}
          errors={errors}
          onChange={onChange}
          onImageFile={onImageFile}
        />
      ))}
      {hint && (
        <p class="hint mode-hint" id="gen-mode-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export interface MoreOptionsProps extends Omit<PixelOptionsProps, 'area'> {
  open: boolean;
  onToggle(open: boolean): void;
}

export function MoreOptions({ values, errors, onChange, onImageFile, open, onToggle }: MoreOptionsProps) {
  const fields = MORE_FIELDS[values.mode];
  const changed = changedCount(values);
  const numbers = fields.filter((f) => NUMBERS[f] && errors[f]);
  return (
    <details
      class="more-options"
      open={open}
      onToggle={(e) => {
        const now = (e.currentTarget as HTMLDetailsElement).open;
        if (now !== open) onToggle(now);
      }}
    >
      <summary>More options{changed > 0 && <span class="hint"> · {changed} set</span>}</summary>
      <div class="options-grid">
        {fields.map((field) => (
          <OptionField
            key={field}
            field={field}
            values={values}
            errors={errors}
            onChange={onChange}
            onImageFile={onImageFile}
          />
        ))}
      </div>
      {numbers.map((field) => (
        <p key={field} class="field-error" id={`gen-${field}-error`}>
          {errors[field]}
        </p>
      ))}
    </details>
  );
}
