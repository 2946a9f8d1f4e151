import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../../tests/helpers/temp-dir';
import { WAIT } from '../../../tests/helpers/until';
import { openFolderTarget } from './folder';

const A = 'd-aaaaaaaaaaaaaaaa';
const B = 'd-bbbbbbbbbbbbbbbb';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

describe('the folder watch', () => {
  it("signals a file that lands in another device's folder before that folder's watcher is in place", async () => {
    const temp = await makeTempDir('pixellab-folder-watch-');
    cleanup.push(temp.remove);
    mkdirSync(join(temp.dir, 'devices', A), { recursive: true });
    const target = await openFolderTarget(temp.dir, B);
    const changed = vi.fn();
    cleanup.push(target.watch(changed));
    // Before any I/O turn: devices/<A> is not watched yet (its watcher comes after a listing), and devices/ itself
    // sees no change for a file inside a folder it holds. A pass that had just read devices/<A> would miss it until
    // the next poll (a minute): two parallel runs here drew it as the device-sync watcher test running out of time.
    writeFileSync(join(temp.dir, 'devices', A, 'log-000000001.jsonl'), '{}\n');
    await vi.waitFor(() => expect(changed).toHaveBeenCalled(), WAIT);
  });
});
