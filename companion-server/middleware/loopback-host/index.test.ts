import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loopbackHost } from '.';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1:8787', 'localhost:8787', 'LOCALHOST', '[::1]:8787', '127.1.2.3', 'app.localhost:1'])(
    'accepts %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );
  it.each([
    undefined,
    '',
    'evil.com',
    'localhost.evil.com',
    '127.0.0.1.nip.io',
    '0.0.0.0:8787',
    '192.168.1.5',
    '[::ffff:7f00:1]',
    '127.0.0.256',
    'a@127.0.0.1',
  ])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('loopbackHost middleware', () => {
  const app = new Hono().use(loopbackHost()).get('/x', (c) => c.text('ok'));
  const get = (host: string) => app.request('http://127.0.0.1/x', { headers: { host } });

  it('lets a loopback Host through', async () => {
    expect((await get('localhost:8787')).status).toBe(200);
  });

  it('answers a rebinding Host with 403 host_refused before any route', async () => {
    const res = await get('rebind.example:8787');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 'error', error: 'host_refused' });
  });
});
