import { z } from 'zod';
import { directionSchema, imageHashSchema } from './primitives';

/**
 * PixelLab's generation options, as its public clients name and bound them (pixellab-python `types.py` and
 * `generate_image_pixflux.py`, pixellab-js `src/types.ts` and `src/api/*.ts`, and the API's own docs). Keys are
 * PixelLab's wire names, so a stored job says exactly what was sent. Images are content addresses (sha-256 of a
 * PNG the companion holds), never inline bytes. One schema, shared by the panel's form, the intent, the job
 * record, the companion's runner and the fake PixelLab of the tests.
 */
export const outlines = [
  'single color black outline',
  'single color outline',
  'selective outline',
  'lineless',
] as const;
export const shadings = [
  'flat shading',
  'basic shading',
  'medium shading',
  'detailed shading',
  'highly detailed shading',
] as const;
export const details = ['low detail', 'medium detail', 'highly detailed'] as const;
export const views = ['side', 'low top-down', 'high top-down'] as const;
export const outlineSchema = z.enum(outlines);
export const shadingSchema = z.enum(shadings);
export const detailSchema = z.enum(details);
export const viewSchema = z.enum(views);
export type Outline = z.infer<typeof outlineSchema>;
export type Shading = z.infer<typeof shadingSchema>;
export type Detail = z.infer<typeof detailSchema>;
export type View = z.infer<typeof viewSchema>;

/** The ranges PixelLab's clients check (and its API answers 422 outside). */
export const OPTION_LIMITS = {
  textGuidance: { min: 1, max: 20, default: 8 },
  /** /inpaint takes less text guidance than the others (its docs: 1..10, default 3). */
  inpaintTextGuidance: { min: 1, max: 10, default: 3 },
  imageGuidance: { min: 1, max: 20 },
  coverage: { min: 0, max: 100 },
  /** The SDKs allow 0..1000; the API's docs say 1..999. The narrower range is what is safe to send. */
  initImageStrength: { min: 1, max: 999, default: 300 },
  styleStrength: { min: 0, max: 100, default: 50 },
  /** /animate-with-text: the length of the whole animation (its clients: 1..20). */
  animationFrames: { min: 1, max: 20, default: 4 },
  maxActionLength: 500,
} as const;

const guidance = (limits: { min: number; max: number }) => z.number().finite().min(limits.min).max(limits.max);
const imageRef = imageHashSchema;

/** Style references every image mode takes (PixelLab calls them weakly guiding). */
const styleFields = {
  outline: outlineSchema.nullable().default(null),
  shading: shadingSchema.nullable().default(null),
  detail: detailSchema.nullable().default(null),
  view: viewSchema.nullable().default(null),
  direction: directionSchema.nullable().default(null),
  isometric: z.boolean().default(false),
};

const startFields = {
  /** Image to image: the picture the generation starts from. */
  init_image: imageRef.nullable().default(null),
  init_image_strength: z
    .number()
    .int()
    .min(OPTION_LIMITS.initImageStrength.min)
    .max(OPTION_LIMITS.initImageStrength.max)
    .default(OPTION_LIMITS.initImageStrength.default),
  /** Forced palette: an image holding the colours to use. */
  color_image: imageRef.nullable().default(null),
};

/** POST /generate-image-pixflux: text to image (the default). */
export const pixfluxOptionsSchema = z.object({
  mode: z.literal('pixflux'),
  ...styleFields,
  ...startFields,
  no_background: z.boolean().default(false),
  text_guidance_scale: guidance(OPTION_LIMITS.textGuidance).default(OPTION_LIMITS.textGuidance.default),
  coverage_percentage: guidance(OPTION_LIMITS.coverage).nullable().default(null),
});

/** POST /generate-image-bitforge: text to image in the style of a reference sprite. */
export const bitforgeOptionsSchema = z.object({
  mode: z.literal('bitforge'),
  ...styleFields,
  ...startFields,
  no_background: z.boolean().default(false),
  text_guidance_scale: guidance(OPTION_LIMITS.textGuidance).default(OPTION_LIMITS.textGuidance.default),
  coverage_percentage: guidance(OPTION_LIMITS.coverage).nullable().default(null),
  style_image: imageRef,
  style_strength: guidance(OPTION_LIMITS.styleStrength).default(OPTION_LIMITS.styleStrength.default),
});

