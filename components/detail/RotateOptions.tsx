import { OPTION_LIMITS, type View, views } from '@/utils/domain/options';
import type { RotateSettings } from '@/utils/intents/protocol';

/** What the detail view's "Rotate options" hold: PixelLab's rotate options and a seed, as typed. */
export interface RotateChoice {
  fromView: View | null;
  toView: View | null;
  guidance: number;
  seed: string;
}

/** PixelLab's own defaults (rotateOptionsSchema): a rotation sent with these sends no options at all. */
export const DEFAULT_ROTATE: RotateChoice = { fromView: null, toView: null, guidance: 3, seed: '' };

/** The intent's settings for a choice; undefined when it is PixelLab's defaults (the job records no options). */
export function rotateSettingsOf(choice: RotateChoice): RotateSettings | undefined {
  const seed = choice.seed.trim() === '' ? null : Number(choice.seed);
  const options =
    choice.fromView !== null || choice.toView !== null || choice.guidance !== DEFAULT_ROTATE.guidance
      ? {
          mode: 'rotate' as const,
          from_view: choice.fromView,
          to_view: choice.toView,
          image_guidance_scale: choice.guidance,
        }
      : undefined;
  if (!options && seed === null) return undefined;
  return { ...(options ? { options } : {}), ...(seed === null ? {} : { seed }) };
}

/** A seed field's problem, or null: whole numbers 0..2^32-1, or empty for a random one. */
export function seedProblem(text: string): string | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= 2 ** 32 - 1 ? null : 'A seed is a whole number from 0 to 4294967295';
}

/** The views PixelLab knows, or its own choice. */
function ViewSelect(props: { id: string; label: string; value: View | null; onChange(view: View | null): void }) {
  return (
    <>
      <label class="inline-field" for={props.id}>
        {props.label}
      </label>
      <select
        id={props.id}
        value={props.value ?? ''}
        onChange={(e) => props.onChange((e.currentTarget.value || null) as View | null)}
      >
        <option value="">PixelLab decides</option>
        {views.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </>
  );
}

/** From and to view, image guidance and seed for Rotate and 8 directions (folded away until wanted). */
export function RotateOptions({ value, onChange }: { value: RotateChoice; onChange(next: RotateChoice): void }) {
  const problem = seedProblem(value.seed);
  const changed = rotateSettingsOf(value) !== undefined;
  return (
    <details class="rotate-options">
      <summary>Rotate options{changed ? ' · set' : ''}</summary>
      <div class="action-line">
        <ViewSelect
          id="rotate-from-view"
          label="From view"
          value={value.fromView}
          onChange={(fromView) => onChange({ ...value, fromView })}
        />
        <ViewSelect
          id="rotate-to-view"
          label="To view"
          value={value.toView}
          onChange={(toView) => onChange({ ...value, toView })}
        />
      </div>
      <div class="action-line">
        <label class="inline-field" for="rotate-guidance">
          Image guidance
        </label>
        <input
          id="rotate-guidance"
          type="number"
          min={OPTION_LIMITS.imageGuidance.min}
          max={OPTION_LIMITS.imageGuidance.max}
          step={0.1}
          value={value.guidance}
          onInput={(e) => {
            const n = e.currentTarget.valueAsNumber;
            if (Number.isFinite(n))
              onChange({
                ...value,
                guidance: Math.min(OPTION_LIMITS.imageGuidance.max, Math.max(OPTION_LIMITS.imageGuidance.min, n)),
              });
          }}
        />
        <label class="inline-field" for="rotate-seed">
          Seed
        </label>
        <input
          id="rotate-seed"
          inputMode="numeric"
          placeholder="random"
          value={value.seed}
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby={problem ? 'rotate-seed-problem' : undefined}
          onInput={(e) => onChange({ ...value, seed: e.currentTarget.value })}
        />
      </div>
      {problem && (
        <p id="rotate-seed-problem" class="field-error" role="alert">
          {problem}
        </p>
      )}
    </details>
  );
}
