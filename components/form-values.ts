import {
  animateOptionsSchema,
  bitforgeOptionsSchema,
  characterOptionsSchema,
  defaultPixfluxOptions,
  inpaintOptionsSchema,
  type JobOptions,
  OPTION_LIMITS,
  pixfluxOptionsSchema,
} from '@/utils/domain/options';

/**
 * The form's PixelLab options as typed, for every mode it offers, and how they become a job's options (checked by
 * the schemas of utils/domain/options.ts, the ones the companion uses) and come back from one ("reuse settings").
 */

/** The calls the form makes; inpaint starts from the detail view's mask painter, and shows here after a reuse. */
export const formModes = ['pixflux', 'bitforge', 'character', 'animate', 'inpaint'] as const;
export type FormMode = (typeof formModes)[number];
export const MODE_LABELS: Record<FormMode, string> = {
  pixflux: 'Text to image',
  bitforge: 'Style from a sprite',
  character: 'Character, 4 or 8 directions',
  animate: 'Animate a sprite',
  inpaint: 'Inpaint (repaint a masked part)',
};

/** An image an option names: its sha-256, and a data URL to show when this browser has it. */
export interface ImageRef {
  hash: string;
  url?: string;
  /** Where it came from, for its title: a job's prompt, or a file's name. */
  label: string;
}

/** The option fields that hold an image. */
export const imageFields = [
  'init_image',
  'color_image',
  'style_image',
  'reference_image',
  'inpainting_image',
  'mask_image',
] as const;
export type ImageField = (typeof imageFields)[number];
/** What the form calls each image, and the roles a history job or a file can be used as. */
export const IMAGE_LABELS: Record<ImageField, string> = {
  init_image: 'Start image',
  color_image: 'Palette image',
  style_image: 'Style sprite',
  reference_image: 'Sprite to animate',
  inpainting_image: 'Image to repaint',
  mask_image: 'Mask',
};

export interface PixelOptionValues {
  mode: FormMode;
  no_background: boolean;
  outline: string;
  shading: string;
  detail: string;
  view: string;
  direction: string;
  isometric: boolean;
  text_guidance_scale: string;
  coverage_percentage: string;
  init_image: ImageRef | null;
  init_image_strength: string;
  color_image: ImageRef | null;
  style_image: ImageRef | null;
  style_strength: string;
  reference_image: ImageRef | null;
  inpainting_image: ImageRef | null;
  mask_image: ImageRef | null;
  action: string;
  n_frames: string;
  image_guidance_scale: string;
  n_directions: '4' | '8';
}
export type PixelOptionField = keyof PixelOptionValues;

export const INITIAL_PIXEL_OPTIONS: PixelOptionValues = {
  mode: 'pixflux',
  no_background: false,
  outline: '',
  shading: '',
  detail: '',
  view: '',
  direction: '',
  isometric: false,
  text_guidance_scale: String(OPTION_LIMITS.textGuidance.default),
  coverage_percentage: '',
  init_image: null,
  init_image_strength: String(OPTION_LIMITS.initImageStrength.default),
  color_image: null,
  style_image: null,
  style_strength: String(OPTION_LIMITS.styleStrength.default),
  reference_image: null,
  inpainting_image: null,
  mask_image: null,
  action: '',
  n_frames: String(OPTION_LIMITS.animationFrames.default),
  image_guidance_scale: '1.4',
  n_directions: '8',
};

const range = (what: string, limits: { min: number; max: number }, extra = '') =>
  `${what} is a number from ${limits.min} to ${limits.max}${extra}.`;
const MESSAGES: Partial<Record<PixelOptionField, string>> = {
  text_guidance_scale: range('Prompt strength', OPTION_LIMITS.textGuidance),
  coverage_percentage: 'Coverage is a percentage from 0 to 100, or left empty.',
  init_image_strength: range('Start image strength', OPTION_LIMITS.initImageStrength),
  style_strength: range('Style strength', OPTION_LIMITS.styleStrength),
  n_frames: range('Frames', OPTION_LIMITS.animationFrames),
  image_guidance_scale: range('Sprite strength', OPTION_LIMITS.imageGuidance),
  style_image: 'Choose a style sprite: “Use as style” on a job, or a PNG file.',
  reference_image: 'Choose the sprite to animate: “Use to animate” on a job, or a PNG file.',
  action: 'Say what the sprite does (walk, attack…).',
  inpainting_image: 'Inpaint starts from a job: open it and choose “Inpaint…”.',
  mask_image: 'Inpaint starts from a job: open it and choose “Inpaint…”.',
};

