/**
 * The device-sync server tests' common ground: real companion processes, each on its own temp data dir, sharing one
 * fake PixelLab, and everything a test started stopped after it, newest first. Call once at a file's top level.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion } from './companion-process';
import type { RoundOptions, SyncFolderClient } from './sync-folder-client';
import { makeTempDir } from './temp-dir';

export interface CompanionOptions {
  /** Flags after the sync ones. */
  args?: string[];
  /** Without it the companion gets no `--sync-dir` (the status tests name their folder in `args`). */
  view?: boolean;
}

export function deviceCompanions(tempPrefix: string) {
  let fake: FakePixelLab;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    fake = await startFakePixelLab();
  });
  afterAll(async () => {
    await fake?.close();
  });
  afterEach(async () => {
    fake.reset();
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  return {
    get fake(): FakePixelLab {
      return fake;
    },
    /** Steps run after the test, newest first. */
    cleanup,
    /** A temp folder removed after the test. */
    async tempFolder(): Promise<string> {
      const t = await makeTempDir(tempPrefix);
      cleanup.push(t.remove);
      return t.dir;
    },
    /** A companion on `root/data-<name>`; with `view`, on the sync folder `root/view-<name>` as device `name`. */
    async companion(
      root: string,
      name: string,
      { args = [], view = true }: CompanionOptions = {},
    ): Promise<CompanionProcess & { view: string }> {
      const dataDir = path.join(root, `data-${name}`);
      const folder = path.join(root, `view-${name}`);
      await mkdir(dataDir, { recursive: true });
      const c = await startCompanion({
        dataDir,
        pixellabUrl: fake.url,
        apiKey: fake.apiKey,
        args: view ? ['--sync-dir', folder, '--device-name', name, ...args] : args,
      });
      cleanup.push(() => c.stop());
      return { ...c, view: folder };
    },
    /** The sync client at work in the background until the test ends. */
    pump(client: SyncFolderClient, options: RoundOptions = {}): void {
      let running = true;
      const loop = (async () => {
        while (running) {
          await client.round(options);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      cleanup.push(async () => {
        running = false;
        await loop;
      });
    },
  };
}
