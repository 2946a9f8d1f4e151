import { readFileSync } from 'node:fs';
import preact from '@preact/preset-vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'wxt';
import { gitignoreGlobs } from './scripts/gitignore-globs';
import { dropManifestKey } from './scripts/store-zip';

/**
 * Puts Preact in a chunk of its own (chunks/preact-*.js), so `web-ext lint` can set aside exactly Preact's
 * innerHTML path (scripts/lint-firefox.ts says why it is unreachable here). Single-file builds (the
 * background inlines its imports) are left alone: Rollup refuses manualChunks there.
 */
function preactInItsOwnChunk(): Plugin {
  return {
    name: 'preact-in-its-own-chunk',
    outputOptions(options) {
      if (options.inlineDynamicImports) return null;
      return {
        ...options,
        manualChunks: (id) => (/[\\/]node_modules[\\/]preact[\\/]/.test(id) ? 'preact' : undefined),
      };
    },
  };
}

/** The add-on id Firefox and addons.mozilla.org know this extension by; never change it (it keys the user's data). */
export const GECKO_ID = 'pixellab-side-panel@pixellab-side-panel.dev';

/** Public half of the key that pins the extension id to EXTENSION_ID (see README). */
const MANIFEST_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA+lBGm2+/8XAAxKjcci4F57PAK7HufgOGjw2WpRtI4S5Jklr2c/ozvELxA/b9otLhAeSRiAXlRzMOMJpFAWdx96NaWIhrpLlN2Kmt4Y4SnE0y4oUDAi2ONwi9uiuunEh3BuKkqtF/WtJZDXWVtXTC47xo51Gha1SWNsruwz8DKY0AwJWIlRJFv1C0NndkdekcW9K/RNKHTnfGOAMtoMfJ3rj+GKlVe1yDJcA06HP3jRu4fA3X215+607IseQjgjTD2SN7XuFDH7DQDlRb3wPrEfRvKgwKnRuhb5GUMCRpFlHuqSldUez6tN3OwJB2cFWo7Rd0WGN/2PJYuwtc5NUtzQIDAQAB';

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Every import is written out (through the @/ alias), so tsc sees them all and no module is pulled in
  // ahead of early-read.ts because a local happens to share an exported name.
  imports: false,
  vite: () => ({
    plugins: [preact(), preactInItsOwnChunk()],
    // bench/first-sync-profile.ts reads function names in its CPU profiles.
    ...(process.env.WXT_NO_MINIFY === '1' && { build: { minify: false } }),
  }),
  // `npm run zip:firefox` also writes the sources zip addons.mozilla.org asks for: the project as git has it.
  // .gitignore goes in too (WXT leaves dotfiles out), so the config still loads in the unpacked sources.
  zip: {
    excludeSources: gitignoreGlobs(readFileSync(new URL('.gitignore', import.meta.url), 'utf8')),
    includeSources: ['.gitignore'],
  },
  hooks: {
    'zip:extension:done': async (wxt, zipPath) => {
      if (wxt.config.browser === 'chrome') await dropManifestKey(zipPath);
    },
  },
  // `npm run dev` opens this browser: CHROME_PATH / FIREFOX_PATH, else web-ext's own lookup.
  webExt: {
    binaries: {
      ...(process.env.CHROME_PATH ? { chrome: process.env.CHROME_PATH } : {}),
      ...(process.env.FIREFOX_PATH ? { firefox: process.env.FIREFOX_PATH } : {}),
    },
  },
  // Written as a function of the browser so Chrome-only keys stay out of Firefox.
  manifest: ({ browser }) => {
    const companionHosts = ['http://127.0.0.1/*', 'http://localhost/*', 'http://[::1]/*'];
    const base = {
      name: 'PixelLab Side Panel',
      description: 'Generate pixel art with PixelLab in a side panel; history stays on your machine.',
      action: { default_title: 'Open PixelLab Side Panel' },
    };
    if (browser === 'firefox') {
      return {
        ...base,
        // unlimitedStorage makes Firefox keep storage.local "persistent": never evicted when the disk runs low
        // (without it the history is best-effort storage, evictable, and capped by the group limit).
        permissions: ['storage', 'unlimitedStorage', ...companionHosts],
        browser_specific_settings: {
          gecko: {
            id: GECKO_ID,
            // The first Firefox that knows data_collection_permissions everywhere (140 desktop, 142 Android);
            // ESR 153 is above it, and light-dark() needs only 120.
            strict_min_version: '142.0',
            // The extension talks only to the user's own companion on loopback: it collects nothing.
            data_collection_permissions: { required: ['none'] },
          },
        },
      };
    }
    return {
      ...base,
      key: MANIFEST_KEY,
      // The CSS's light-dark() needs Chrome 123; sidePanel needs 114 and setPanelBehavior 116.
      minimum_chrome_version: '123',
      // storage: the history; sidePanel: the panel; unlimitedStorage: lifts storage.local's 10 MB quota.
      permissions: ['storage', 'sidePanel', 'unlimitedStorage'],
      host_permissions: companionHosts,
    };
  },
});
