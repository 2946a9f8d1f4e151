import type { ApiKeySource } from '../../utils/domain';
import type { KeyFile } from './key-file';

/**
 * The PixelLab key the companion uses right now. PIXELLAB_API_KEY (the environment, or the .env it loaded)
 * wins; else the key saved from the panel in the config folder. Read on every PixelLab call, so a key saved
 * from the panel works at once, with no restart.
 */
export interface ApiKeyHolder {
  current(): string | null;
  source(): ApiKeySource;
  /** Where a key set from the panel is kept. */
  readonly filePath: string;
  /** Saves a (checked) key and uses it from now on; refused while the environment's key wins. */
  save(key: string): Promise<void>;
  /** Forgets the saved key; refused while the environment's key wins. False when none was saved. */
  remove(): Promise<boolean>;
}

/** Thrown by save and remove while PIXELLAB_API_KEY is set: that key would win anyway. */
export class KeyFromEnvironmentError extends Error {
  constructor(readonly source: 'environment' | 'dotenv') {
    super(
      `The companion takes its PixelLab key from PIXELLAB_API_KEY (${source === 'dotenv' ? 'the .env file in the folder it started from, or its --env-file' : 'its environment'}), which wins over a key set here; change or remove it there, then restart the companion`,
    );
  }
}

export interface OpenApiKeyOptions {
  /** PIXELLAB_API_KEY after .env was loaded, trimmed; null when unset or blank. */
  envKey: string | null;
  /** Whether that key was in the environment before .env was read (else .env set it). */
  envSource: 'environment' | 'dotenv';
  file: KeyFile;
}

/** Reads the saved key once at start; from then on this holder is the only reader and writer of the key file. */
export async function openApiKey(options: OpenApiKeyOptions): Promise<ApiKeyHolder> {
  const { envKey, envSource, file } = options;
  let saved = await file.read();
  // Saves and removals one at a time, so the file and `saved` always agree.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step, step);
    queue = next.catch(() => undefined);
    return next;
  };
  const refuseIfEnvironment = () => {
    if (envKey !== null) throw new KeyFromEnvironmentError(envSource);
  };
  return {
    current: () => envKey ?? saved,
    source: () => (envKey !== null ? envSource : saved !== null ? 'file' : 'none'),
    filePath: file.path,
    save: (key) =>
      serial(async () => {
        refuseIfEnvironment();
        await file.write(key);
        saved = key;
      }),
    remove: () =>
      serial(async () => {
        refuseIfEnvironment();
        const had = await file.remove();
        saved = null;
        return had;
      }),
  };
}
