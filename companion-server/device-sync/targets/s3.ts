import { AwsClient } from 'aws4fetch';
import { XMLParser } from 'fast-xml-parser';
import { deviceIdSchema } from '../../../utils/domain/device';
import { boundedGet, httpError, MAX_LISTING_BYTES, networkError, readBody, sizeState, timeoutFor } from './http';
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
 * An S3-compatible bucket as the sync target (issue 22): AWS S3, Cloudflare R2, Backblaze B2, MinIO, Garage.
 * Requests are signed with SigV4 by aws4fetch (a maintained 2 kB signer on fetch; the AWS SDK's S3 client would
 * add megabytes for the same six calls). A PUT is atomic in S3, so files go straight to their names. An image is
 * put with `If-None-Match: *` (S3, R2 and MinIO refuse to replace an object that way) after a HEAD, for stores
 * that ignore the header: a content-addressed image replaced by the same bytes is still the same image.
 */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Spec {
  bucket: string;
  /** Key prefix without slashes at either end; '' for the bucket's root. */
  prefix: string;
  /** http(s)://host[:port] (path-style requests), or null for AWS (virtual-hosted). */
  endpoint: string | null;
  region: string;
  display: string;
}

/** ListObjectsV2 pages read for one listing at most (1000 keys a page). */
const MAX_PAGES = 1000;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'Contents' || name === 'CommonPrefixes',
});

interface Listed {
  files: { key: string; size: number; mtimeMs: number }[];
  folders: string[];
}

