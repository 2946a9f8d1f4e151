import { describe, expect, it } from 'vitest';
import config from '../wxt.config';

type ManifestFn = (env: {
  browser: string;
  manifestVersion: 2 | 3;
  mode: string;
  command: string;
}) => Record<string, unknown>;
const manifest = config.manifest as unknown as ManifestFn;

describe('the manifest is a function of the browser', () => {
  it('Chrome: side panel permissions, companion hosts, the pinned key', () => {
    const m = manifest({ browser: 'chrome', manifestVersion: 3, mode: 'production', command: 'build' });
    expect(m.permissions).toEqual(['storage', 'sidePanel', 'unlimitedStorage']);
    expect(m.host_permissions).toEqual(['http://127.0.0.1/*', 'http://localhost/*', 'http://[::1]/*']);
    expect(typeof m.key).toBe('string');
  });

  it('Firefox: no Chrome-only permission or key, hosts as permissions, a gecko id', () => {
    const m = manifest({ browser: 'firefox', manifestVersion: 2, mode: 'production', command: 'build' });
    expect(m.permissions).not.toContain('sidePanel');
    expect(m).not.toHaveProperty('key');
    expect(m.permissions).toEqual(expect.arrayContaining(['storage', 'unlimitedStorage', 'http://127.0.0.1/*']));
    expect(m.browser_specific_settings).toMatchObject({ gecko: { id: expect.any(String) } });
  });
});
