/**
 * Who is asking, as the security middleware found out (`c.get('caller')`):
 * - `script`: no Origin, e.g. curl, a local tool, or the Chrome extension's own GETs;
 * - `trusted-extension`: this project's extension, or one allowed with --allow-extension;
 * - `extension`: any other extension; it must pair (or hold the token) before anything but /health and /pair/*;
 * - `dashboard`: a page the companion serves itself, from its own origin: the old dashboard under /dashboard/ (old API
 *   routes only, and only with --dashboard) or the pairing page (/pair only);
 * - `web`: a web origin the user allowed with --allow-origin.
 * Refused web origins never reach a route.
 */
export type CallerKind = 'dashboard' | 'extension' | 'trusted-extension' | 'script' | 'web';

export interface Caller {
  kind: CallerKind;
  /** The Origin header as sent, or null when there was none. */
  origin: string | null;
}

/** The Hono env of the companion's app and routes: `new Hono<CompanionEnv>()`, then `c.get('caller')`. */
export type CompanionEnv = {
  Variables: {
    caller: Caller;
    /** The caller passed this mode's auth: the token, a paired token, or no token needed (default mode, trusted caller). */
    authorized: boolean;
  };
};
