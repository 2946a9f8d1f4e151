import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataDir } from '../../companion-server/store/inspect';
import { jobSchema } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { startCompanion } from '../helpers/companion-process';
import { seededRandom } from '../helpers/seeded-random';
import { makeTempDir } from '../helpers/temp-dir';
import { until } from '../helpers/until';

/** Kills per run: a few in `npm test`; CRASH_KILLS=200 for the long mode. */
const KILLS = Number(process.env.CRASH_KILLS ?? 4);
/** When each kill comes: fixed in `npm test`, CRASH_SEED=<n> to replay or vary it (the processes still vary the timing). */
const SEED = Number(process.env.CRASH_SEED ?? 20261206);

let fake: FakePixelLab;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  fake = await startFakePixelLab({ delayMs: 150 });
  temp = await makeTempDir();
});
afterAll(async () => {
  await fake?.close();
  await temp?.remove();
});

describe('SIGKILL during a write loop', () => {
  it(
    `loses no acknowledged write over ${KILLS} kills, and leaves nothing running`,
    async () => {
      const acked = new Map<string, number>(); // id -> newest acknowledged updatedAt
      let clock = Date.now();
      let runningAtKill: string[] = [];
      let interrupted = 0;
      const random = seededRandom(SEED);
      /** Jobs that were running when the companion died come back failed as interrupted, never running. */
      const expectInterrupted = async (url: string) => {
        for (const id of runningAtKill) {
          const { job } = await (await fetch(`${url}/api/v1/jobs/${id}`)).json();
          expect(job, id).toMatchObject({ status: 'error', error: expect.stringMatching(/interrupted/i) });
          interrupted++;
        }
      };
      for (let round = 0; round < KILLS; round++) {
        const companion = await startCompanion({ dataDir: temp.dir, pixellabUrl: fake.url, apiKey: fake.apiKey });
        await expectInterrupted(companion.url);

        let stop = false;
        let ackedThisRound = 0;
        const writer = async (client: number) => {
          let n = 0;
          while (!stop) {
            const id = `job-c${client}-${n++ % 20}`;
            const updatedAt = ++clock;
            const job = jobSchema.parse({
              id,
              prompt: `round ${round}`,
              width: 64,
              height: 64,
              status: 'idle',
              createdAt: 1,
              updatedAt,
            });
            try {
              const res = await fetch(companion.url + '/api/v1/push', {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ requestId: `r-${client}-${updatedAt}`, clientId: `c${client}`, changes: [job] }),
              });
              if (res.ok) {
                await res.json();
                acked.set(id, Math.max(acked.get(id) ?? 0, updatedAt));
                ackedThisRound++;
              }
            } catch {
              return; // the companion died mid-request: this write was never acknowledged
            }
          }
        };
        const submit = async () => {
          while (!stop) {
            try {
              await fetch(companion.url + '/api/v1/jobs', {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ prompt: `gen ${round}`, width: 32, height: 32 }),
              });
            } catch {
              return;
            }
            await new Promise((r) => setTimeout(r, 30));
          }
        };
        const loops = [writer(0), writer(1), writer(2), writer(3), submit()];
        // Each kill comes once a write was acknowledged and a job is at PixelLab (a fixed wait was sometimes over
        // before either on a loaded machine), then a drawn while later; the first at once, so one kill at least
        // finds a job running (the check of interrupted jobs below is not left empty by bad luck).
        await until(
          'an acknowledged write and a job at PixelLab',
          async () => ackedThisRound > 0 && fake.inFlight > 0,
          Boolean,
        );
        if (round > 0) await new Promise((r) => setTimeout(r, Math.floor(random() * 350)));
        await companion.kill();
        stop = true;
        await Promise.all(loops);

        // What survived: job_history.json plus the journal written since it (the state a restart loads).
        const survived = await readDataDir(temp.dir);
        const byId = new Map(survived.jobs.map((j) => [j.id, j]));
        runningAtKill = survived.jobs.filter((j) => j.status === 'running' && !j.deleted).map((j) => j.id);
        // The file alone is always a complete, readable history. Only a kill before the first rewrite of a new
        // history (a few ms after its first change; longer on a loaded machine) finds none: the journal holds it all.
        const main = path.join(temp.dir, 'job_history.json');
        if (round > 0 || existsSync(main)) expect(() => JSON.parse(readFileSync(main, 'utf8'))).not.toThrow();
        for (const [id, updatedAt] of acked) {
          expect(
            byId.get(id)?.updatedAt,
            `acknowledged ${id}@${updatedAt} after kill ${round} (CRASH_SEED=${SEED})`,
          ).toBeGreaterThanOrEqual(updatedAt);
        }
        const backupText = await readFile(path.join(temp.dir, 'job_history.json.backup'), 'utf8').catch(() => null);
        if (backupText !== null) expect(() => JSON.parse(backupText)).not.toThrow();
      }
      expect(acked.size).toBeGreaterThan(0);

      const last = await startCompanion({ dataDir: temp.dir, pixellabUrl: fake.url, apiKey: fake.apiKey });
      await expectInterrupted(last.url);
      await last.stop();
      // The slow fake keeps jobs in flight, so kills do catch some running.
      expect(interrupted).toBeGreaterThan(0);
    },
    60_000 + KILLS * 5_000,
  );
});
