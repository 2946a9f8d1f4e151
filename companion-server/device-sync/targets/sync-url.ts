/**
 * `--sync-url` (issue 22): `webdav://host/path` (http), `webdavs://host/path` (https), or `s3://bucket/prefix`
 * with the endpoint and region from their own flags. Credentials never come from the URL (it shows in `ps`, in
 * shell history and in logs): one there is refused, and no message quotes the URL as given.
 */
export type RemoteSpec =
  | { kind: 'webdav'; base: string; display: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint: string | null; region: string; display: string };

export class SyncUrlError extends Error {}

const CREDENTIAL_REFUSED =
  'holds a user name or password: credentials never go in the URL (ps and logs show it). Take them out, and set ' +
  'COMPANION_SYNC_USER and COMPANION_SYNC_PASSWORD (WebDAV), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (S3), ' +
  'or put them in the 0600 file sync-credentials.json in the config folder';

/** S3's bucket naming rules (lower case, 3 to 63 characters, no dots next to dashes). */
const BUCKET = /^(?!.*\.\.)(?!.*\.-)(?!.*-\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,40}$/;

export function parseSyncUrl(given: string, s3: { endpoint?: string | null; region?: string | null } = {}): RemoteSpec {
  const text = given.trim();
  const scheme = /^([a-z0-9]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme || !['webdav', 'webdavs', 's3'].includes(scheme))
    throw new SyncUrlError('--sync-url must start with webdav://, webdavs:// or s3:// (a folder goes in --sync-dir)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SyncUrlError('--sync-url is not a valid URL');
  }
  if (url.username || url.password) throw new SyncUrlError(`--sync-url ${CREDENTIAL_REFUSED}`);
  if (url.search || url.hash) throw new SyncUrlError('--sync-url takes no ?query or #fragment');
  if (scheme === 's3') return s3Spec(url, s3);
  if (!url.hostname) throw new SyncUrlError('--sync-url names no host');
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const http = scheme === 'webdavs' ? 'https' : 'http';
  const base = `${http}://${url.host}${path}`;
  return { kind: 'webdav', base, display: `${scheme}://${url.host}${path}` };
}

function s3Spec(url: URL, s3: { endpoint?: string | null; region?: string | null }): RemoteSpec {
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || url.port)
    throw new SyncUrlError('--sync-url s3://BUCKET/prefix: the bucket name is not a valid S3 bucket name');
  const prefix = decodeURIComponent(url.pathname)
    .split('/')
    .filter((part) => part !== '')
    .join('/');
  if (prefix.split('/').some((part) => part === '.' || part === '..'))
    throw new SyncUrlError('--sync-url: the S3 prefix cannot hold . or .. parts');
  const region = (s3.region ?? '').trim() || 'us-east-1';
  if (!REGION.test(region)) throw new SyncUrlError('--sync-s3-region must be a region name such as eu-west-1 or auto');
  let endpoint: string | null = null;
  if (s3.endpoint?.trim()) {
    let parsed: URL;
    try {
      parsed = new URL(s3.endpoint.trim());
    } catch {
      throw new SyncUrlError('--sync-s3-endpoint is not a valid URL (for example https://s3.example.com)');
    }
    if (parsed.username || parsed.password) throw new SyncUrlError(`--sync-s3-endpoint ${CREDENTIAL_REFUSED}`);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new SyncUrlError('--sync-s3-endpoint must be an http:// or https:// URL');
    if (parsed.search || parsed.hash || parsed.pathname !== '/')
      throw new SyncUrlError('--sync-s3-endpoint takes the server only (no path, query or fragment)');
    endpoint = parsed.origin;
  }
  const where = endpoint ? ` at ${endpoint}` : ` in ${region}`;
  return { kind: 's3', bucket, prefix, endpoint, region, display: `s3://${bucket}/${prefix}${where}` };
}
