import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { deviceIdSchema } from '../../../utils/domain/device';
import {
  boundedGet,
  httpError,
  MAX_LISTING_BYTES,
  networkError,
  readBody,
  sizeState,
  TargetHttpError,
  timeoutFor,
} from './http';
import {
  byName,
  checkImageHash,
  checkOwnName,
  checkSharedName,
  IMAGE_HASH,
  SHARED_NAMES,
  type SyncTarget,
  type TargetFile,
  type TargetImage,
} from './types';

/**
 * A WebDAV folder as the sync target (issue 22): Nextcloud, ownCloud, Apache mod_dav, rclone serve webdav. A small
 * client on fetch (PROPFIND depth 1, GET, PUT, MOVE, DELETE, MKCOL): the WebDAV libraries on npm bring a
 * browser-and-Node bundle several times this size for the same six requests. Files and images are written to a
 * temp name, then moved into place: a reader sees a whole file or none. An image is moved with `Overwrite: F`,
 * which every WebDAV server honours (RFC 4918), so it is written once and never replaced, with no HEAD race.
 */
export interface WebDavCredentials {
  user: string;
  password: string;
}

export interface WebDavSpec {
  /** http(s)://host/path/ (with the trailing slash). */
  base: string;
  display: string;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'response' || name === 'propstat',
});

const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>' +
  '<d:resourcetype/><d:getcontentlength/><d:getlastmodified/></d:prop></d:propfind>';

