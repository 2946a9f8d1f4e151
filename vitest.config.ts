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
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});
