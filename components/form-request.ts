import {
  INITIAL_PIXEL_OPTIONS,
  type PixelOptionField,
  type PixelOptionValues,
  pixelOptionsOf,
} from '@/components/form-values';
import { formatCost } from '@/components/format';
import { MAX_PROMPT_LENGTH, MAX_SIZE, MIN_SIZE } from '@/utils/domain/job';
import type { JobOptions } from '@/utils/domain/options';
import { sizeProblem } from '@/utils/domain/sizes';
import { type GenerateRequest, generateRequestSchema } from '@/utils/intents/protocol';

/** The form's fields as typed, checked into the generate intent's request (and back from a job: "reuse settings"). */

export type CanvasField = 'prompt' | 'width' | 'height' | 'seed' | 'count';
export type Field = CanvasField | PixelOptionField;
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

export function toNumber(text: string): number {
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
  // The mode's sizes (sizes.ts), said even while another option is wrong: the request checks them only with options.
  const [width, height] = [toNumber(values.width), toNumber(values.height)];
  const sized = Number.isInteger(width) && Number.isInteger(height) && width >= MIN_SIZE && height >= MIN_SIZE;
  const problem = sized && !options && pixel.mode !== 'pixflux' ? sizeProblem(pixel.mode, width, height) : null;
  if (problem) errors.width = `Width and height ${problem}.`;
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

/** `About $0.05 (4 × $0.0125)`: what Generate will cost, before it is pressed; null while the fields are not valid. */
export function costPreview(values: FormValues, estimateUsd: (width: number, height: number) => number): string | null {
  const { request } = validateForm({ ...values, prompt: values.prompt.trim() || 'x' });
  if (!request) return null;
  const each = estimateUsd(request.width, request.height);
  const total = `About ${formatCost(each * request.count)}`;
  return request.count === 1 ? total : `${total} (${request.count} × ${formatCost(each)})`;
}