const orNull = (text: string) => (text === '' ? null : text);
const numberOrNull = (text: string) => (text.trim() === '' ? null : Number(text));
const numberOr = (text: string, fallback: number) => numberOrNull(text) ?? fallback;
const hashOf = (ref: ImageRef | null) => ref?.hash ?? null;

/** The fields each mode sends: what "More options" shows and what the schema is given. */
function candidate(v: PixelOptionValues): Record<string, unknown> {
  const style = {
    outline: orNull(v.outline),
    shading: orNull(v.shading),
    detail: orNull(v.detail),
    view: orNull(v.view),
    direction: orNull(v.direction),
    isometric: v.isometric,
  };
  const start = {
    init_image: hashOf(v.init_image),
    init_image_strength: numberOr(v.init_image_strength, OPTION_LIMITS.initImageStrength.default),
    color_image: hashOf(v.color_image),
  };
  const guidance = numberOr(v.text_guidance_scale, OPTION_LIMITS.textGuidance.default);
  const image = {
    ...style,
    ...start,
    no_background: v.no_background,
    text_guidance_scale: guidance,
  };
  switch (v.mode) {
    case 'pixflux':
      return { mode: 'pixflux', ...image, coverage_percentage: numberOrNull(v.coverage_percentage) };
    case 'bitforge':
      return {
        mode: 'bitforge',
        ...image,
        coverage_percentage: numberOrNull(v.coverage_percentage),
        style_image: hashOf(v.style_image) ?? undefined,
        style_strength: numberOr(v.style_strength, OPTION_LIMITS.styleStrength.default),
      };
    case 'inpaint':
      return {
        mode: 'inpaint',
        ...image,
        text_guidance_scale: numberOr(v.text_guidance_scale, OPTION_LIMITS.inpaintTextGuidance.default),
        inpainting_image: hashOf(v.inpainting_image) ?? undefined,
        mask_image: hashOf(v.mask_image) ?? undefined,
      };
    case 'animate':
      return {
        mode: 'animate',
        action: v.action,
        reference_image: hashOf(v.reference_image) ?? undefined,
        n_frames: numberOr(v.n_frames, OPTION_LIMITS.animationFrames.default),
        view: orNull(v.view) ?? 'side',
        direction: orNull(v.direction) ?? 'east',
        text_guidance_scale: guidance,
        image_guidance_scale: numberOr(v.image_guidance_scale, 1.4),
        color_image: hashOf(v.color_image),
      };
    case 'character':
      return {
        mode: 'character',
        n_directions: Number(v.n_directions),
        view: orNull(v.view),
        isometric: v.isometric,
        text_guidance_scale: guidance,
      };
  }
}

const SCHEMAS = {
  pixflux: pixfluxOptionsSchema,
  bitforge: bitforgeOptionsSchema,
  inpaint: inpaintOptionsSchema,
  animate: animateOptionsSchema,
  character: characterOptionsSchema,
} as const;

/** The options to send; null when they are pixflux's defaults (the job then says nothing, as before). */
export function pixelOptionsOf(values: PixelOptionValues): {
  options: JobOptions | null;
  errors: Partial<Record<PixelOptionField, string>>;
} {
  const parsed = SCHEMAS[values.mode].safeParse(candidate(values));
  if (!parsed.success) {
    const errors: Partial<Record<PixelOptionField, string>> = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as PixelOptionField;
      errors[field] ??= MESSAGES[field] ?? `${String(field).replace(/_/g, ' ')}: ${issue.message}`;
    }
    // Inpaint's text guidance has its own range.
    if (values.mode === 'inpaint' && errors.text_guidance_scale)
      errors.text_guidance_scale = range('Prompt strength', OPTION_LIMITS.inpaintTextGuidance, ' for inpaint');
    return { options: null, errors };
  }
  const options = parsed.data as JobOptions;
  const isDefault = JSON.stringify(options) === JSON.stringify(defaultPixfluxOptions());
  return { options: isDefault ? null : options, errors: {} };
}

