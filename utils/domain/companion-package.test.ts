import { describe, expect, it } from 'vitest';
import {
  COMPANION_API_VERSION,
  COMPANION_PACKAGE_NAME,
  COMPANION_START_COMMAND,
  COMPANION_UPDATE_COMMAND,
  companionNeedsUpdate,
} from './companion-package';
import { healthResponseSchema } from './sync';

/** /health as a companion built before `version` was in the schema answered it. */
const OLD_HEALTH = {
  status: 'ok',
  app: 'pixellab-companion',
  apiVersion: 1,
  serverId: 's',
  server_time: '2025-01-01T00:00:00.000Z',
  uptime_seconds: 1,
  api_key_detected: true,
  balance: { status: 'unknown' },
  auth: 'none',
};

describe('the companion package', () => {
  it('names one package in every command the panel shows', () => {
    expect(COMPANION_START_COMMAND).toBe(`npx ${COMPANION_PACKAGE_NAME}`);
    expect(COMPANION_UPDATE_COMMAND).toBe(`npx ${COMPANION_PACKAGE_NAME}@latest service install`);
  });

  it('parses /health with or without the version, and tells an older companion apart', () => {
    expect(healthResponseSchema.parse(OLD_HEALTH).version).toBeUndefined();
    expect(healthResponseSchema.parse({ ...OLD_HEALTH, version: '0.1.0' }).version).toBe('0.1.0');
    expect(companionNeedsUpdate({ apiVersion: COMPANION_API_VERSION })).toBe(false);
    expect(companionNeedsUpdate({ apiVersion: COMPANION_API_VERSION - 1 })).toBe(true);
    expect(companionNeedsUpdate({})).toBe(true);
    expect(companionNeedsUpdate({ apiVersion: 2 }, 3)).toBe(true);
    expect(companionNeedsUpdate({ apiVersion: 3 }, 2)).toBe(false);
  });
});
