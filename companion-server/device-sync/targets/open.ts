import { openFolderTarget } from './folder';
import { openS3Target, type S3Credentials } from './s3';
import type { RemoteSpec } from './sync-url';
import type { SyncTarget } from './types';
import { openWebDavTarget, type WebDavCredentials } from './webdav';

export interface SyncCredentials {
  webdav: WebDavCredentials | null;
  s3: S3Credentials | null;
}

/** The target `--sync-dir` or `--sync-url` names. Opening makes no request: a target that is down is retried. */
export async function openSyncTarget(options: {
  syncDir?: string | null;
  remote?: RemoteSpec | null;
  deviceId: string;
  credentials?: SyncCredentials;
  log: (line: string) => void;
}): Promise<SyncTarget> {
  const { remote, deviceId, log } = options;
  if (options.syncDir) return openFolderTarget(options.syncDir, deviceId);
  if (!remote) throw new Error('Device sync needs --sync-dir or --sync-url');
  if (remote.kind === 'webdav')
    return openWebDavTarget({ spec: remote, deviceId, credentials: options.credentials?.webdav ?? null, log });
  const missing = missingCredentials(remote, options.credentials);
  if (missing || !options.credentials?.s3) throw new Error(missing ?? 'no S3 credentials');
  return openS3Target({ spec: remote, deviceId, credentials: options.credentials.s3 });
}

/** Why a target cannot be opened with these credentials (S3 always signs; WebDAV may be open), or null. */
export function missingCredentials(remote: RemoteSpec, credentials: SyncCredentials | undefined): string | null {
  if (remote.kind !== 's3' || credentials?.s3) return null;
  return (
    `${remote.display} needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put them in the ` +
    '0600 file sync-credentials.json in the config folder'
  );
}
