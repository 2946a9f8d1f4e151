import { describe, expect, it } from 'vitest';
import { isAllowedOrigin, isLoopbackHost } from './security';

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

describe('isAllowedOrigin', () => {
  it('allows extension origins and listed origins only', () => {
    expect(isAllowedOrigin('chrome-extension://nicmafealdkogdhcobglaenalcjpnhen', [])).toBe(true);
    expect(isAllowedOrigin('moz-extension://0b1c2d3e-aaaa-bbbb-cccc-1234567890ab', [])).toBe(true);
    expect(isAllowedOrigin('null', [])).toBe(false);
    expect(isAllowedOrigin('http://localhost:5500', [])).toBe(false);
    expect(isAllowedOrigin('http://localhost:5500', ['http://localhost:5500'])).toBe(true);
    expect(isAllowedOrigin('chrome-extension://x/../', [])).toBe(false);
  });
});
