import path from 'node:path';
import { COMPANION_PACKAGE_NAME } from '../../utils/domain';

/** The machine as the paths depend on it; passed in, so every platform's paths are testable anywhere. */
export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

export interface PlatformPaths {
  /** The default data dir (job_history.json, images/). Users may put it in a synced folder. */
  data: string;
  /** Settings and secrets, never inside the data dir: the key file, the service's environment file. */
  config: string;
  /** Where `service install` keeps the copy of the program the service starts (never npm's cache). */
  program: string;
  /** The service's log file, or null where the platform keeps logs itself (systemd's journal). */
  logFile: string | null;
}

const NAME = COMPANION_PACKAGE_NAME;

/**
 * The usual per-user folders: XDG on Linux (and other Unixes), Library on macOS, AppData on Windows. Written out
 * rather than taken from env-paths, which fixes the platform at import and reads the real environment, so
 * the three platforms could not be tested side by side; it also puts Windows data in LOCALAPPDATA.
 */
export function platformPaths({ platform, env, home }: PlatformEnv): PlatformPaths {
  if (platform === 'win32') {
    const p = path.win32;
    const roaming = env.APPDATA || p.join(home, 'AppData', 'Roaming');
    const local = env.LOCALAPPDATA || p.join(home, 'AppData', 'Local');
    return {
      data: p.join(roaming, NAME, 'data'),
      config: p.join(roaming, NAME, 'config'),
      program: p.join(local, NAME, 'service'),
      logFile: p.join(local, NAME, 'logs', 'companion.log'),
    };
  }
  const p = path.posix;
  if (platform === 'darwin') {
    const library = p.join(home, 'Library');
    return {
      data: p.join(library, 'Application Support', NAME),
      config: p.join(library, 'Preferences', NAME),
      program: p.join(library, 'Application Support', `${NAME}-service`),
      logFile: p.join(library, 'Logs', NAME, 'companion.log'),
    };
  }
  // The XDG spec ignores a relative value.
  const xdg = (name: string, fallback: string) => {
    const value = env[name];
    return value && p.isAbsolute(value) ? value : p.join(home, fallback);
  };
  return {
    data: p.join(xdg('XDG_DATA_HOME', '.local/share'), NAME),
    config: p.join(xdg('XDG_CONFIG_HOME', '.config'), NAME),
    // file-hierarchy(7): ~/.local/lib holds private, architecture-independent programs.
    program: p.join(home, '.local', 'lib', NAME),
    logFile: null,
  };
}
