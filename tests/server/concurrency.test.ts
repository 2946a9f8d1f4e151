import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSchema, pullResponseSchema } from '../../utils/domain';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';

let companion: CompanionProcess;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  temp = await makeTempDir();
  companion = await startCompanion({ dataDir: temp.dir });
});
afterAll(async () => {
  await companion?.stop();
  await temp?.remove();
});

describe('concurrent pushes', () => {
  it('100 concurrent pushes are all present afterwards, on disk and in a pull', async () => {
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(companion.url + '/api/v1/push', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            requestId: `concurrent-${i}`,
            clientId: `client-${i % 7}`,
            changes: [
              jobSchema.parse({
                id: `job-p${i}`,
                prompt: `push ${i}`,
                width: 64,
                height: 64,
                status: 'idle',
                createdAt: now + i,
                updatedAt: now + i,
              }),
            ],
          }),
        }).then((r) => r.status),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    const page = pullResponseSchema.parse(
      await (await fetch(`${companion.url}/api/v1/changes?since=0&limit=500`)).json(),
    );
    expect(new Set(page.changes.map((c) => c.id)).size).toBe(100);
    expect(new Set(page.changes.map((c) => c.seq)).size).toBe(100);

    // And after a restart, from the file.
    await companion.stop();
    companion = await startCompanion({ dataDir: temp.dir });
    const loaded = await (await fetch(companion.url + '/load-jobs')).json();
    expect(loaded.jobs).toHaveLength(100);
  });
});
