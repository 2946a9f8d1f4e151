/**
 * The bodies of PixelLab's v1 calls, built from a job's options (utils/domain/options.ts, whose keys are PixelLab's
 * wire names). Pure: images come in as bytes by hash. Unset options are left out, so PixelLab applies its own
 * defaults, as its clients do; a seed is sent only when one was asked for.
 */
import type { Direction, JobOptions, OptionsOf } from '../../utils/domain';

export type ImagesByHash = ReadonlyMap<string, Uint8Array>;

/** What an image call needs besides its options. */
export interface ImageCallInput {
  prompt: string;
  width: number;
  height: number;
  seed?: number | null;
  /** Transparent background when the options do not say (the old API's routes always ask for it). */
  noBackground?: boolean;
  options?: JobOptions | null;
}

export interface RotateCallInput {
  png: Uint8Array;
  width: number;
  height: number;
  fromDirection?: Direction | null;
  toDirection: Direction;
  seed?: number | null;
  options?: OptionsOf<'rotate'> | null;
}

export interface PixelLabCall {
  path: string;
  body: Record<string, unknown>;
}

export const base64Image = (png: Uint8Array) => ({ type: 'base64', base64: Buffer.from(png).toString('base64') });

/** The options' image fields, as PixelLab's `{type:'base64', base64}`; throws when one is not at hand. */
function imageFields(options: JobOptions, images: ImagesByHash): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(options)) {
    if (!field.endsWith('_image') || typeof value !== 'string') continue;
    const png = images.get(value);
    if (!png) throw new Error(`The ${field.replace('_', ' ')} (${value.slice(0, 12)}…) is not on the companion.`);
    out[field] = base64Image(png);
  }
  return out;
}

/** The rest of the options, without the mode, unset values, or image fields (those go as base64). */
function plainFields(options: JobOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(options)) {
    if (field === 'mode' || value === null || value === undefined || field.endsWith('_image')) continue;
    out[field] = value;
  }
  // The strength means nothing without its image.
  if (!('init_image' in options) || options.init_image === null) delete out.init_image_strength;
  return out;
}

const PATHS = {
  pixflux: '/generate-image-pixflux',
  bitforge: '/generate-image-bitforge',
  inpaint: '/inpaint',
} as const;

/** The call for a single-image generation (pixflux, bitforge, inpaint). */
export function imageCall(input: ImageCallInput, images: ImagesByHash = new Map()): PixelLabCall {
  const options = input.options ?? null;
  const mode = options?.mode ?? 'pixflux';
  if (mode !== 'pixflux' && mode !== 'bitforge' && mode !== 'inpaint') {
    throw new Error(`A ${mode} job is not a single-image generation.`);
  }
  const body: Record<string, unknown> = {
    description: input.prompt,
    image_size: { width: input.width, height: input.height },
    no_background: input.noBackground ?? false,
    ...(options ? plainFields(options) : {}),
    ...(options ? imageFields(options, images) : {}),
  };
  if (input.seed !== null && input.seed !== undefined) body.seed = input.seed;
  return { path: PATHS[mode], body };
}

/** POST /animate-with-text. */
export function animateCall(
  input: ImageCallInput & { options: OptionsOf<'animate'> },
  images: ImagesByHash,
): PixelLabCall {
  const body: Record<string, unknown> = {
    description: input.prompt,
    image_size: { width: input.width, height: input.height },
    ...plainFields(input.options),
    ...imageFields(input.options, images),
  };
  if (input.seed !== null && input.seed !== undefined) body.seed = input.seed;
  return { path: '/animate-with-text', body };
}

/** POST /rotate. */
export function rotateCall(input: RotateCallInput): PixelLabCall {
  const body: Record<string, unknown> = {
    from_image: base64Image(input.png),
    image_size: { width: input.width, height: input.height },
    to_direction: input.toDirection,
    ...(input.options ? plainFields(input.options) : {}),
  };
  if (input.fromDirection) body.from_direction = input.fromDirection;
  if (input.seed !== null && input.seed !== undefined) body.seed = input.seed;
  return { path: '/rotate', body };
}
