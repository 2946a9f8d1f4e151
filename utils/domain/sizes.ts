import { z } from 'zod';
import type { GenerationMode } from './options';

/**
 * The canvas sizes each PixelLab call takes (its clients and API docs): pixflux each side 16..400 with an area
 * of at least 32x32; bitforge, inpaint and rotate 16..200; animate-with-text exactly 64x64; the v2 character
 * 32..400. Above that, the account's tier caps pixflux's area (PixelLab answers 422).
 */
export interface SizeLimits {
  minSide: number;
  maxSide: number;
  minArea: number;
  /** What PixelLab calls this, for messages. */
  name: string;
}

export const SIZE_LIMITS: Record<GenerationMode, SizeLimits> = {
  pixflux: { minSide: 16, maxSide: 400, minArea: 32 * 32, name: 'Text to image (pixflux)' },
  bitforge: { minSide: 16, maxSide: 200, minArea: 0, name: 'Style from a sprite (bitforge)' },
  inpaint: { minSide: 16, maxSide: 200, minArea: 0, name: 'Inpaint' },
  animate: { minSide: 64, maxSide: 64, minArea: 0, name: 'Animate with text' },
  rotate: { minSide: 16, maxSide: 200, minArea: 0, name: 'Rotate' },
  character: { minSide: 32, maxSide: 400, minArea: 0, name: 'Character in 4 or 8 directions (v2)' },
};

/** PixelLab's subscription tiers, by the largest pixflux area each allows (its docs: 200², 320², 400²). */
export const tiers = ['free', 'tier1', 'tier2'] as const;
export const tierSchema = z.enum(tiers);
export type Tier = z.infer<typeof tierSchema>;
export const TIER_AREA: Record<Tier, number> = { free: 200 * 200, tier1: 320 * 320, tier2: 400 * 400 };
export const TIER_LABELS: Record<Tier, string> = {
  free: 'Free (up to 200×200)',
  tier1: 'Tier 1 (up to 320×320)',
  tier2: 'Tier 2 or higher (up to 400×400)',
};
/** Modes whose area the tier caps. */
const TIER_CAPPED: ReadonlySet<GenerationMode> = new Set(['pixflux', 'character']);
/** PixelLab gives a blank, not transparent, background above this area (its docs for `no_background`). */
export const TRANSPARENT_MAX_AREA = 200 * 200;

/** Why PixelLab would refuse this size for this mode, in words that fit after the field name; null when fine. */
export function sizeProblem(mode: GenerationMode, width: number, height: number): string | null {
  const limits = SIZE_LIMITS[mode];
  if (limits.minSide === limits.maxSide) {
    return width === limits.minSide && height === limits.minSide
      ? null
      : `must be ${limits.minSide}x${limits.minSide}: PixelLab's ${limits.name} takes that size only`;
  }
  for (const side of [width, height]) {
    if (side < limits.minSide || side > limits.maxSide)
      return `must be from ${limits.minSide} to ${limits.maxSide} pixels for ${limits.name}`;
  }
  if (width * height < limits.minArea)
    return `is too small: PixelLab needs an area of at least 32x32 pixels (${limits.minArea})`;
  return null;
}

/** Why the account's tier would refuse this size (checked before paying); null when fine or the tier is unknown. */
export function tierProblem(tier: Tier | null, mode: GenerationMode, width: number, height: number): string | null {
  if (tier === null || !TIER_CAPPED.has(mode)) return null;
  const cap = TIER_AREA[tier];
  if (width * height <= cap) return null;
  const side = Math.round(Math.sqrt(cap));
  return `${width}x${height} is more than your PixelLab plan allows (${TIER_LABELS[tier]}: an area of at most ${side}x${side} pixels). Make it smaller, or set your plan in Settings if it is higher.`;
}

/** The tier a refused area tells of: the largest whose cap is below it (null when even the free tier allows it). */
export function tierRefusing(area: number): Tier | null {
  let found: Tier | null = null;
  for (const tier of tiers) if (TIER_AREA[tier] < area) found = tier;
  return found;
}
