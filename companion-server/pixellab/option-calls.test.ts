import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../../tests/fixtures/fake-pixellab';
import { decodePngSize, makeSprite } from '../../tests/fixtures/png';
import { jobOptionsSchema, type OptionsOf, sha256Hex } from '../../utils/domain';
import { createPixelLabClient } from './client';
import { isSizeRefusal, PixelLabError, parseRetryAfter } from './errors';
import { imageCall } from './requests';

const KEY = 'sk-options-test';
let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const client = () => createPixelLabClient({ baseUrl: fake.url, apiKey: KEY });
const sprite = makeSprite(64, 64, 'reference');
const spriteHash = sha256Hex(sprite);
const images = new Map([[spriteHash, sprite]]);
const b64 = (png: Uint8Array) => ({ type: 'base64', base64: Buffer.from(png).toString('base64') });
const options = <M extends string>(value: { mode: M } & Record<string, unknown>) =>
  jobOptionsSchema.parse(value) as Extract<ReturnType<typeof jobOptionsSchema.parse>, { mode: M }>;

async function failure(promise: Promise<unknown>): Promise<PixelLabError> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PixelLabError);
  return err as PixelLabError;
}

describe('options reach PixelLab under their own names', () => {
  it('pixflux: style, guidance, coverage, transparent, image to image and a forced palette', async () => {
    const result = await client().generate({
      prompt: 'knight',
      width: 64,
      height: 64,
      seed: 7,
      images,
      options: options({
        mode: 'pixflux',
        outline: 'selective outline',
        shading: 'medium shading',
        detail: 'highly detailed',
        view: 'low top-down',
        direction: 'south-east',
        isometric: true,
        no_background: true,
        text_guidance_scale: 12.5,
        coverage_percentage: 60,
        init_image: spriteHash,
        init_image_strength: 450,
        color_image: spriteHash,
      }),
    });
    expect(decodePngSize(result.png)).toEqual({ width: 64, height: 64 });
    expect(fake.requests[0]).toMatchObject({ path: '/generate-image-pixflux' });
    expect(fake.requests[0]!.body).toEqual({
      description: 'knight',
      image_size: { width: 64, height: 64 },
      outline: 'selective outline',
      shading: 'medium shading',
      detail: 'highly detailed',
      view: 'low top-down',
      direction: 'south-east',
      isometric: true,
      no_background: true,
      text_guidance_scale: 12.5,
      coverage_percentage: 60,
      init_image: b64(sprite),
      init_image_strength: 450,
      color_image: b64(sprite),
      seed: 7,
    });
  });

  it('leaves unset options out, and the strength with no image to start from', () => {
    const { body } = imageCall({ prompt: 'x', width: 32, height: 32, options: options({ mode: 'pixflux' }) });
    expect(body).toEqual({
      description: 'x',
      image_size: { width: 32, height: 32 },
      isometric: false,
      no_background: false,
      text_guidance_scale: 8,
    });
  });

  it('bitforge sends the style image and strength; inpaint the image and its mask', async () => {
    await client().generate({
      prompt: 'tree',
      width: 64,
      height: 64,
      images,
      options: options({ mode: 'bitforge', style_image: spriteHash, style_strength: 70 }),
    });
    expect(fake.requests[0]!.path).toBe('/generate-image-bitforge');
    expect(fake.requests[0]!.body).toMatchObject({ style_image: b64(sprite), style_strength: 70 });

    const mask = makeSprite(64, 64, 'mask');
    const maskHash = sha256Hex(mask);
    await client().generate({
      prompt: 'hat',
      width: 64,
      height: 64,
      images: new Map([...images, [maskHash, mask]]),
      options: options({ mode: 'inpaint', inpainting_image: spriteHash, mask_image: maskHash }),
    });
    expect(fake.requests[1]!.path).toBe('/inpaint');
    expect(fake.requests[1]!.body).toMatchObject({
      inpainting_image: b64(sprite),
      mask_image: b64(mask),
      text_guidance_scale: 3,
    });
  });

  it('says which image is missing rather than sending a request without it', async () => {
    await expect(
      client().generate({
        prompt: 'tree',
        width: 64,
        height: 64,
        options: options({ mode: 'bitforge', style_image: spriteHash }),
      }),
    ).rejects.toThrow(/style image \(.{12}…\) is not on the companion/);
    expect(fake.requests).toHaveLength(0);
  });

  it('animate-with-text gives its frames, in order, and the price of all of them', async () => {
    const animate = options({ mode: 'animate', action: 'walk', reference_image: spriteHash, n_frames: 8 });
    const result = await client().animate({
      prompt: 'knight',
      width: 64,
      height: 64,
      images,
      options: animate as OptionsOf<'animate'>,
    });
    expect(result.frames).toHaveLength(4);
    for (const frame of result.frames) expect(decodePngSize(frame)).toEqual({ width: 64, height: 64 });
    expect(result.usd).toBeGreaterThan(0);
    expect(fake.requests[0]!.body).toMatchObject({
      action: 'walk',
      n_frames: 8,
      view: 'side',
      direction: 'east',
      reference_image: b64(sprite),
    });
  });

  it('rotate sends views and guidance', async () => {
    await client().rotate({
      png: sprite,
      width: 64,
      height: 64,
      toDirection: 'west',
      seed: 3,
      options: options({ mode: 'rotate', from_view: 'side', to_view: 'high top-down', image_guidance_scale: 5 }) as
        | OptionsOf<'rotate'>
        | undefined,
    });
    expect(fake.requests[0]!.body).toMatchObject({
      from_view: 'side',
      to_view: 'high top-down',
      image_guidance_scale: 5,
      isometric: false,
      seed: 3,
    });
  });
});

