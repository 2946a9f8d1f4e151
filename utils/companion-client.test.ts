import { describe, expect, it } from 'vitest';
import { makeSprite } from '@/tests/fixtures/png';
import { CompanionError, createCompanionClient, dataUrlToBase64 } from '@/utils/companion-client';
import { bytesToPngDataUrl, sha256Hex } from '@/utils/domain';

const health = {
  status: 'ok',
  app: 'pixellab-companion',
  apiVersion: 1,
  serverId: 'srv',
  server_time: '2024-01-01T00:00:00.000Z',
  uptime_seconds: 3,
  api_key_detected: true,
  balance: { status: 'ok', usd: 4.5 },
  auth: 'token',
};

type Handler = (request: Request) => Response | Promise<Response>;

function client(handler: Handler, extra: { token?: string; timeoutMs?: number } = {}) {
  const seen: Request[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    seen.push(request);
    return handler(request);
  };
  return { api: createCompanionClient({ baseUrl: 'http://127.0.0.1:8787/', fetch, ...extra }), seen };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function failure(promise: Promise<unknown>): Promise<CompanionError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(CompanionError);
    return err as CompanionError;
  }
  throw new Error('expected a CompanionError');
}

describe('companion client', () => {
  it('parses health and sends the token', async () => {
    const { api, seen } = client(() => json(health), { token: 's3cret' });
    expect(await api.health()).toMatchObject({ serverId: 'srv', balance: { usd: 4.5 } });
    expect(seen[0]!.url).toBe('http://127.0.0.1:8787/health');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer s3cret');
  });

  it('a network failure is offline', async () => {
    const { api } = client(() => {
      throw new TypeError('fetch failed');
    });
    const err = await failure(api.health());
    expect(err).toMatchObject({ kind: 'offline', status: null });
    expect(err.message).toMatch(/not reachable.*fetch failed/);
  });

  it('no answer within the timeout is offline', async () => {
    const { api } = client(
      (request) =>
        new Promise((_resolve, reject) => {
          request.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
      { timeoutMs: 20 },
    );
    expect(await failure(api.health())).toMatchObject({ kind: 'offline' });
  });

  it("401 and 403 are unauthorized, with the server's words", async () => {
    const { api } = client(() =>
      json({ status: 'error', error: 'unauthorized', message: 'This companion requires a token' }, 401),
    );
    expect(await failure(api.changes(0, 200))).toMatchObject({
      kind: 'unauthorized',
      status: 401,
      code: 'unauthorized',
      message: expect.stringContaining('requires a token') as unknown,
    });
  });

  it('other errors are http, with status, code and field', async () => {
    const { api } = client(() =>
      json(
        {
          status: 'error',
          error: 'image_required',
          message: 'rotate.sourceImage: send it',
          field: 'rotate.sourceImage',
        },
        409,
      ),
    );
    const err = await failure(
      api.createJob({
        id: 'job-1',
        kind: 'generate',
        prompt: 'x',
        width: 64,
        height: 64,
        seed: null,
        rotate: null,
        groupId: null,
      }),
    );
    expect(err).toMatchObject({ kind: 'http', status: 409, code: 'image_required', field: 'rotate.sourceImage' });
  });

  it('a plain-text error keeps its text', async () => {
    const { api } = client(() => new Response('Bad gateway from proxy', { status: 502 }));
    expect(await failure(api.health())).toMatchObject({
      kind: 'http',
      status: 502,
      message: expect.stringContaining('Bad gateway from proxy') as unknown,
    });
  });

  it('an answer of the wrong shape, or not JSON, is a bad response', async () => {
    expect(await failure(client(() => json({ status: 'ok', app: 'something-else' })).api.health())).toMatchObject({
      kind: 'bad-response',
    });
    expect(await failure(client(() => new Response('<html>')).api.health())).toMatchObject({ kind: 'bad-response' });
  });

  it('createJob tells a new job (202) from an existing one (200)', async () => {
    const job = {
      id: 'job-1',
      prompt: 'x',
      width: 64,
      height: 64,
      status: 'queued',
      createdAt: 1,
      updatedAt: 2,
      seq: 1,
    };
    const input = {
      id: 'job-1',
      kind: 'generate' as const,
      prompt: 'x',
      width: 64,
      height: 64,
      seed: null,
      rotate: null,
      groupId: null,
    };
    expect(await client(() => json({ job }, 202)).api.createJob(input)).toMatchObject({
      created: true,
      job: { id: 'job-1', status: 'queued' },
    });
    expect(await client(() => json({ job }, 200)).api.createJob(input)).toMatchObject({ created: false });
  });

  it('getImage returns a data URL, null for 404, and refuses bytes that do not match the hash', async () => {
    const bytes = makeSprite(16, 16, 'img');
    const hash = sha256Hex(bytes);
    const png = () => new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'image/png' } });
    expect(await client(png).api.getImage(hash)).toBe(bytesToPngDataUrl(bytes));
    expect(
      await client(() => json({ status: 'error', error: 'not_found', message: 'No image' }, 404)).api.getImage(hash),
    ).toBeNull();
    expect(await failure(client(png).api.getImage('0'.repeat(64)))).toMatchObject({ kind: 'bad-response' });
    expect(await failure(client(() => new Response('nope')).api.getImage(hash))).toMatchObject({
      kind: 'bad-response',
    });
  });

  it('getImageBatch checks every image, sorts out missing, deferred and broken ones, and is null without the route', async () => {
    const good = makeSprite(16, 16, 'good');
    const other = makeSprite(16, 16, 'other');
    const [goodHash, otherHash, gone, later, liar] = [
      sha256Hex(good),
      sha256Hex(other),
      '1'.repeat(64),
      '2'.repeat(64),
      '3'.repeat(64),
    ];
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const answer = {
      images: { [goodHash]: b64(good), [liar]: b64(other), [otherHash]: 'not base64!' },
      missing: [gone],
      deferred: [later],
    };
    const { api, seen } = client(() => json(answer));
    const batch = (await api.getImageBatch([goodHash, gone, later, liar, otherHash]))!;
    expect(new URL(seen[0]!.url).searchParams.get('hashes')).toBe([goodHash, gone, later, liar, otherHash].join(','));
    expect(batch.images).toEqual(new Map([[goodHash, bytesToPngDataUrl(good)]]));
    expect(batch).toMatchObject({ missing: [gone], deferred: [later], broken: [liar, otherHash] });
    expect(
      await client(() => json({ status: 'error', error: 'not_found', message: 'Not found' }, 404)).api.getImageBatch([
        goodHash,
      ]),
    ).toBeNull();
    expect(await failure(client(() => json({ images: [] })).api.getImageBatch([goodHash]))).toMatchObject({
      kind: 'bad-response',
    });
  });

  it('dataUrlToBase64 only takes PNG data URLs', () => {
    const bytes = makeSprite(16, 16, 'b');
    expect(dataUrlToBase64(bytesToPngDataUrl(bytes))).toBe(bytesToPngDataUrl(bytes).split(',')[1]);
    expect(dataUrlToBase64('data:text/plain;base64,aGk=')).toBeNull();
  });
});
