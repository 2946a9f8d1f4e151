import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpError, sendHttpException } from './http-error';
import { jsonBody, validQuery } from './validate';

const LIMIT = 256;
const bodySchema = z.object({ name: z.string().min(1), count: z.number().int().default(1) });
const querySchema = z.object({ since: z.coerce.number().int().nonnegative().default(0) });

/** A tiny app with the companion's own onError, so answers are the ones clients get. */
function testApp() {
  const shared = httpError(409, 'busy', 'Try again later');
  const app = new Hono()
    .post('/body', jsonBody(bodySchema, LIMIT), (c) => c.json(c.req.valid('json')))
    .post('/optional', jsonBody(bodySchema.partial(), LIMIT, { optional: true }), (c) => c.json(c.req.valid('json')))
    .get('/query', validQuery(querySchema), (c) => c.json(c.req.valid('query')))
    .get('/shared', (c) => {
      c.header('Cache-Control', 'no-store');
      throw shared;
    });
  app.onError((err, c) => {
    if (err instanceof HTTPException) return sendHttpException(c, err);
    throw err;
  });
  return app;
}

const post = (app: Hono, path: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
  app.request(`http://127.0.0.1${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    // A stream body needs half duplex; the others ignore it.
    duplex: 'half',
  } as RequestInit);

describe('jsonBody', () => {
  const app = testApp();

  it('hands the handler the body as the schema made it', async () => {
    const res = await post(app, '/body', JSON.stringify({ name: 'knight' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'knight', count: 1 });
  });

  it('answers a schema failure with the companion 400 naming the field, not zod answer', async () => {
    const res = await post(app, '/body', JSON.stringify({ name: 'knight', count: 1.5 }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'error', error: 'invalid_body', field: 'count' });
    expect(body.message).toMatch(/^count: /);
    expect(Object.keys(body).sort()).toEqual(['error', 'field', 'message', 'status']);
  });

  it('refuses another content type with 415 before reading', async () => {
    const res = await post(app, '/body', 'name=knight', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ status: 'error', error: 'unsupported_media_type' });
  });

  it('counts the limit while streaming: a body with no Content-Length past it is a 413', async () => {
    const chunk = new TextEncoder().encode(`{"name":"${'x'.repeat(150)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await post(app, '/body', stream);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 'error', error: 'body_too_large' });
  });

  it('refuses a prototype key at any depth, naming it', async () => {
    const res = await post(app, '/body', '{"name":"a","x":{"__proto__":{"admin":true}}}');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'forbidden_key', field: '__proto__' });
  });

  it('refuses nesting past 64 levels and bad JSON with their own codes', async () => {
    const deep = await post(app, '/body', `${'['.repeat(65)}${']'.repeat(65)}`);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ error: 'too_deep' });
    const bad = await post(app, '/body', '{"name":');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_json' });
  });

  it('with optional, checks a bare POST as {} and still reads a sent body', async () => {
    const bare = await app.request('http://127.0.0.1/optional', { method: 'POST' });
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ count: 1 });
    const sent = await post(app, '/optional', JSON.stringify({ name: 'k' }));
    expect(await sent.json()).toEqual({ name: 'k', count: 1 });
    const wrong = await post(app, '/optional', JSON.stringify({ name: '' }));
    expect(wrong.status).toBe(400);
  });
});

describe('validQuery', () => {
  const app = testApp();

  it('hands over the coerced query, and answers a bad one with the same 400', async () => {
    expect(await (await app.request('http://127.0.0.1/query?since=5')).json()).toEqual({ since: 5 });
    const res = await app.request('http://127.0.0.1/query?since=-1');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error', error: 'invalid_body', field: 'since' });
  });
});

describe('sendHttpException', () => {
  it('keeps headers set before the throw, and answers one exception any number of times', async () => {
    const app = testApp();
    for (let i = 0; i < 2; i++) {
      const res = await app.request('http://127.0.0.1/shared');
      expect(res.status).toBe(409);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ status: 'error', error: 'busy', message: 'Try again later' });
    }
  });

  it('gives an HTTPException thrown without a JSON answer the same error shape', async () => {
    const app = new Hono().get('/x', () => {
      throw new HTTPException(400, { message: 'Malformed JSON in request body' });
    });
    app.onError((err, c) => sendHttpException(c, err as HTTPException));
    const res = await app.request('http://127.0.0.1/x');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status: 'error',
      error: 'bad_request',
      message: 'Malformed JSON in request body',
    });
  });
});