/** A job's options back in the form ("reuse settings"); `imageUrl` shows the images this browser has. */
export function pixelOptionValues(
  options: JobOptions | Record<string, unknown> | null | undefined,
  imageUrl: (hash: string) => string | undefined = () => undefined,
): PixelOptionValues {
  const o = (options ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown, fallback: string) => (typeof v === 'number' ? String(v) : fallback);
  const ref = (field: ImageField): ImageRef | null => {
    const hash = o[field];
    return typeof hash === 'string' ? { hash, url: imageUrl(hash), label: IMAGE_LABELS[field] } : null;
  };
  const mode = (formModes as readonly string[]).includes(o.mode as string) ? (o.mode as FormMode) : 'pixflux';
  const init = INITIAL_PIXEL_OPTIONS;
  return {
    mode,
    no_background: o.no_background === true,
    outline: text(o.outline),
    shading: text(o.shading),
    detail: text(o.detail),
    view: text(o.view),
    direction: text(o.direction),
    isometric: o.isometric === true,
    text_guidance_scale: num(o.text_guidance_scale, init.text_guidance_scale),
    coverage_percentage: num(o.coverage_percentage, ''),
    init_image: ref('init_image'),
    init_image_strength: num(o.init_image_strength, init.init_image_strength),
    color_image: ref('color_image'),
    style_image: ref('style_image'),
    style_strength: num(o.style_strength, init.style_strength),
    reference_image: ref('reference_image'),
    inpainting_image: ref('inpainting_image'),
    mask_image: ref('mask_image'),
    action: text(o.action),
    n_frames: num(o.n_frames, init.n_frames),
    image_guidance_scale: num(o.image_guidance_scale, init.image_guidance_scale),
    n_directions: o.n_directions === 4 ? '4' : '8',
  };
}

/** The fields "More options" shows in each mode (the mode's required images stay up front). */
export const MORE_FIELDS: Record<FormMode, readonly PixelOptionField[]> = {
  pixflux: [
    'outline',
    'shading',
    'detail',
    'view',
    'direction',
    'isometric',
    'text_guidance_scale',
    'coverage_percentage',
    'init_image',
    'init_image_strength',
    'color_image',
  ],
  bitforge: [
    'style_strength',
    'outline',
    'shading',
    'detail',
    'view',
    'direction',
    'isometric',
    'text_guidance_scale',
    'coverage_percentage',
    'init_image',
    'init_image_strength',
    'color_image',
  ],
  inpaint: ['outline', 'shading', 'detail', 'view', 'direction', 'isometric', 'text_guidance_scale', 'color_image'],
  animate: ['n_frames', 'view', 'direction', 'text_guidance_scale', 'image_guidance_scale', 'color_image'],
  character: ['view', 'isometric', 'text_guidance_scale'],
};

/** The images a mode cannot run without: shown up front, beside the mode. */
export const REQUIRED_IMAGES: Record<FormMode, readonly ImageField[]> = {
  pixflux: [],
  bitforge: ['style_image'],
  inpaint: ['inpainting_image', 'mask_image'],
  animate: ['reference_image'],
  character: [],
};

/** How many of this mode's "More options" differ from the defaults, for its summary. */
export function changedCount(values: PixelOptionValues): number {
  return MORE_FIELDS[values.mode].filter((f) => values[f] !== INITIAL_PIXEL_OPTIONS[f]).length;
}

/** The mode a reference's role calls for: a style sprite is bitforge's, a sprite to animate is animate's. */
export function modeForImage(current: FormMode, field: ImageField): FormMode {
  if (field === 'style_image') return 'bitforge';
  if (field === 'reference_image') return 'animate';
  // A start image or palette goes with a still image: the character and animate modes take no start image.
  if (field === 'init_image' && (current === 'character' || current === 'animate')) return 'pixflux';
  if (field === 'color_image' && current === 'character') return 'pixflux';
  return current;
}