describe('what the fake refuses, as PixelLab does', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const locs = async (res: Response) =>
    ((await res.json()) as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'));
  const size = { width: 64, height: 64 };

  it('names every field out of its range or list, and every unknown one', async () => {
    const res = await post('/generate-image-pixflux', {
      description: 'x',
      image_size: size,
      outline: 'thick',
      text_guidance_scale: 25,
      coverage_percentage: -1,
      init_image_strength: 1000,
      isometric: 'yes',
      noBackground: true,
    });
    expect(res.status).toBe(422);
    expect(await locs(res)).toEqual([
      'body.text_guidance_scale',
      'body.outline',
      'body.isometric',
      'body.coverage_percentage',
      'body.init_image_strength',
      'body.noBackground',
    ]);
  });

  it('holds each endpoint to its sizes: bitforge 200, animate 64 only', async () => {
    expect(
      await locs(await post('/generate-image-bitforge', { description: 'x', image_size: { width: 256, height: 64 } })),
    ).toEqual(['body.image_size.width']);
    const res = await post('/animate-with-text', {
      description: 'x',
      action: 'walk',
      image_size: { width: 32, height: 64 },
      reference_image: b64(sprite),
    });
    expect(await locs(res)).toEqual(['body.image_size.width']);
  });

  it('refuses an inpaint whose mask is not the canvas size', async () => {
    const res = await post('/inpaint', {
      description: 'x',
      image_size: size,
      inpainting_image: b64(sprite),
      mask_image: b64(makeSprite(32, 32, 'small')),
    });
    expect(await locs(res)).toEqual(['body.mask_image']);
  });

  it('refuses an area above the tier on image_size, which the client reads as a size refusal', async () => {
    fake.setTierArea(200 * 200);
    const error = await failure(client().generate({ prompt: 'x', width: 300, height: 300 }));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/image_size: image area 90000 exceeds the maximum of 40000 pixels/);
    expect(isSizeRefusal(error)).toBe(true);
    expect(await client().generate({ prompt: 'x', width: 200, height: 200 })).toHaveProperty('png');
    fake.failNext({ status: 422, detail: [{ loc: ['body', 'description'], msg: 'bad', type: 'value_error' }] });
    expect(isSizeRefusal(await failure(client().generate({ prompt: 'x', width: 64, height: 64 })))).toBe(false);
  });
});

describe('rate limits and tiers', () => {
  it('529 is a rate limit, and Retry-After is read', async () => {
    fake.failNext({ status: 529, detail: 'Rate limit exceeded', headers: { 'retry-after': '7' } });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error).toMatchObject({ status: 529, code: 'rate_limited', retryAfterMs: 7000 });
    expect(error.message).toBe('PixelLab rate limit reached (529): Rate limit exceeded. Try again in 7 s.');
  });

  it('403 is a feature the plan lacks, not a bad key', async () => {
    fake.failNext({ status: 403, detail: 'Feature not available for your tier' });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(error.message).toMatch(
      /^This PixelLab feature is not available on your plan \(403\): Feature not available/,
    );
    expect(error.message).not.toMatch(/key/i);
  });

  it('reads Retry-After as seconds or a date, and caps it', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('99999')).toBe(600_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});
