import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { refuseSimpleContentTypes } from '.';

const app = new Hono()
  .use(refuseSimpleContentTypes())
  .post('/x', (c) => c.json({ ok: true }))
  .get('/x', (c) => c.json({ ok: true }));

const post = (type: string | null) =>
  app.request('/x', { method: 'POST', headers: type === null ? {} : { 'content-type': type }, body: '{}' });

describe('refuseSimpleContentTypes', () => {
  it.each([
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    ' TEXT/PLAIN ',
  ])('answers 415 to a POST sent as %s', async (type) => {
    const res = await post(type);
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ status: 'error', error: 'unsupported_media_type' });
  });

  it('lets JSON reach the route', async () => {
    expect((await post('application/json')).status).toBe(200);
    expect((await post('application/json; charset=utf-8')).status).toBe(200);
  });

  it('does not look at GETs', async () => {
    expect((await app.request('/x', { headers: { 'content-type': 'text/plain' } })).status).toBe(200);
  });
});
