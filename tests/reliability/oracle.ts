/**
 * What the README's Security section promises, written out independently of companion-server/security.ts,
 * so the suites can predict the answer to any Host / Origin / Authorization combination.
 */

/** true: must be served; false: must be refused (403 host_refused); 'either': loopback in a form browsers never send. */
export function hostVerdict(host: string | null): boolean | 'either' {
  if (host === null || host === '') return false;
  const known: Record<string, boolean | 'either'> = {
    '2130706433': 'either', // 127.0.0.1 as one number: a browser canonicalizes it before sending
    '[::ffff:127.0.0.1]': 'either',
    'localhost.:8787': false, // fully qualified, not the loopback names the README lists
  };
  if (host in known) return known[host]!;
  // host[:port] only: userinfo, paths, spaces, empty ports are refused.
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  const name = m[1]!.toLowerCase();
  if (name === 'localhost' || name === '[::1]') return true;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost$/.test(name)) return true;
  const quad = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  if (quad) return quad.slice(1).every((p) => Number(p) <= 255);
  // Other numeric spellings (one number, hex, a trailing dot): loopback ones may be served, the rest must not.
  if (/^[0-9a-fx.]+$/.test(name) && /\d/.test(name)) {
    try {
      return /^127\./.test(new URL(`http://${name}`).hostname) ? 'either' : false;
    } catch {
      return false;
    }
  }
  return false;
}

export const EXTENSION_ORIGIN = /^(chrome|moz|safari-web)-extension:\/\/[A-Za-z0-9._-]+$/;

export function originAllowed(origin: string | null, allowOrigins: readonly string[]): boolean {
  if (origin === null) return true;
  return EXTENSION_ORIGIN.test(origin) || allowOrigins.includes(origin);
}

export function tokenAccepted(authorization: string | null, token: string | null): boolean {
  if (token === null) return true;
  if (authorization === null) return false;
  const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return !!m && m[1]!.trim() === token;
}

export type Verdict =
  | { kind: 'host_refused' }
  | { kind: 'origin_refused' }
  | { kind: 'preflight' }
  | { kind: 'unauthorized' }
  | { kind: 'through' }
  | { kind: 'host_either' };

/** The security layer's answer to a request, before any route sees it. */
export function securityVerdict(input: {
  method: string;
  path: string;
  host: string | null;
  origin: string | null;
  authorization: string | null;
  token: string | null;
  allowOrigins: readonly string[];
}): Verdict {
  const host = hostVerdict(input.host);
  if (host === false) return { kind: 'host_refused' };
  if (host === 'either') return { kind: 'host_either' };
  if (!originAllowed(input.origin, input.allowOrigins)) return { kind: 'origin_refused' };
  if (input.method === 'OPTIONS') return { kind: 'preflight' };
  if (input.path !== '/health' && !tokenAccepted(input.authorization, input.token)) return { kind: 'unauthorized' };
  return { kind: 'through' };
}

/** Checks an answer against the verdict; returns what is wrong, or null. */
export function checkVerdict(
  verdict: Verdict,
  res: { status: number; text: string; header(name: string): string | null | undefined },
  origin: string | null,
): string | null {
  const cors = res.header('access-control-allow-origin') ?? null;
  const errorCode = () => {
    try {
      return (JSON.parse(res.text) as { error?: string }).error;
    } catch {
      return undefined;
    }
  };
  const refused = (status: number, code: string) =>
    res.status !== status || errorCode() !== code
      ? `expected ${status} ${code}, got ${res.status} ${res.text.slice(0, 160)}`
      : null;
  switch (verdict.kind) {
    case 'host_refused':
      return refused(403, 'host_refused') ?? (cors !== null ? `CORS header ${cors} on a refused host` : null);
    case 'origin_refused':
      return refused(403, 'origin_refused') ?? (cors !== null ? `CORS header ${cors} for a refused origin` : null);
    case 'host_either':
      if (res.status === 403 && errorCode() === 'host_refused')
        return cors !== null ? 'CORS header on a refused host' : null;
      return null;
    case 'preflight':
      if (res.status !== 204) return `preflight got ${res.status}`;
      return cors !== (origin ?? null) ? `preflight CORS header ${cors}, expected ${origin}` : null;
    case 'unauthorized':
      return (
        refused(401, 'unauthorized') ??
        (cors !== null && cors !== origin ? `CORS header ${cors} for origin ${origin}` : null)
      );
    case 'through':
      if (
        (res.status === 403 && ['host_refused', 'origin_refused'].includes(errorCode() ?? '')) ||
        (res.status === 401 && errorCode() === 'unauthorized')
      ) {
        return `refused an allowed request: ${res.status} ${res.text.slice(0, 160)}`;
      }
      return cors !== (origin ?? null) ? `CORS header ${cors}, expected ${origin}` : null;
  }
}
