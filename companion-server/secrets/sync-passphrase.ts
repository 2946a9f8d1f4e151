import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** The passphrase file in the platform's config folder (cli/platform-paths.ts), beside the PixelLab key file. */
export const PASSPHRASE_FILE = 'sync-passphrase';
export const PASSPHRASE_ENV = 'COMPANION_SYNC_PASSPHRASE';
/** A passphrase is a line of text; a file past this is not one. */
const MAX_PASSPHRASE_BYTES = 1024;

export class PassphraseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PassphraseError';
  }
}

export interface Passphrase {
  passphrase: string;
  /** Where it came from, for the start line (never the passphrase itself). */
  source: string;
}

/**
 * The sync passphrase (issue 22), or null: encryption off. `COMPANION_SYNC_PASSPHRASE` first, else
 * `<config folder>/sync-passphrase`. No flag, since `ps` shows flags. A file that others may read or change is
 * refused, as ssh refuses such a key file: the passphrase is the whole secret of the target.
 */
export async function readPassphrase(options: {
  env: NodeJS.ProcessEnv;
  configDir: string;
  platform?: NodeJS.Platform;
  uid?: number | null;
}): Promise<Passphrase | null> {
  const fromEnv = options.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '')
    return { passphrase: checked(fromEnv, PASSPHRASE_ENV), source: PASSPHRASE_ENV };
  const path = join(options.configDir, PASSPHRASE_FILE);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new PassphraseError(`The sync passphrase file ${path} cannot be read (${code ?? 'error'})`);
  }
  try {
    // The opened file's own mode (fstat): a file swapped after a check by path cannot slip through.
    const info = await handle.stat();
    if (!info.isFile()) throw new PassphraseError(`The sync passphrase file ${path} is not a file`);
    if ((options.platform ?? process.platform) !== 'win32') {
      if ((info.mode & 0o077) !== 0) {
        const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
        throw new PassphraseError(
          `The sync passphrase file ${path} can be read or changed by other users (mode ${mode}): run \`chmod 600 ${path}\`, then start again`,
        );
      }
      const uid = options.uid === undefined ? (process.getuid?.() ?? null) : options.uid;
      if (uid !== null && info.uid !== uid)
        throw new PassphraseError(`The sync passphrase file ${path} belongs to another user: make it yours (chown)`);
    }
    if (info.size > MAX_PASSPHRASE_BYTES)
      throw new PassphraseError(
        `The sync passphrase file ${path} is over ${MAX_PASSPHRASE_BYTES} bytes: it holds one line`,
      );
    const text = (await handle.readFile('utf8')).replace(/\r?\n$/, '');
    return { passphrase: checked(text, path), source: path };
  } finally {
    await handle.close();
  }
}

/** Never quotes the passphrase: only says what is wrong with it. */
function checked(passphrase: string, source: string): string {
  if (passphrase.trim() === '') throw new PassphraseError(`The sync passphrase in ${source} is empty`);
  if (/[\r\n]/.test(passphrase)) throw new PassphraseError(`The sync passphrase in ${source} holds more than one line`);
  if (Buffer.byteLength(passphrase) > MAX_PASSPHRASE_BYTES)
    throw new PassphraseError(`The sync passphrase in ${source} is over ${MAX_PASSPHRASE_BYTES} bytes`);
  return passphrase;
}
