import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addToSetField, bytesToPngDataUrl, createClock, setOrganisingField } from '../../utils/domain';
import { createFileStore } from './file-store';
import { makeJob, makePng, makeTempDir } from './test-support';
import type { JobStore } from './types';

/**
 * job_history.json changed while the companion runs (the old README tells users to edit it by hand; a synced
 * folder copies it in from another machine): merged as a client based on the last rewrite, never written over.
 */
let dir: string;
let cleanup: () => Promise<void>;
let logs: string[];
let store: JobStore;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  logs = [];
  store = await createFileStore({ dataDir: dir, log: (line) => logs.push(line) });
  for (const id of ['job-1', 'job-2', 'job-3']) await store.put(makeJob({ id, prompt: `${id} prompt` }));
  await store.compact();
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

const main = () => join(dir, 'job_history.json');
/** Edits the file as a person would: the text, line by line. */
async function edit(change: (text: string) => string) {
  await writeFile(main(), change(await readFile(main(), 'utf8')));
}

describe('a hand edit of job_history.json', () => {
  it('a changed line is an edit: it wins over the version it was made on, and the file keeps it', async () => {
    await edit((text) => text.replace('"job-2 prompt"', '"a better prompt"'));
    await store.compact();
    expect(store.get('job-2')).toMatchObject({ prompt: 'a better prompt', seq: 4 });
    expect(logs).toContain('Merged a change of job_history.json made outside the companion: 1 edited');
    expect(await readFile(main(), 'utf8')).toContain('"a better prompt"');
    // A client syncing sees it as any other change.
    expect(store.changesSince(3, 10).changes.map((j) => j.id)).toEqual(['job-2']);
  });

  it('a removed line is a delete by the user; a new line is a new job', async () => {
    await edit((text) => {
      const lines = text.split('\n').filter((line) => !line.includes('"id":"job-1"'));
      const added = JSON.stringify({ ...makeJob({ id: 'job-9', prompt: 'typed by hand' }), seq: 99 });
      return lines.join('\n').replace('"jobs": [\n', `"jobs": [\n    ${added},\n`);
    });
    await store.compact();
    expect(store.get('job-1')).toMatchObject({ deleted: true });
    expect(store.get('job-9')).toMatchObject({ prompt: 'typed by hand', deleted: false });
    expect(store.list().map((j) => j.id)).toEqual(['job-2', 'job-3', 'job-9']);
  });

  it('a star taken off or a tag removed by hand is an edit, though the field versions beside it are unchanged', async () => {
    const clock = createClock('panel', () => 50_000);
    const held = store.get('job-2')!;
    await store.merge([
      setOrganisingField(addToSetField(held, 'tags', ['hero', 'wip'], clock, 32), 'starred', true, clock),
    ]);
    await store.compact();
    await edit((text) =>
      text.replace('"starred":true', '"starred":false').replace('"tags":["hero","wip"]', '"tags":["hero"]'),
    );
    await store.compact();
    expect(store.get('job-2')).toMatchObject({ starred: false, tags: ['hero'] });
  });

  it('a job changed by a client since the last rewrite keeps its newer version over a hand edit of it', async () => {
    await store.put(makeJob({ id: 'job-3', prompt: 'changed by a client', updatedAt: 5_000 }));
    await edit((text) => text.replace('"job-3 prompt"', '"edited by hand"'));
    await store.compact();
    expect(store.get('job-3')!.prompt).toBe('changed by a client');
    expect(logs.some((l) => /1 kept as changed since \(conflict\)/.test(l))).toBe(true);
    // Nothing was deleted because the edit did not have the client's change in it.
    expect(store.list()).toHaveLength(3);
  });

  it('an edit the companion cannot read is left alone: never written over, changes stay safe in the journal', async () => {
    await edit((text) => text.slice(0, text.length - 20));
    const unreadable = await readFile(main(), 'utf8');
    await store.put(makeJob({ id: 'job-4' }));
    await store.compact();
    expect(await readFile(main(), 'utf8')).toBe(unreadable);
    expect(logs.some((l) => /changed outside the companion and is not valid JSON.*not written over/.test(l))).toBe(
      true,
    );
    // Fixed by hand: merged, and the change made meanwhile is there too.
    await edit(() => unreadable.replace(/"jobs": \[[\s\S]*$/, '"jobs": [], "version": "2.0", "seq": 3}'));
    await store.compact();
    expect(store.get('job-4')).toMatchObject({ deleted: false });
    expect(JSON.parse(await readFile(main(), 'utf8')).jobs.map((j: { id: string }) => j.id)).toContain('job-4');
  });

  it('an old-format history copied over the file (the old way to import) adds its jobs and deletes nothing', async () => {
    const png = makePng(7);
    await writeFile(
      main(),
      JSON.stringify({
        jobs: [
          { id: 'job-1', prompt: 'job-1 prompt from elsewhere', status: 'success', result: bytesToPngDataUrl(png) },
          { id: 'job-50', prompt: 'imported', status: 'error', error: 'x', createdAt: 5 },
        ],
        lastJobId: 50,
        version: '1.0',
      }),
    );
    await store.compact();
    expect(new Set(store.list().map((j) => j.id))).toEqual(
      new Set(['job-1', 'job-2', 'job-3', 'job-50', 'job-1.dup2']),
    );
    // The copied-in job-1 is another job than ours: both are kept.
    expect(store.get('job-1.dup2')).toMatchObject({ prompt: 'job-1 prompt from elsewhere' });
    expect(store.get('job-1')!.prompt).toBe('job-1 prompt');
    expect(JSON.parse(await readFile(main(), 'utf8')).version).toBe('2.0');
  });

  it('a removed file deletes nothing: it is written again', async () => {
    const { rm } = await import('node:fs/promises');
    await rm(main());
    await store.put(makeJob({ id: 'job-4' }));
    await store.compact();
    expect(JSON.parse(await readFile(main(), 'utf8')).jobs).toHaveLength(4);
  });
});