interface Entry {
  name: string;
  folder: boolean;
  size: number;
  mtimeMs: number;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export function openWebDavTarget(options: {
  spec: WebDavSpec;
  deviceId: string;
  credentials: WebDavCredentials | null;
  log: (line: string) => void;
}): SyncTarget {
  const { spec, deviceId } = options;
  const base = new URL(spec.base);
  if (base.protocol === 'http:' && options.credentials && !LOOPBACK.test(base.hostname))
    options.log(
      `Device sync: ${spec.display} is plain http: the password crosses the network readable; use webdavs://`,
    );
  const auth: Record<string, string> = options.credentials
    ? {
        authorization: `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`,
      }
    : {};
  const own = `devices/${deviceId}/`;
  const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

  async function request(
    method: string,
    rel: string,
    init: { headers?: Record<string, string>; body?: Uint8Array | string } = {},
  ) {
    const url = new URL(rel, base);
    // Named from the URL as given (webdav://...), a folder above it by its path on the server.
    const where = url.pathname.startsWith(base.pathname)
      ? `${spec.display}${url.pathname.slice(base.pathname.length)}`
      : url.pathname;
    const what = `WebDAV ${method} ${where}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...auth, ...init.headers },
        body: init.body as BodyInit | undefined,
        // A redirect could carry the password elsewhere: the URL to use is reported instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutFor(method)),
      });
    } catch (error) {
      throw networkError(error, what, timeoutFor(method));
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new TargetHttpError(response.status, `${what}: the server redirects; give --sync-url its final address`);
    }
    return { response, what };
  }

  async function expect(method: string, rel: string, ok: number[], init?: Parameters<typeof request>[2]) {
    const { response, what } = await request(method, rel, init);
    if (!ok.includes(response.status)) throw await httpError(response, what);
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }

  /** The entries of a collection (not itself); an empty list when it is not there. Deep: every level below. */
  async function propfind(rel: string, deep = false): Promise<Entry[]> {
    const { response, what } = await request('PROPFIND', rel, {
      headers: { depth: deep ? 'infinity' : '1', 'content-type': 'application/xml; charset=utf-8' },
      body: PROPFIND_BODY,
    });
    // A server that will not list a whole tree (Apache's default DavDepthInfinity Off) says so with 403.
    if (deep && response.status === 403) {
      await response.body?.cancel().catch(() => undefined);
      throw new DepthRefused();
    }
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      return [];
    }
    if (response.status !== 207) throw await httpError(response, what);
    const body = await readBody(response, MAX_LISTING_BYTES);
    if (body === 'too big') throw new Error(`${what}: the listing is larger than ${MAX_LISTING_BYTES} bytes`);
    return entriesOf(Buffer.from(body).toString('utf8'), new URL(rel, base).pathname, what, deep);
  }

  /** Depth: infinity answered as a whole tree: true, false once the server refused it, null while unknown. */
  let deepListing: boolean | null = null;
  /** Answers that looked like depth 1 in a row (Sabre, Nextcloud's server, may answer infinity that way). */
  let shallowAnswers = 0;

  /** Makes a folder; when its parent is missing too (409), the parents first, up to the server's root. */
  async function mkcol(url: URL, depth = 0): Promise<void> {
    if ((await expect('MKCOL', url.href, [201, 405, 301, 409])) !== 409) return;
    const parent = new URL('..', url);
    if (depth > 20 || parent.pathname === url.pathname)
      throw new Error(`${spec.display}: its folder could not be made; make it on the server first`);
    await mkcol(parent, depth + 1);
    await expect('MKCOL', url.href, [201, 405, 301]);
  }

  /** PUT to a temp name of this device, then MOVE into place; the temp file is removed when the move fails. */
  async function putThenMove(bytes: Uint8Array, name: string, dest: string, overwrite: boolean): Promise<boolean> {
    const temp = `${own}${path(`.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)}`;
    await expect('PUT', temp, [200, 201, 204], {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    try {
      const status = await expect('MOVE', temp, [201, 204, 412], {
        headers: { destination: new URL(dest, base).href, overwrite: overwrite ? 'T' : 'F' },
      });
      if (status !== 412) return true;
    } catch (error) {
      await expect('DELETE', temp, [200, 204, 404]).catch(() => undefined);
      throw error;
    }
    await expect('DELETE', temp, [200, 204, 404]).catch(() => undefined);
    return false;
  }

  /** The folders this device writes (one that exists answers 405), and temp files a crash left: once, lazily. */
  let ready: Promise<void> | null = null;
  const ensureFolders = () => {
    ready ??= (async () => {
      for (const folder of ['', 'devices/', own, 'images/']) await mkcol(new URL(folder, base));
      for (const entry of await propfind(own))
        if (entry.name.startsWith('.') && entry.name.includes('.tmp-'))
          await expect('DELETE', `${own}${path(entry.name)}`, [200, 204, 404]).catch(() => undefined);
    })().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };

  const fileOf = (device: string, name: string) => `devices/${path(device, name)}`;
  const imageOf = (hash: string) => `images/${hash}.png`;
  /** Whether an image is there, and whole: given the size, a file of another size is an upload cut short. */
  async function imageState(hash: string, size?: number): Promise<'absent' | 'whole' | 'cut'> {
    if (!IMAGE_HASH.test(hash)) return 'absent';
    const { response, what } = await request('HEAD', imageOf(hash));
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404) return 'absent';
    if (response.status !== 200) throw await httpError(response, what);
    return sizeState(response, size);
  }
  const hasImage = async (hash: string, size?: number) => (await imageState(hash, size)) === 'whole';

  return {
    describe: () => spec.display,
    async writeOwn(name, bytes) {
      checkOwnName(name);
      await ensureFolders();
      await putThenMove(bytes, name, `${own}${path(name)}`, true);
    },
    async deleteOwn(name) {
      checkOwnName(name);
      await expect('DELETE', `${own}${path(name)}`, [200, 204, 404]);
    },
    async devices() {
      const entries = await propfind('devices/');
      return entries
        .filter((e) => e.folder && e.name !== deviceId && deviceIdSchema.safeParse(e.name).success)
        .map((e) => e.name);
    },
    async listEverything() {
      if (deepListing === false) return null;
      let entries: Entry[];
      try {
        entries = await propfind('devices/', true);
      } catch (error) {
        if (!(error instanceof DepthRefused)) throw error;
        deepListing = false;
        return null;
      }
      const out = new Map<string, TargetFile[]>();
      let below = 0;
      for (const entry of entries) {
        const [device, name, ...rest] = entry.name.split('/');
        if (!device || rest.length > 0 || !deviceIdSchema.safeParse(device).success) continue;
        if (name === undefined) {
          if (entry.folder && !out.has(device)) out.set(device, []);
          continue;
        }
        below++;
        if (entry.folder || name.startsWith('.')) continue;
        const files = out.get(device) ?? [];
        files.push({ name, size: entry.size, mtimeMs: entry.mtimeMs });
        out.set(device, files);
      }
      // Device folders and nothing in any of them: most likely a server answering infinity as depth 1. Listed
      // one by one this pass; after three such answers in a row, for the rest of the run.
      if (out.size > 0 && below === 0) {
        if (++shallowAnswers >= 3) deepListing = false;
        return null;
      }
      shallowAnswers = 0;
      deepListing = true;
      for (const files of out.values()) files.sort(byName);
      return out;
    },
    async list(device) {
      if (!deviceIdSchema.safeParse(device).success) return [];
      const entries = await propfind(`devices/${device}/`);
      return entries
        .filter((e) => !e.folder && !e.name.startsWith('.'))
        .map(({ name, size, mtimeMs }): TargetFile => ({ name, size, mtimeMs }))
        .sort(byName);
    },
    async read(device, name, max) {
      if (!deviceIdSchema.safeParse(device).success || name.startsWith('.') || /[/\\]/.test(name)) return null;
      const { response, what } = await request('GET', fileOf(device, name));
      return boundedGet(response, max, what);
    },
    hasImage,
    async putImage(hash, bytes) {
      checkImageHash(hash);
      // The publisher asked hasImage just before: the upload goes at once, and a MOVE never overwrites a whole one.
      await ensureFolders();
      if (await putThenMove(bytes, `${hash}.png`, imageOf(hash), false)) return;
      // One was there: an upload cut short is replaced (the name is the content's: every whole copy is these bytes).
      if ((await imageState(hash, bytes.length)) === 'cut')
        await putThenMove(bytes, `${hash}.png`, imageOf(hash), true);
    },
    async readImage(hash, max) {
      if (!IMAGE_HASH.test(hash)) return null;
      const { response, what } = await request('GET', imageOf(hash));
      return boundedGet(response, max, what);
    },
    async deleteImage(hash) {
      checkImageHash(hash);
      await expect('DELETE', imageOf(hash), [200, 204, 404]);
    },
    async readShared(name, max) {
      if (!SHARED_NAMES.includes(name)) return null;
      const { response, what } = await request('GET', name);
      return boundedGet(response, max, what);
    },
    async putSharedOnce(name, bytes) {
      checkSharedName(name);
      await ensureFolders();
      return putThenMove(bytes, name, name, false);
    },
    async listImages() {
      const out: TargetImage[] = [];
      for (const entry of await propfind('images/')) {
        const hash = entry.name.slice(0, -'.png'.length);
        if (!entry.folder && entry.name.endsWith('.png') && IMAGE_HASH.test(hash))
          out.push({ hash, size: entry.size, mtimeMs: entry.mtimeMs });
      }
      return out;
    },
  };
}

/** The server refused a Depth: infinity PROPFIND: list device by device instead. */
class DepthRefused extends Error {}

/** A PROPFIND multistatus to the entries below `self` (its own entry left out). Untrusted: every field checked. */
export function entriesOf(xml: string, self: string, what: string, deep = false): Entry[] {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    throw new Error(`${what}: the listing is not valid XML`);
  }
  const responses = (doc as { multistatus?: { response?: unknown[] } })?.multistatus?.response;
  if (!Array.isArray(responses)) throw new Error(`${what}: the answer is not a WebDAV listing`);
  const selfPath = trimSlash(safeDecode(self) ?? self);
  const out: Entry[] = [];
  for (const response of responses as Record<string, unknown>[]) {
    const href = typeof response?.href === 'string' ? response.href.trim() : null;
    const decoded = href === null ? null : safeDecode(href.startsWith('http') ? new URL(href).pathname : href);
    if (decoded === null) continue;
    const entryPath = trimSlash(decoded);
    if (entryPath === selfPath) continue;
    // Deep (a Depth: infinity listing): the path below `self`, `device/file`; else the last segment.
    if (deep && !entryPath.startsWith(`${selfPath}/`)) continue;
    const name = deep ? entryPath.slice(selfPath.length + 1) : entryPath.slice(entryPath.lastIndexOf('/') + 1);
    if (!name || name.length > 400) continue;
    const ok = (response.propstat as Record<string, unknown>[] | undefined)?.find((p) =>
      / 200 /.test(`${p?.status ?? ''} `),
    );
    const prop = (ok?.prop ?? {}) as Record<string, unknown>;
    const type = prop.resourcetype;
    const folder = typeof type === 'object' && type !== null && 'collection' in type;
    const size = Number(prop.getcontentlength ?? 0);
    const mtimeMs = Date.parse(String(prop.getlastmodified ?? ''));
    out.push({
      name,
      folder,
      size: Number.isFinite(size) && size >= 0 ? size : 0,
      mtimeMs: Number.isFinite(mtimeMs) ? mtimeMs : 0,
    });
  }
  return out;
}

const trimSlash = (path: string) => path.replace(/\/+$/, '');

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
