import { describe, expect, it } from 'vitest';
import { createJobRequestSchema, jobOptionsOf, jobSchema, modeOfRequest, runnableProblem } from './job';
import { defaultPixfluxOptions, jobOptionsSchema, optionImages } from './options';
import { sizeProblem, tierProblem, tierRefusing } from './sizes';

const HASH = 'a'.repeat(64);
const HASH2 = 'b'.repeat(64);
const request = (fields: Record<string, unknown>) =>
  createJobRequestSchema.safeParse({ prompt: 'knight', width: 64, height: 64, ...fields });
const firstIssue = (fields: Record<string, unknown>) => {
  const parsed = request(fields);
  return parsed.success
    ? null
    : { path: parsed.error.issues[0]!.path.join('.'), message: parsed.error.issues[0]!.message };
};

describe('sizes PixelLab takes', () => {
  it('lets pixflux be 16 wide when the area is at least 32x32, and no smaller', () => {
    expect(request({ width: 16, height: 64 }).success).toBe(true);
    expect(firstIssue({ width: 16, height: 16 })).toMatchObject({ path: 'width', message: /at least 32x32/ });
    expect(firstIssue({ width: 15, height: 400 })?.path).toBe('width');
    expect(request({ width: 400, height: 400 }).success).toBe(true);
    expect(firstIssue({ width: 401, height: 16 })?.path).toBe('width');
  });

  it('lets rotate go down to 16x16 and up to 200x200', () => {
    const rotate = { toDirection: 'east', sourceImage: HASH };
    expect(request({ kind: 'rotate', rotate, width: 16, height: 16 }).success).toBe(true);
    expect(request({ kind: 'rotate', rotate, width: 200, height: 200 }).success).toBe(true);
    expect(firstIssue({ kind: 'rotate', rotate, width: 201, height: 64 })).toMatchObject({
      path: 'width',
      message: /from 16 to 200 pixels for Rotate/,
    });
  });

  it('holds bitforge and inpaint to 200, animate to 64x64, and the v2 character to 32..400', () => {
    expect(sizeProblem('bitforge', 200, 16)).toBeNull();
    expect(sizeProblem('bitforge', 201, 16)).toMatch(/16 to 200/);
    expect(sizeProblem('inpaint', 16, 16)).toBeNull();
    expect(sizeProblem('animate', 64, 64)).toBeNull();
    expect(sizeProblem('animate', 64, 32)).toMatch(/must be 64x64/);
    expect(sizeProblem('character', 31, 64)).toMatch(/32 to 400/);
    expect(sizeProblem('character', 400, 400)).toBeNull();
  });

  it('caps the area by tier, and learns the tier a refused area tells of', () => {
    expect(tierProblem('free', 'pixflux', 200, 200)).toBeNull();
    expect(tierProblem('free', 'pixflux', 300, 300)).toMatch(/at most 200x200/);
    expect(tierProblem('tier1', 'pixflux', 320, 320)).toBeNull();
    expect(tierProblem('tier1', 'pixflux', 321, 320)).toMatch(/at most 320x320/);
    expect(tierProblem('tier2', 'pixflux', 400, 400)).toBeNull();
    expect(tierProblem(null, 'pixflux', 400, 400)).toBeNull();
    // Rotate is held to 200 by its own limit, never by the tier.
    expect(tierProblem('free', 'rotate', 200, 200)).toBeNull();
    expect(tierRefusing(300 * 300)).toBe('free');
    expect(tierRefusing(330 * 330)).toBe('tier1');
    expect(tierRefusing(150 * 150)).toBeNull();
  });
});