/** POST /inpaint: repaints the white part of the mask. */
export const inpaintOptionsSchema = z.object({
  mode: z.literal('inpaint'),
  ...styleFields,
  ...startFields,
  no_background: z.boolean().default(false),
  text_guidance_scale: guidance(OPTION_LIMITS.inpaintTextGuidance).default(OPTION_LIMITS.inpaintTextGuidance.default),
  inpainting_image: imageRef,
  /** Black and white, as large as the image: white is where PixelLab paints. */
  mask_image: imageRef,
});

/** POST /animate-with-text: frames of an action, from a reference sprite (PixelLab takes 64x64 only). */
export const animateOptionsSchema = z.object({
  mode: z.literal('animate'),
  action: z.string().trim().min(1, 'is required').max(OPTION_LIMITS.maxActionLength),
  reference_image: imageRef,
  n_frames: z
    .number()
    .int()
    .min(OPTION_LIMITS.animationFrames.min)
    .max(OPTION_LIMITS.animationFrames.max)
    .default(OPTION_LIMITS.animationFrames.default),
  view: viewSchema.default('side'),
  direction: directionSchema.default('east'),
  text_guidance_scale: guidance(OPTION_LIMITS.textGuidance).default(OPTION_LIMITS.textGuidance.default),
  image_guidance_scale: guidance(OPTION_LIMITS.imageGuidance).default(1.4),
  color_image: imageRef.nullable().default(null),
});

/** POST /rotate: the rotate job's own options (its directions live in `job.rotate`, its seed in `job.seed`). */
export const rotateOptionsSchema = z.object({
  mode: z.literal('rotate'),
  from_view: viewSchema.nullable().default(null),
  to_view: viewSchema.nullable().default(null),
  image_guidance_scale: guidance(OPTION_LIMITS.imageGuidance).default(3),
  isometric: z.boolean().default(false),
});

/** PixelLab v2 create-character-with-4/8-directions: one consistent turnaround, run as a background job. */
export const characterOptionsSchema = z.object({
  mode: z.literal('character'),
  n_directions: z.union([z.literal(4), z.literal(8)]).default(8),
  view: viewSchema.nullable().default(null),
  isometric: z.boolean().default(false),
  text_guidance_scale: guidance(OPTION_LIMITS.textGuidance).default(OPTION_LIMITS.textGuidance.default),
});

export const jobOptionsSchema = z.discriminatedUnion('mode', [
  pixfluxOptionsSchema,
  bitforgeOptionsSchema,
  inpaintOptionsSchema,
  animateOptionsSchema,
  rotateOptionsSchema,
  characterOptionsSchema,
]);
export type JobOptions = z.infer<typeof jobOptionsSchema>;
export type JobOptionsInput = z.input<typeof jobOptionsSchema>;
export type GenerationMode = JobOptions['mode'];
export type OptionsOf<M extends GenerationMode> = Extract<JobOptions, { mode: M }>;

/** The options of an old job, or of a request that named none: pixflux with PixelLab's defaults. */
export const defaultPixfluxOptions = (): OptionsOf<'pixflux'> => pixfluxOptionsSchema.parse({ mode: 'pixflux' });

/**
 * A stored record's options: checked loosely (a newer client's mode or field is kept, never dropped); the strict
 * schema above is for requests and for what the runner sends.
 */
export const storedOptionsSchema = z.looseObject({ mode: z.string().max(32) });

/** The images an options record names, by field (the companion must hold each before the job runs). */
export function optionImages(options: JobOptions | null | undefined): { field: string; hash: string }[] {
  if (!options) return [];
  const out: { field: string; hash: string }[] = [];
  for (const field of [
    'init_image',
    'color_image',
    'style_image',
    'inpainting_image',
    'mask_image',
    'reference_image',
  ] as const) {
    const hash = (options as Record<string, unknown>)[field];
    if (typeof hash === 'string') out.push({ field, hash });
  }
  return out;
}
