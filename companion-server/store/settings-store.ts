import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { tierSchema } from '../../utils/domain';
import { type FsSeam, nodeFs } from './fs-seam';
import { errorCode, fsFailure } from './store-error';

/**
 * The companion's own settings that must outlast a restart (`companion-settings.json` in the data dir): for now the
 * user's PixelLab plan, as they set it or as PixelLab's refusals taught it. Written atomically (temp file, fsync,
 * rename, directory fsync), then copied the same way to `.backup`; an unreadable file is moved aside, never deleted,
 * and the backup (or else the defaults) applies.
 */
export const SETTINGS_FILE_NAME = 'companion-settings.json';

export const companionSettingsSchema = z.looseObject({
  version: z.literal(1),
  pixellab: z
    .object({
      tier: tierSchema.nullable().default(null),
      /** 'user': set in the panel; 'learned': read from a PixelLab refusal. */
      tierSource: z.enum(['user', 'learned']).nullable().default(null),
    })
    .default({ tier: null, tierSource: null }),
});
export type CompanionSettings = z.infer<typeof companionSettingsSchema>;
export const defaultCompanionSettings = (): CompanionSettings => companionSettingsSchema.parse({ version: 1 });

export interface SettingsStore {
  read(): CompanionSettings;
  /** Saves the settings; resolves once they are durable (rejects, keeping the old ones, when the disk refuses). */
  write(next: CompanionSettings): Promise<void>;
}

export function createMemorySettingsStore(initial = defaultCompanionSettings()): SettingsStore {
  let current = initial;
  return {
    read: () => current,
    async write(next) {
      current = next;
    },
  };
}

let tempCounter = 0;

export async function createSettingsStore(options: {
  dataDir: string;
  fs?: FsSeam;
  log?: (line: string) => void;
}): Promise<SettingsStore> {
  const fs = options.fs ?? nodeFs;
  const log = options.log ?? ((line: string) => console.warn(line));
  const file = join(resolve(options.dataDir), SETTINGS_FILE_NAME);
  const backup = `${file}.backup`;
  // Temp files a crash left mid-write: their names are never reused, so they only take space.
  for (const name of await fs.readdir(dirname(file)).catch(() => [] as string[]))
    if (name.startsWith(`${SETTINGS_FILE_NAME}.tmp-`) || name.startsWith(`${SETTINGS_FILE_NAME}.backup.tmp-`))
      await fs.unlink(join(dirname(file), name)).catch(() => undefined);
  let current = (await load(fs, file, log)) ?? (await load(fs, backup, log)) ?? defaultCompanionSettings();
  let writing: Promise<void> = Promise.resolve();
  return {
    read: () => current,
    write(next) {
      const both = async () => {
        await writeAtomically(fs, file, next);
        // The main file holds the new settings now; a failed backup only weakens the next recovery.
        await writeAtomically(fs, backup, next).catch((e: unknown) => log(String((e as Error).message)));
      };
      const run = writing.catch(() => undefined).then(both);
      writing = run;
      return run.then(() => {
        current = next;
      });
    },
  };
}

/** The settings in `file`, or null when it is missing or unreadable (then moved aside). */
async function load(fs: FsSeam, file: string, log: (line: string) => void): Promise<CompanionSettings | null> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw fsFailure(`Could not read ${basename(file)}`, error);
  }
  try {
    return companionSettingsSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    const aside = `${file}.corrupt-${Date.now()}`;
    await fs.rename(file, aside).catch(() => undefined);
    log(`${basename(file)} could not be read (${(error as Error).message}); moved it to ${basename(aside)}`);
    return null;
  }
}

async function writeAtomically(fs: FsSeam, file: string, settings: CompanionSettings): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${++tempCounter}`;
  const bytes = new TextEncoder().encode(`${JSON.stringify(settings, null, 2)}\n`);
  try {
    await fs.mkdir(dirname(file));
    const handle = await fs.open(tmp, 'w');
    try {
      await fs.write(handle, bytes);
      await fs.fsync(handle);
    } finally {
      await fs.close(handle).catch(() => undefined);
    }
    await fs.rename(tmp, file);
    await fs.fsyncDir(dirname(file));
  } catch (error) {
    await fs.unlink(tmp).catch(() => undefined);
    throw fsFailure(`Could not save ${basename(file)}`, error);
  }
}
