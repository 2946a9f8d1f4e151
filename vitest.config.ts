import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  plugins: [WxtVitest()],
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', '.output/**', '.wxt/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    globalSetup: ['./tests/e2e/global-setup.ts'],
    setupFiles: ['./tests/setup/async-waits.ts'],
    // expect.poll's default 1 s is short for a loaded 2-core machine (a browser, a companion process); a poll that
    // succeeds returns at once, so the room costs nothing unless it fails.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});
