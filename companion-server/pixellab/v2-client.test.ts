import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../../tests/fixtures/fake-pixellab';
import { decodePngSize, makeSprite } from '../../tests/fixtures/png';
import { characterOptionsSchema } from '../../utils/domain';
import { PixelLabError } from './errors';
import { createPixelLabV2Client, EIGHT_DIRECTIONS, FOUR_DIRECTIONS, v2BaseUrl } from './v2-client';

const KEY = 'sk-v2-test';
let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const client = (apiKey = KEY) =>
  createPixelLabV2Client({ baseUrl: v2BaseUrl(fake.url), apiKey, pollMs: 1, sleep: async () => {} });

describe('PixelLab v2 characters', () => {
  it('derives the v2 address from v1', () => {
    expect(v2BaseUrl('https://api.pixellab.ai/v1')).toBe('https://api.pixellab.ai/v2');
    expect(v2BaseUrl('http://127.0.0.1:9/v1/')).toBe('http://127.0.0.1:9/v2');
  });

  it('is offered when v2 answers the key, and not when it does not', async () => {
    expect(await client().available()).toBe(true);
    expect(await client('wrong').available()).toBe(false);
    fake.setV2({ enabled: false });
    expect(await client().available()).toBe(false);
  });

  it('makes 8 directions: starts a background job, polls it, and fetches each rotation', async () => {
    fake.setV2({ pollsUntilDone: 3 });
    const result = await client().createCharacter({
      prompt: 'wizard',
      width: 48,
      height: 48,
      seed: 5,
      options: characterOptionsSchema.parse({ mode: 'character', n_directions: 8, view: 'low top-down' }),
    });
    expect(result.frames.map((f) => f.direction)).toEqual(EIGHT_DIRECTIONS);
    for (const frame of result.frames) expect(decodePngSize(frame.png)).toEqual({ width: 48, height: 48 });
    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.slice(0, 4)).toEqual([
      'POST /v2/create-character-with-8-directions',
      'GET /v2/background-jobs/bg-1',
      'GET /v2/background-jobs/bg-1',
      'GET /v2/background-jobs/bg-1',
    ]);
    expect(paths[4]).toBe('GET /v2/characters/char-1');
    expect(fake.requests[0]!.body).toEqual({
      description: 'wizard',
      image_size: { width: 48, height: 48 },
      text_guidance_scale: 8,
      isometric: false,
      view: 'low top-down',
      seed: 5,
    });
  });

  it('makes 4 directions in PixelLab’s order', async () => {
    const result = await client().createCharacter({
      prompt: 'cat',
      width: 32,
      height: 32,
      options: characterOptionsSchema.parse({ mode: 'character', n_directions: 4 }),
    });
    expect(result.frames.map((f) => f.direction)).toEqual(FOUR_DIRECTIONS);
  });

  it('reads the envelope’s error, and images given inline in the job’s answer', async () => {
    const png = makeSprite(32, 32, 'inline');
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v2/create-character-with-4')) {
        res.end(JSON.stringify({ success: true, data: { background_job_id: 'j', character_id: 'c' }, error: null }));
      } else if (req.url === '/v2/background-jobs/j') {
        const images = Object.fromEntries(
          FOUR_DIRECTIONS.map((d) => [d, { type: 'base64', base64: Buffer.from(png).toString('base64') }]),
        );
        res.end(JSON.stringify({ success: true, data: { status: 'completed', last_response: { images } } }));
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ success: false, data: null, error: 'Description too vague' }));
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
      const v2 = createPixelLabV2Client({ baseUrl: base, apiKey: KEY, pollMs: 1, sleep: async () => {} });
      const options = characterOptionsSchema.parse({ mode: 'character', n_directions: 4 });
      const made = await v2.createCharacter({ prompt: 'x', width: 32, height: 32, options });
      expect(made.frames).toHaveLength(4);
      const refused = await v2
        .createCharacter({ prompt: 'x', width: 32, height: 32, options: { ...options, n_directions: 8 } })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PixelLabError);
      expect((refused as PixelLabError).message).toContain('Description too vague');
    } finally {
      server.close();
    }
  });

  it('refuses a size v2 does not take, as PixelLab would', async () => {
    const error = await client()
      .createCharacter({
        prompt: 'x',
        width: 16,
        height: 16,
        options: characterOptionsSchema.parse({ mode: 'character' }),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, code: 'invalid_request' });
  });
});