describe('PixelLab options', () => {
  it('fills in PixelLab defaults', () => {
    expect(defaultPixfluxOptions()).toEqual({
      mode: 'pixflux',
      outline: null,
      shading: null,
      detail: null,
      view: null,
      direction: null,
      isometric: false,
      init_image: null,
      init_image_strength: 300,
      color_image: null,
      no_background: false,
      text_guidance_scale: 8,
      coverage_percentage: null,
    });
  });

  it("refuses values outside PixelLab's lists and ranges, naming the field", () => {
    const bad = (options: Record<string, unknown>) => {
      const parsed = jobOptionsSchema.safeParse(options);
      return parsed.success ? null : parsed.error.issues[0]!.path.join('.');
    };
    expect(bad({ mode: 'pixflux', outline: 'thick' })).toBe('outline');
    expect(bad({ mode: 'pixflux', shading: 'flat' })).toBe('shading');
    expect(bad({ mode: 'pixflux', detail: 'high detail' })).toBe('detail');
    expect(bad({ mode: 'pixflux', view: 'top-down' })).toBe('view');
    expect(bad({ mode: 'pixflux', direction: 'up' })).toBe('direction');
    expect(bad({ mode: 'pixflux', text_guidance_scale: 0.5 })).toBe('text_guidance_scale');
    expect(bad({ mode: 'pixflux', text_guidance_scale: 21 })).toBe('text_guidance_scale');
    expect(bad({ mode: 'pixflux', coverage_percentage: 101 })).toBe('coverage_percentage');
    expect(bad({ mode: 'pixflux', init_image: HASH, init_image_strength: 1000 })).toBe('init_image_strength');
    expect(bad({ mode: 'pixflux', init_image: 'not-a-hash' })).toBe('init_image');
    expect(bad({ mode: 'bitforge' })).toBe('style_image');
    expect(bad({ mode: 'bitforge', style_image: HASH, style_strength: 101 })).toBe('style_strength');
    expect(bad({ mode: 'inpaint', inpainting_image: HASH })).toBe('mask_image');
    expect(bad({ mode: 'inpaint', inpainting_image: HASH, mask_image: HASH2, text_guidance_scale: 11 })).toBe(
      'text_guidance_scale',
    );
    expect(bad({ mode: 'animate', reference_image: HASH })).toBe('action');
    expect(bad({ mode: 'animate', action: 'walk', reference_image: HASH, n_frames: 21 })).toBe('n_frames');
    expect(bad({ mode: 'rotate', image_guidance_scale: 0 })).toBe('image_guidance_scale');
    expect(bad({ mode: 'character', n_directions: 6 })).toBe('n_directions');
    expect(bad({ mode: 'tileset' })).toBe('mode');
  });

  it('lists the images options name', () => {
    const options = jobOptionsSchema.parse({ mode: 'inpaint', inpainting_image: HASH, mask_image: HASH2 });
    expect(optionImages(options)).toEqual([
      { field: 'inpainting_image', hash: HASH },
      { field: 'mask_image', hash: HASH2 },
    ]);
    expect(optionImages(null)).toEqual([]);
  });

  it('keeps the mode and the kind together', () => {
    expect(firstIssue({ kind: 'generate', options: { mode: 'rotate' } })?.path).toBe('options.mode');
    const rotate = { toDirection: 'east', sourceImage: HASH };
    expect(firstIssue({ kind: 'rotate', rotate, options: { mode: 'pixflux' } })?.path).toBe('options.mode');
    expect(modeOfRequest({ kind: 'rotate' })).toBe('rotate');
    expect(modeOfRequest({ kind: 'generate', options: { mode: 'bitforge' } })).toBe('bitforge');
    expect(request({ options: { mode: 'animate', action: 'walk', reference_image: HASH } }).success).toBe(true);
    expect(
      firstIssue({ width: 128, options: { mode: 'animate', action: 'walk', reference_image: HASH } }),
    ).toMatchObject({ path: 'width', message: /must be 64x64/ });
  });

  it('keeps options a stored record holds, even a newer client’s, and runs only those it knows', () => {
    const base = { id: 'job-1', prompt: 'x', width: 64, height: 64, status: 'queued', createdAt: 1, updatedAt: 1 };
    const newer = jobSchema.parse({ ...base, options: { mode: 'tileset', tile_size: 16 } });
    expect(newer.options).toEqual({ mode: 'tileset', tile_size: 16 });
    expect(jobOptionsOf(newer)).toBeNull();
    expect(runnableProblem(newer)).toMatch(/options\.mode/);
    const known = jobSchema.parse({ ...base, options: { mode: 'pixflux', no_background: true } });
    expect(jobOptionsOf(known)).toMatchObject({ mode: 'pixflux', no_background: true, text_guidance_scale: 8 });
    expect(runnableProblem(known)).toBeNull();
    const old = jobSchema.parse(base);
    expect('options' in old).toBe(false);
    expect(runnableProblem(old)).toBeNull();
  });
});
