/**
 * storage.local in Firefox, with and without `unlimitedStorage`, measured in Firefox ESR 153:
 * - Firefox keeps storage.local in IndexedDB under its own principal (`moz-extension://<uuid>^userContextId=
 *   4294967295`) and has no QUOTA_BYTES: more than Chrome's 10 MB goes in either way;
 * - with `unlimitedStorage` (our manifest) that storage is persistent: never evicted when the disk runs low,
 *   and bounded only by Firefox's global limit;
 * - without it the history is best-effort storage: capped by the group limit, and Firefox may evict it
 *   whole, without asking, when the disk runs low.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bytesToPngDataUrl } from '@/utils/domain';
import { encodePng } from '../fixtures/png';
import { seededRandom } from '../helpers/seeded-random';
import { disposeAll, FIREFOX_EXTENSION_DIR, type FirefoxExtension, onDispose, startFirefox } from './harness';
import { waitForThumbnail } from './panel';

afterEach(disposeAll);

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
const storageState = (firefox: FirefoxExtension) =>
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

const MB = 1024 * 1024;
const JOBS = 20;

/** A seed-format history of JOBS jobs, each with a distinct 400x400 noise PNG (about 640 KB: noise does not compress). */
function bigHistory(): { text: string; imageBytes: number } {
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
async function importAndReadBack(firefox: FirefoxExtension, text: string): Promise<void> {
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

/** The build with `unlimitedStorage` taken out of its manifest. */
async function buildWithoutUnlimitedStorage(): Promise<string> {
  const source = path.resolve(inject('firefoxExtensionDir') ?? FIREFOX_EXTENSION_DIR);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pixellab-e2e-limited-'));
  onDispose(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  await cp(source, dir, { recursive: true });
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  expect(manifest.permissions).toContain('unlimitedStorage');
  manifest.permissions = manifest.permissions.filter((p: string) => p !== 'unlimitedStorage');
  await writeFile(file, JSON.stringify(manifest));
  return dir;
}

describe('Firefox storage.local quota', () => {
  const history = bigHistory();
  /** The limit measured with unlimitedStorage (Firefox's global limit), for the comparison without it. */
  let persistentLimit = Number.NaN;

  it('with unlimitedStorage: persistent storage, and a history past 10 MB stores and reads back', async () => {
    expect(history.imageBytes).toBeGreaterThan(10 * MB);
    // Nothing may sync the big history anywhere: port 9 (discard) has no listener on loopback.
    const firefox = await startFirefox({ companionUrl: 'http://127.0.0.1:9' });
    const before = await storageState(firefox);
    expect(before).toMatchObject({ origin: `${firefox.origin}^userContextId=4294967295`, persisted: true });
    expect(before.persistentPermission).toBe(true);

    await importAndReadBack(firefox, history.text);
    const after = await storageState(firefox);
    expect(after.usage).toBeGreaterThan(10 * MB);
    expect(after.persisted).toBe(true);
    persistentLimit = after.limit;
  }, 90_000);

  it('without it: the same history still fits, but as best-effort storage Firefox may evict', async () => {
    const firefox = await startFirefox({
      extensionDir: await buildWithoutUnlimitedStorage(),
      companionUrl: 'http://127.0.0.1:9',
    });
    const before = await storageState(firefox);
    expect(before).toMatchObject({ persisted: false, persistentPermission: false });

    await importAndReadBack(firefox, history.text);
    const after = await storageState(firefox);
    expect(after.usage).toBeGreaterThan(10 * MB);
    expect(after.persisted).toBe(false);
    // Best-effort storage answers to the group limit, a part of the global one persistent storage has.
    expect(after.limit).toBeLessThan(persistentLimit);
  }, 90_000);
});
