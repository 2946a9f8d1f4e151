import envPaths from 'env-paths';
import { COMPANION_PACKAGE } from '../../utils/domain';

/**
 * The platform's config folder for the companion, where secrets live (never the data dir, which users put in
 * synced folders): `$XDG_CONFIG_HOME/pixellab-companion` (else ~/.config/...) on Linux,
 * ~/Library/Preferences/pixellab-companion on macOS, %APPDATA%\pixellab-companion\Config on Windows.
 * env-paths' choice, which keeps config apart from the data folder on every platform (macOS's Application
 * Support holds the data).
 */
export function companionConfigDir(): string {
  return envPaths(COMPANION_PACKAGE, { suffix: '' }).config;
}
