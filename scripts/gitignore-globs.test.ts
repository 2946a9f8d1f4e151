import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitignoreGlobs } from './gitignore-globs';

const globs = gitignoreGlobs(readFileSync(path.join(import.meta.dirname, '../.gitignore'), 'utf8'));
// Node's glob matcher; WXT's (picomatch) reads these patterns the same way.
const excluded = (file: string) => globs.some((glob) => path.matchesGlob(file, glob));

describe('the sources zip leaves out what git ignores', () => {
  it("leaves out the companion's data, secrets, logs, builds and test results", () => {
    for (const file of [
      'data/job_history.json',
      'data/job_history.json.backup',
      'data/images/abc.png',
      '.env',
      'companion.log',
      'companion-server/debug.log',
      'node_modules/preact/index.js',
      '.output/firefox-mv2/manifest.json',
      'test-results/screenshots/empty.png',
      'bench/results.json.tmp',
    ]) {
      expect(excluded(file), file).toBe(true);
    }
  });

  it('keeps the sources a reviewer builds from', () => {
    for (const file of ['package.json', 'wxt.config.ts', 'entrypoints/sidepanel/index.html', 'bench/results.json']) {
      expect(excluded(file), file).toBe(false);
    }
  });

  it('reads dir-only, anchored and negated lines', () => {
    expect(gitignoreGlobs('# comment\n\nbuild/\n/top.txt\nsub/x.tmp\n*.log\n!keep.log\n')).toEqual([
      '**/build/**',
      'top.txt',
      'top.txt/**',
      'sub/x.tmp',
      'sub/x.tmp/**',
      '**/*.log',
      '**/*.log/**',
    ]);
  });
});
