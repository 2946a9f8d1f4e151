/**
 * Which extensions the companion trusts without pairing. Chrome gives an unpacked extension the id its
 * manifest `key` pins (wxt.config.ts, README "Load the extension"); Firefox gives each profile a random
 * `moz-extension://<uuid>`, so a Firefox panel pairs once, or is named with --allow-extension.
 */
export const PROJECT_EXTENSION_IDS: readonly string[] = ['nicmafealdkogdhcobglaenalcjpnhen'];

const EXTENSION_ORIGIN = /^(chrome|moz|safari-web)-extension:\/\/([A-Za-z0-9._-]+)$/;
const BARE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `chrome-extension://<id>`, `moz-extension://<uuid>`, `safari-web-extension://<id>`. */
export function isExtensionOrigin(origin: string): boolean {
  return EXTENSION_ORIGIN.test(origin);
}

/**
 * An --allow-extension value as the companion keeps it: a bare id (`abc...`, trusted under any extension
 * scheme) or a whole origin (`chrome-extension://abc...`, `moz-extension://<uuid>`), lower-cased. Throws
 * an Error in plain words for anything else.
 */
export function parseAllowedExtension(value: string): string {
  const v = value.trim().replace(/\/+$/, '').toLowerCase();
  const bare = v.replace(/^\{(.*)\}$/, '$1');
  if (EXTENSION_ORIGIN.test(v)) return v;
  if (BARE_ID.test(bare) && !bare.includes('://')) return bare;
  throw new Error(
    `--allow-extension takes an extension id (e.g. nicmafealdkogdhcobglaenalcjpnhen) or an extension origin (chrome-extension://<id>, moz-extension://<uuid>), got "${value}"`,
  );
}

/** The project's own extension, or one the user named with --allow-extension (values from parseAllowedExtension). */
export function isTrustedExtension(origin: string, allowed: readonly string[]): boolean {
  const m = EXTENSION_ORIGIN.exec(origin.toLowerCase());
  if (!m) return false;
  const id = m[2]!;
  return PROJECT_EXTENSION_IDS.includes(id) || allowed.includes(id) || allowed.includes(origin.toLowerCase());
}
