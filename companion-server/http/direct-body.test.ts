import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { directBody } from './direct-body';
import { listen } from './listen';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An app whose middleware sets a header after the route, and whose route has a written body and a fallback. */
function app(written: string, fallback: string) {
  return new Hono()
    .use(async (c, next) => {
      await next();
      c.header('x-set-after', 'yes');
    })
    .get('/body', (c) => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(Buffer.from(fallback));
          controller.close();
        },
      });
      const direct = directBody(stream, async (out) => {
        out.cork();
        for (const part of written.split(' ')) out.write(`${part} `);
        out.uncork();
        out.end();
      });
      return c.body(direct.body, 201, { 'content-type': 'text/plain', ...direct.headers });
    });
}

async function serve(a: Hono): Promise<string> {
  const server = listen(
    a.fetch,
    0,
    '127.0.0.1',
    () => undefined,
    () => undefined,
  );
  await new Promise<void>((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('directBody', () => {
  it('over a socket, the writer sends the body with the status and the headers the middleware set', async () => {
    const url = await serve(app('written by the writer', 'from the fallback'));
    const res = await fetch(`${url}/body`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-set-after')).toBe('yes');
    expect(res.headers.has('x-companion-direct-body')).toBe(false);
    expect(await res.text()).toBe('written by the writer ');
  });

  it('without a socket (app.request), the fallback stream is the body', async () => {
    const res = await app('written', 'from the fallback').request('/body');
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('from the fallback');
  });
});
