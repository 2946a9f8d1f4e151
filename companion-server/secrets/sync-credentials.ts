import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SyncCredentials } from '../device-sync/targets/open';
import { errorCode } from '../store/store-error';

/**
 * Credentials for a remote sync target (issue 22): from the environment, else from `sync-credentials.json` in the
 * config folder, readable by its owner only. Never from the URL or the data dir (users sync that), never printed:
 * no message here quotes a value or the file's text.
 *   {"webdav": {"user": "...", "password": "..."}, "s3": {"accessKeyId": "...", "secretAccessKey": "..."}}
 */
export const SYNC_CREDENTIALS_FILE = 'sync-credentials.json';

const text = (max: number) => z.string().min(1).max(max);
const fileSchema = z.strictObject({
  webdav: z.strictObject({ user: text(256), password: text(1024) }).optional(),
  s3: z
    .strictObject({ accessKeyId: text(256), secretAccessKey: text(1024), sessionToken: text(8192).optional() })
    .optional(),
});

export class CredentialsError extends Error {}

/** Both variables of a pair, or neither; one alone is a mistake worth stopping for. */
function pair(env: NodeJS.ProcessEnv, first: string, second: string): [string, string] | null {
  const a = env[first]?.trim() || '';
  const b = env[second] || '';
  if (!a && !b) return null;
  if (!a || !b) throw new CredentialsError(`${a ? second : first} is not set, but ${a ? first : second} is: set both`);
  return [a, b];
}

export async function readSyncCredentials(options: {
  env: NodeJS.ProcessEnv;
  configDir: string;
  platform?: NodeJS.Platform;
}): Promise<SyncCredentials> {
  const { env } = options;
  const dav = pair(env, 'COMPANION_SYNC_USER', 'COMPANION_SYNC_PASSWORD');
  const aws = pair(env, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY');
  const file = dav && aws ? {} : await readFileCredentials(options.configDir, options.platform ?? process.platform);
  return {
    webdav: dav ? { user: dav[0], password: dav[1] } : (file.webdav ?? null),
    s3: aws
      ? {
          accessKeyId: aws[0],
          secretAccessKey: aws[1],
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : (file.s3 ?? null),
  };
}

async function readFileCredentials(configDir: string, platform: NodeJS.Platform) {
  const path = join(configDir, SYNC_CREDENTIALS_FILE);
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return {};
    throw new CredentialsError(`${path} could not be read (${errorCode(error) ?? 'error'})`);
  }
  // As ssh does with a private key: a secret others can read is refused, not used.
  if (platform !== 'win32' && (mode & 0o077) !== 0)
    throw new CredentialsError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 "${path}"`,
    );
  let json: unknown = null;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    json = null;
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new CredentialsError(
      `${path} is not valid: it holds {"webdav": {"user", "password"}} and/or ` +
        `{"s3": {"accessKeyId", "secretAccessKey"}} (the problem is at ${parsed.error.issues[0]?.path.join('.') || 'the top'})`,
    );
  return parsed.data;
}
