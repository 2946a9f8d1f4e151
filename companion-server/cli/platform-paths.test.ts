import { describe, expect, it } from 'vitest';
import { platformPaths } from './platform-paths';

describe('platformPaths', () => {
  it('uses XDG on Linux, ignoring a relative XDG variable as the spec says', () => {
    expect(platformPaths({ platform: 'linux', env: {}, home: '/home/ann' })).toEqual({
      data: '/home/ann/.local/share/pixellab-companion',
      config: '/home/ann/.config/pixellab-companion',
      program: '/home/ann/.local/lib/pixellab-companion',
      logFile: null,
    });
    const env = { XDG_DATA_HOME: '/xdg/data', XDG_CONFIG_HOME: 'relative/config' };
    expect(platformPaths({ platform: 'linux', env, home: '/home/ann' })).toMatchObject({
      data: '/xdg/data/pixellab-companion',
      config: '/home/ann/.config/pixellab-companion',
    });
  });

  it('uses Library on macOS, with the key apart from the data', () => {
    expect(platformPaths({ platform: 'darwin', env: {}, home: '/Users/ann' })).toEqual({
      data: '/Users/ann/Library/Application Support/pixellab-companion',
      config: '/Users/ann/Library/Preferences/pixellab-companion',
      program: '/Users/ann/Library/Application Support/pixellab-companion-service',
      logFile: '/Users/ann/Library/Logs/pixellab-companion/companion.log',
    });
  });

  it('uses AppData on Windows, falling back to the profile when the variables are missing', () => {
    const env = { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming', LOCALAPPDATA: 'D:\\Local' };
    expect(platformPaths({ platform: 'win32', env, home: 'C:\\Users\\ann' })).toEqual({
      data: 'C:\\Users\\ann\\AppData\\Roaming\\pixellab-companion\\data',
      config: 'C:\\Users\\ann\\AppData\\Roaming\\pixellab-companion\\config',
      program: 'D:\\Local\\pixellab-companion\\service',
      logFile: 'D:\\Local\\pixellab-companion\\logs\\companion.log',
    });
    expect(platformPaths({ platform: 'win32', env: {}, home: 'C:\\Users\\ann' }).data).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\pixellab-companion\\data',
    );
  });
});
