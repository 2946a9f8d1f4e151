import http from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../../tests/fixtures/fake-pixellab';
import { decodePngSize, makeSprite } from '../../tests/fixtures/png';
import { createPixelLabClient, describeDetail, PixelLabError } from './client';

const KEY = 'sk-test-7f3a9c1e5b2d4f60';

let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const client = (overrides: Partial<Parameters<typeof createPixelLabClient>[0]> = {}) =>
  createPixelLabClient({ baseUrl: fake.url, apiKey: KEY, ...overrides });

/** Runs the call, expects a PixelLabError, and checks the key is nowhere in it. */
async function failure(promise: Promise<unknown>): Promise<PixelLabError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PixelLabError);
  const error = err as PixelLabError;
  const everything = [
    error.message,
    error.stack ?? '',
    JSON.stringify(error),
    String(error.detail),
    String((error as Error).cause ?? ''),
  ].join('\n');
  expect(everything).not.toContain(KEY);
  return error;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('generate', () => {
  it('returns the PNG of the size asked, the price, and sends PixelLab v1 fields', async () => {
    const result = await client().generate({ prompt: 'cute dragon', width: 48, height: 64, seed: 42 });
    expect(decodePngSize(result.png)).toEqual({ width: 48, height: 64 });
    expect(result.usd).toBeGreaterThan(0);
    expect(result.seed).toBe(42);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/generate-image-pixflux', authorized: true });
    expect(request!.body).toEqual({
      description: 'cute dragon',
      image_size: { width: 48, height: 64 },
      no_background: false,
      seed: 42,
    });
  });

  it('leaves the seed out when none is asked, and reports none', async () => {
    const result = await client().generate({ prompt: 'tree', width: 32, height: 32, seed: null });
    expect(result.seed).toBeNull();
    expect(fake.requests[0]!.body).not.toHaveProperty('seed');
  });

  it('gives different images for different prompts', async () => {
    const a = await client().generate({ prompt: 'cat', width: 32, height: 32 });
    const b = await client().generate({ prompt: 'dog', width: 32, height: 32 });
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(false);
  });

  it('401: says the key was rejected, with PixelLab detail, and not the key', async () => {
    const error = await failure(client({ apiKey: `${KEY}-wrong` }).generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.status).toBe(401);
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe('PixelLab rejected the API key (401): Invalid API token');
    expect(error.message).not.toContain(`${KEY}-wrong`);
  });

  it('422: names the field PixelLab refused', async () => {
    const error = await failure(client().generate({ prompt: 'castle', width: 401, height: 64 }));
    expect(error.status).toBe(422);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(
      'PixelLab rejected the request (422): image_size.width: ensure this value is less than or equal to 400',
    );
  });

  it('422 with several fields lists them all', async () => {
    const error = await failure(client().generate({ prompt: 'castle', width: 8, height: 500 }));
    expect(error.message).toContain('image_size.width: ensure this value is greater than or equal to 16');
    expect(error.message).toContain('image_size.height: ensure this value is less than or equal to 400');
  });

  it('429: says the rate limit was reached and when to try again', async () => {
    fake.failNext({ status: 429, detail: 'Too many requests, slow down.' });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(error.message).toBe(
      'PixelLab rate limit reached (429): Too many requests, slow down. Try again in a minute.',
    );
  });

  it('5xx: says the problem is on PixelLab side', async () => {
    fake.failNext({ status: 503, detail: 'Service Unavailable' });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.status).toBe(503);
    expect(error.message).toBe('PixelLab had a problem on its side (503): Service Unavailable. Try again later.');
  });

  it('402: says credits are needed', async () => {
    fake.failNext({ status: 402, detail: 'Insufficient credits' });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.status).toBe(402);
    expect(error.message).toBe('PixelLab needs more credits for this (402): Insufficient credits');
  });

  it('never puts the key in a message, even when PixelLab echoes it', async () => {
    fake.failNext({ status: 401, detail: `Invalid API token ${KEY}` });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.message).toBe('PixelLab rejected the API key (401): Invalid API token [redacted]');
  });

  it('redacts a key echoed in a long non-JSON error before cutting the text, so no part of it is left', async () => {
    // The text is cut at 600 characters; a key starting just before the cut used to leave its prefix behind.
    const server = http.createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html>${'x'.repeat(573)} ${KEY} upstream trouble</html>`);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await failure(
        client({ baseUrl: `http://127.0.0.1:${port}` }).generate({ prompt: 'x', width: 32, height: 32 }),
      );
      expect(error.status).toBe(502);
      expect(error.detail).toContain('[redacted]');
      expect(error.detail!.length).toBeLessThanOrEqual(600);
      for (let n = 6; n <= KEY.length; n++) expect(error.message).not.toContain(KEY.slice(0, n));
    } finally {
      server.close();
    }
  });

  it('timeout: gives up after timeoutMs with a 504', async () => {
    fake.hang();
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 200 }).generate({ prompt: 'x', width: 32, height: 32 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.status).toBe(504);
    expect(error.code).toBe('timeout');
    expect(error.message).toBe('PixelLab did not answer within 0.2 s');
  });

  it('whole seconds read as such', async () => {
    fake.hang();
    const error = await failure(client({ timeoutMs: 1_000 }).generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.message).toBe('PixelLab did not answer within 1 s');
  });

  it('network error: a closed port is a 502 in plain words', async () => {
    const port = await closedPort();
    const error = await failure(
      client({ baseUrl: `http://127.0.0.1:${port}/v1` }).generate({ prompt: 'x', width: 32, height: 32 }),
    );
    expect(error.status).toBe(502);
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/^Could not reach PixelLab \(ECONNREFUSED\)/);
  });

  it('missing key: fails without any network call', async () => {
    for (const apiKey of [undefined, null, '', '   ']) {
      const error = await failure(client({ apiKey }).generate({ prompt: 'x', width: 32, height: 32 }));
      expect(error.code).toBe('missing_key');
      expect(error.message).toBe(
        'No PixelLab API key: enter it in the side panel, or set PIXELLAB_API_KEY in the environment or .env',
      );
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('an answer of the wrong shape is a 502, never a crash', async () => {
    fake.failNext({ status: 200, detail: 'not an image' });
    const error = await failure(client().generate({ prompt: 'x', width: 32, height: 32 }));
    expect(error.status).toBe(502);
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/^PixelLab sent an answer this companion does not understand \(image: /);
  });
});

describe('rotate', () => {
  it('sends the source PNG as base64 with the directions, and returns a PNG', async () => {
    const source = makeSprite(64, 64, 'knight');
    const result = await client().rotate({
      png: source,
      width: 64,
      height: 64,
      fromDirection: 'south',
      toDirection: 'east',
    });
    expect(decodePngSize(result.png)).toEqual({ width: 64, height: 64 });
    expect(result.usd).toBeGreaterThan(0);
    const body = fake.requests[0]!.body as Record<string, unknown>;
    expect(fake.requests[0]!.path).toBe('/rotate');
    expect(body).toEqual({
      from_image: { type: 'base64', base64: Buffer.from(source).toString('base64') },
      image_size: { width: 64, height: 64 },
      from_direction: 'south',
      to_direction: 'east',
    });
  });

  it('leaves from_direction out when unknown', async () => {
    await client().rotate({ png: makeSprite(32, 32, 'a'), width: 32, height: 32, toDirection: 'north' });
    expect(fake.requests[0]!.body).not.toHaveProperty('from_direction');
  });

  it('422 above the rotate size limit', async () => {
    const error = await failure(
      client().rotate({ png: makeSprite(256, 256, 'a'), width: 256, height: 256, toDirection: 'west' }),
    );
    expect(error.message).toContain('image_size.width: ensure this value is less than or equal to 200');
  });
});

describe('balance', () => {
  it('reads the USD balance, which paid calls spend', async () => {
    const before = await client().balance();
    await client().generate({ prompt: 'x', width: 64, height: 64 });
    const after = await client().balance();
    expect(before.usd).toBe(25);
    expect(after.usd).toBeLessThan(before.usd);
  });

  it('401 with a wrong key', async () => {
    const error = await failure(client({ apiKey: 'nope' }).balance());
    expect(error.status).toBe(401);
  });
});

describe('describeDetail', () => {
  it('flattens strings, FastAPI lists and anything else', () => {
    expect(describeDetail('Invalid API token')).toBe('Invalid API token');
    expect(describeDetail([{ loc: ['body', 'description'], msg: 'field required', type: 'value_error.missing' }])).toBe(
      'description: field required',
    );
    expect(describeDetail([{ msg: 'bad' }])).toBe('bad');
    expect(describeDetail({ odd: 1 })).toBe('{"odd":1}');
    expect(describeDetail(null)).toBeNull();
  });
});