export function openS3Target(options: { spec: S3Spec; deviceId: string; credentials: S3Credentials }): SyncTarget {
  const { spec, deviceId } = options;
  const client = new AwsClient({ ...options.credentials, service: 's3', region: spec.region, retries: 1 });
  // Path-style on a given endpoint (MinIO and most others need it); virtual-hosted on AWS, where dotted bucket
  // names would not match the TLS certificate, so those stay path-style.
  const bucketUrl = spec.endpoint
    ? `${spec.endpoint}/${spec.bucket}/`
    : spec.bucket.includes('.')
      ? `https://s3.${spec.region}.amazonaws.com/${spec.bucket}/`
      : `https://${spec.bucket}.s3.${spec.region}.amazonaws.com/`;
  const root = spec.prefix ? `${spec.prefix}/` : '';
  const own = `${root}devices/${deviceId}/`;
  const keyUrl = (key: string) => bucketUrl + key.split('/').map(encodeURIComponent).join('/');

  async function send(
    method: string,
    url: string,
    what: string,
    init: { headers?: Record<string, string>; body?: Uint8Array } = {},
  ) {
    try {
      return await client.fetch(url, {
        method,
        headers: init.headers,
        body: init.body as BodyInit | undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutFor(method)),
      });
    } catch (error) {
      throw networkError(error, what, timeoutFor(method));
    }
  }

  async function expect(method: string, key: string, ok: number[], init?: Parameters<typeof send>[3]) {
    const what = `S3 ${method} ${spec.display} ${key}`;
    const response = await send(method, keyUrl(key), what, init);
    if (!ok.includes(response.status)) throw await httpError(response, what);
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }

  /** Every key under `prefix` (and, with a delimiter, the folders right below it), page after page. */
  async function listAll(prefix: string, delimiter: boolean): Promise<Listed> {
    const out: Listed = { files: [], folders: [] };
    let token: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ 'list-type': '2', prefix, 'max-keys': '1000' });
      if (delimiter) query.set('delimiter', '/');
      if (token) query.set('continuation-token', token);
      const what = `S3 list ${spec.display} ${prefix}`;
      const response = await send('GET', `${bucketUrl}?${query}`, what);
      if (!response.ok) throw await httpError(response, what);
      const body = await readBody(response, MAX_LISTING_BYTES);
      if (body === 'too big') throw new Error(`${what}: a listing page is larger than ${MAX_LISTING_BYTES} bytes`);
      const result = parsePage(Buffer.from(body).toString('utf8'), what);
      for (const item of result.Contents ?? []) {
        const key = typeof item?.Key === 'string' ? item.Key : null;
        if (!key?.startsWith(prefix)) continue;
        const size = Number(item.Size);
        const mtimeMs = Date.parse(String(item.LastModified ?? ''));
        out.files.push({
          key,
          size: Number.isFinite(size) ? Math.max(size, 0) : 0,
          mtimeMs: Number.isFinite(mtimeMs) ? mtimeMs : 0,
        });
      }
      for (const item of result.CommonPrefixes ?? [])
        if (typeof item?.Prefix === 'string' && item.Prefix.startsWith(prefix)) out.folders.push(item.Prefix);
      if (String(result.IsTruncated) !== 'true') return out;
      token = typeof result.NextContinuationToken === 'string' ? result.NextContinuationToken : null;
      if (!token) throw new Error(`${what}: a truncated listing without a continuation token`);
    }
    throw new Error(`S3 list ${spec.display} ${prefix}: more than ${MAX_PAGES * 1000} keys`);
  }

  const imageKey = (hash: string) => `${root}images/${hash}.png`;
  /**
   * Whether an image is there, and whole: given the size, an object of another size is an upload cut short. Real
   * S3 never keeps one (it checks Content-Length); some S3-compatible stores do (s3rver kept half a PUT).
   */
  async function imageState(hash: string, size?: number): Promise<'absent' | 'whole' | 'cut'> {
    if (!IMAGE_HASH.test(hash)) return 'absent';
    const what = `S3 HEAD ${spec.display} ${imageKey(hash)}`;
    const response = await send('HEAD', keyUrl(imageKey(hash)), what);
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404) return 'absent';
    if (response.status !== 200) throw await httpError(response, what);
    return sizeState(response, size);
  }
  const hasImage = async (hash: string, size?: number) => (await imageState(hash, size)) === 'whole';

  async function get(key: string, max: number) {
    const what = `S3 GET ${spec.display} ${key}`;
    return boundedGet(await send('GET', keyUrl(key), what), max, what);
  }

  return {
    describe: () => spec.display,
    async writeOwn(name, bytes) {
      checkOwnName(name);
      await expect('PUT', `${own}${name}`, [200], {
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' },
      });
    },
    async deleteOwn(name) {
      checkOwnName(name);
      await expect('DELETE', `${own}${name}`, [200, 204, 404]);
    },
    async devices() {
      const { folders } = await listAll(`${root}devices/`, true);
      return folders
        .map((folder) => folder.slice(`${root}devices/`.length, -1))
        .filter((id) => id !== deviceId && deviceIdSchema.safeParse(id).success);
    },
    async listEverything() {
      // One recursive listing (1,000 keys a page) instead of one for the devices and one per device.
      const prefix = `${root}devices/`;
      const out = new Map<string, TargetFile[]>();
      for (const { key, size, mtimeMs } of (await listAll(prefix, false)).files) {
        const [device, name, ...rest] = key.slice(prefix.length).split('/');
        if (!device || !name || rest.length > 0 || name.startsWith('.')) continue;
        if (!deviceIdSchema.safeParse(device).success) continue;
        const files = out.get(device) ?? [];
        files.push({ name, size, mtimeMs });
        out.set(device, files);
      }
      for (const files of out.values()) files.sort(byName);
      return out;
    },
    async list(device) {
      if (!deviceIdSchema.safeParse(device).success) return [];
      const prefix = `${root}devices/${device}/`;
      const { files } = await listAll(prefix, true);
      return files
        .map(({ key, size, mtimeMs }): TargetFile => ({ name: key.slice(prefix.length), size, mtimeMs }))
        .filter((file) => file.name !== '' && !file.name.startsWith('.'))
        .sort(byName);
    },
    read(device, name, max) {
      if (!deviceIdSchema.safeParse(device).success || name.startsWith('.') || /[/\\]/.test(name))
        return Promise.resolve(null);
      return get(`${root}devices/${device}/${name}`, max);
    },
    hasImage,
    async putImage(hash, bytes) {
      checkImageHash(hash);
      // A HEAD even right after the publisher's: not every S3-compatible store honours If-None-Match (s3rver
      // overwrites), and an image already there whole must stay as it is.
      const state = await imageState(hash, bytes.length);
      if (state === 'whole') return;
      // 412: another device put it in between; 409: a put of it is under way. A cut one is replaced: the name is
      // the content's, so every whole copy of it is these bytes.
      await expect('PUT', imageKey(hash), state === 'cut' ? [200] : [200, 409, 412], {
        body: bytes,
        headers: { 'content-type': 'image/png', ...(state === 'cut' ? {} : { 'if-none-match': '*' }) },
      });
    },
    readImage: (hash, max) => (IMAGE_HASH.test(hash) ? get(imageKey(hash), max) : Promise.resolve(null)),
    async deleteImage(hash) {
      checkImageHash(hash);
      await expect('DELETE', imageKey(hash), [200, 204, 404]);
    },
    readShared: (name, max) => (SHARED_NAMES.includes(name) ? get(`${root}${name}`, max) : Promise.resolve(null)),
    async putSharedOnce(name, bytes) {
      checkSharedName(name);
      const key = `${root}${name}`;
      if ((await expect('HEAD', key, [200, 404])) === 200) return false;
      const status = await expect('PUT', key, [200, 409, 412], {
        body: bytes,
        headers: { 'content-type': 'application/octet-stream', 'if-none-match': '*' },
      });
      if (status !== 200) return false;
      // A store that ignores If-None-Match may have taken another device's put after this one: read it back.
      const held = await get(key, bytes.length);
      return held instanceof Uint8Array && Buffer.from(held).equals(Buffer.from(bytes));
    },
    async listImages() {
      const prefix = `${root}images/`;
      const out: TargetImage[] = [];
      for (const file of (await listAll(prefix, false)).files) {
        const name = file.key.slice(prefix.length);
        const hash = name.slice(0, -'.png'.length);
        if (name.endsWith('.png') && IMAGE_HASH.test(hash)) out.push({ hash, size: file.size, mtimeMs: file.mtimeMs });
      }
      return out;
    },
  };
}

interface Page {
  Contents?: { Key?: unknown; Size?: unknown; LastModified?: unknown }[];
  CommonPrefixes?: { Prefix?: unknown }[];
  IsTruncated?: unknown;
  NextContinuationToken?: unknown;
}

function parsePage(xml: string, what: string): Page {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    throw new Error(`${what}: the listing is not valid XML`);
  }
  const result = (doc as { ListBucketResult?: Page })?.ListBucketResult;
  if (!result || typeof result !== 'object') throw new Error(`${what}: the answer is not an S3 listing`);
  return result;
}
