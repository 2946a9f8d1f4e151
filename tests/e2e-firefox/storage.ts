/**
 * What the storage.local quota tests (scenarios.test.ts) measure and use. storage.local in Firefox, with and without `unlimitedStorage`, measured in Firefox ESR 153:
 * - Firefox keeps storage.local in IndexedDB under its own principal (`moz-extension://<uuid>^userContextId=
 *   4294967295`) and has no QUOTA_BYTES: more than Chrome's 10 MB goes in either way;
 * - with `unlimitedStorage` (our manifest) that storage is persistent: never evicted when the disk runs low,
 *   and bounded only by Firefox's global limit;
 * - without it the history is best-effort storage: capped by the group limit, and Firefox may evict it
 *   whole, without asking, when the disk runs low.
 */
import { expect } from 'vitest';
import { bytesToPngDataUrl } from '@/utils/domain';
import { encodePng } from '../fixtures/png';
import { seededRandom } from '../helpers/seeded-random';
import { editedBuild, type FirefoxExtension } from './harness';
import { waitForThumbnail } from './panel';

interface StorageState {
  origin: string;
  persisted: boolean;
  /** The quota manager's usage of storage.local's origin, bytes. */
  usage: number;
  /** The quota manager's limit for it, bytes. */
  limit: number;
  /** Whether the extension holds Firefox's `persistent-storage` permission. */
  persistentPermission: boolean;
}

/** Asks Firefox's quota manager about the extension's storage.local (the principal ExtensionStorageIDB uses). */
export const storageState = (firefox: FirefoxExtension) =>
  firefox.evaluateInBrowserWindow<StorageState>(`async () => {
    const { ExtensionStorageIDB } = ChromeUtils.importESModule('resource://gre/modules/ExtensionStorageIDB.sys.mjs');
    const extension = WebExtensionPolicy.getByID(${JSON.stringify(firefox.geckoId)}).extension;
    const principal = ExtensionStorageIDB.getStoragePrincipal(extension);
    const ask = (request) => new Promise((resolve, reject) => {
      request.callback = () => (request.resultCode === 0 ? resolve(request.result) : reject(new Error('quota manager: ' + request.resultCode)));
    });
    const estimate = await ask(Services.qms.estimate(principal));
    return {
      origin: principal.origin,
      persisted: await ask(Services.qms.persisted(principal)),
      usage: estimate.usage,
      limit: estimate.limit,
      persistentPermission:
        Services.perms.testPermissionFromPrincipal(extension.principal, 'persistent-storage') === Services.perms.ALLOW_ACTION,
    };
  }`);

export const MB = 1024 * 1024;
const JOBS = 20;

/** A seed-format history of JOBS jobs, each with a distinct 400x400 noise PNG (about 640 KB: noise does not compress). */
export function bigHistory(): { text: string; imageBytes: number } {
  const random = seededRandom(17);
  let imageBytes = 0;
  const jobs = Array.from({ length: JOBS }, (_, i) => {
    const png = encodePng(400, 400, () => [random() * 256, random() * 256, random() * 256, 255]);
    imageBytes += png.length;
    return {
      id: `job-big-${i}`,
      prompt: `e2e firefox noise ${i}`,
      width: 400,
      height: 400,
      status: 'success',
      result: bytesToPngDataUrl(png),
      createdAt: 1_700_000_000_000 + i,
    };
  });
  return { text: JSON.stringify({ jobs, lastJobId: JOBS }), imageBytes };
}

/** Imports through the panel's own intent (the background writes storage), then checks the rows read back. */
export async function importAndReadBack(firefox: FirefoxExtension, text: string): Promise<void> {
  const page = await firefox.openPanel();
  expect(await firefox.sendIntent(page, { type: 'import', text })).toMatchObject({ ok: true, imported: JOBS });
  await page.close();
  const fresh = await firefox.openPanel();
  await fresh.waitForSelector(`[aria-label="Job history, ${JOBS} jobs"]`, { timeout: 15_000 });
  expect(await waitForThumbnail(fresh, `job-big-${JOBS - 1}`, `e2e firefox noise ${JOBS - 1}`)).toEqual({
    width: 400,
    height: 400,
  });
}

/** The build with `unlimitedStorage` taken out of its manifest, under an id of its own (so both fit in one Firefox). */
export const buildWithoutUnlimitedStorage = () =>
  editedBuild((manifest) => {
    expect(manifest.permissions).toContain('unlimitedStorage');
    manifest.permissions = manifest.permissions.filter((p: string) => p !== 'unlimitedStorage');
    manifest.browser_specific_settings.gecko.id = 'pixellab-side-panel-limited@pixellab-side-panel.dev';
  });

/** The build as shipped, under an id of its own: a fresh storage.local beside the profile's first install. */
export const buildUnderFreshId = (name: string) =>
  editedBuild((manifest) => {
    manifest.browser_specific_settings.gecko.id = `pixellab-side-panel-${name}@pixellab-side-panel.dev`;
  });
