import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { lastSeedJobId } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { bodyTooLarge, readJsonBytes } from '../http/body';
import { escapeSeedJobForDashboard, unescapeSeedJobFromDashboard } from '../http/dashboard-escape';
import { directBody } from '../http/direct-body';
import { httpError } from '../http/http-error';
import { eachLimited } from '../lib/each-limited';
import type { Caller, CompanionEnv } from '../middleware/env';
import { createWholeHistoryClients, holds } from '../seed/clients';
import { loadAnswerBody } from '../seed/load-answer';
import { createLoadCache, prepareLoad, servedTexts } from '../seed/load-stream';
import { SaveReader } from '../seed/save-copies';
import { planSave } from '../seed/save-plan';
import { scanSaveBody } from '../seed/scan-body';
import { ServedList } from '../seed/served-list';
import { MAX_LAST_JOB_ID } from '../store/history-state';
import { collectWhenQuiet } from '../store/start-garbage';

/** Image files written in parallel by a seed save; each is fsynced on its own. */
const IMAGE_WRITES_AT_ONCE = 16;
/** A save or streamed load this large has its garbage collected once the companion is quiet (start-garbage.ts). */
const LARGE_REQUEST_BYTES = 16 * 1024 * 1024;
/** Room above what /load-jobs last answered: a client can always save back what it loaded, and some more. */
const SAVE_MARGIN_BYTES = 16 * 1024 * 1024;

/**
 * The old Python server's history routes, with its shapes, so its dashboard, files and scripts keep working
 * (its paid routes: seed-generate.ts). A save is read as a claim about what its client held (seed/save-plan.ts);
 * a load streams (seed/load-stream.ts).
 */
export function seedRoutes(deps: CompanionDeps) {
  const { store, config } = deps;
  const now = deps.now ?? Date.now;
  const clients = createWholeHistoryClients(now);
  /** Whose save or load this is: the origin, every origin-less caller as one, the served dashboard as one. */
  const clientOf = (caller: Caller | undefined) =>
    caller?.kind === 'dashboard' ? 'dashboard' : (caller?.origin ?? null);
  const cache = createLoadCache();
  let lastLoadBytes = 0;
  /** What the last load from the cache served, in order: a save's unchanged jobs are recognised against it. */
  let lastServed = new ServedList();

  return new Hono<CompanionEnv>()
    .get('/load-jobs', async (c) => {
      const caller = c.get('caller');
      const watermark = store.lastSeq;
      const dashboard = caller?.kind === 'dashboard';
      const answer = await prepareLoad(store, cache, dashboard ? escapeSeedJobForDashboard : undefined);
      const { stream, write } = loadAnswerBody(answer, (bytes) => {
        lastLoadBytes = Math.max(lastLoadBytes, bytes);
        if (answer.kind === 'stream' && bytes >= LARGE_REQUEST_BYTES) collectWhenQuiet();
        if (!dashboard) lastServed = answer.served;
        clients.loaded(clientOf(caller), answer.served, watermark);
      });
      const direct = directBody(stream, write);
      const length: Record<string, string> = answer.kind === 'whole' ? { 'content-length': String(answer.length) } : {};
      return c.body(direct.body, 200, { 'content-type': 'application/json', ...length, ...direct.headers });
    })
    .post('/save-jobs', async (c) => {
      const caller = c.get('caller');
      const origin = clientOf(caller);
      const limit =
        lastLoadBytes > 0
          ? Math.max(config.limits.saveJobs, 2 * lastLoadBytes + SAVE_MARGIN_BYTES)
          : config.limits.saveJobs;
      const bytes = await readJsonBytes(c, limit).catch((error: unknown) => {
        if (error instanceof HTTPException && error.status === 413) {
          throw httpError(
            413,
            'body_too_large',
            `${bodyTooLarge(limit).message}: a save may be up to twice what /load-jobs answers, and this is far past the history the companion holds`,
          );
        }
        throw error;
      });
      const scanned = await scanSaveBody(bytes);
      if (scanned.jobs === null) throw httpError(400, 'invalid_body', 'jobs: expected an array', 'jobs');
      const reader = await SaveReader.open(
        bytes,
        scanned,
        now(),
        caller?.kind === 'dashboard' ? unescapeSeedJobFromDashboard : undefined,
        servedTexts(cache, lastServed),
      );
      const givenLastJobId = scanned.fields.lastJobId;
      if (
        givenLastJobId !== undefined &&
        (typeof givenLastJobId !== 'number' || !Number.isInteger(givenLastJobId) || givenLastJobId < 0)
      ) {
        throw httpError(400, 'invalid_body', 'lastJobId: expected a whole number of 0 or more', 'lastJobId');
      }

      const lastJobId = typeof givenLastJobId === 'number' ? Math.min(givenLastJobId, MAX_LAST_JOB_ID) : 0;
      const match = await clients.match(origin, reader.slices.length, lastJobId, (record) => reader.mapFor(record));
      const { copies, unchanged } = await reader.mapFor(match.record);
      // Images first (content-addressed, so a refused save leaves only unused files), then one durable change.
      await eachLimited(reader.images.values(), IMAGE_WRITES_AT_ONCE, (png) => store.putImage(png));
      const counter = Math.max(lastJobId, lastSeedJobId(copies.map((c) => c.copy.job)));
      const outcome = await store.commit((view) =>
        planSave(
          view,
          copies.map((c) => c.copy),
          {
            holds: (id, seq) => holds(match.record, id, seq),
            mayRemove: match.continues && !match.older,
          },
          counter,
          store.clock,
          new Set(unchanged.map((u) => u.id)),
        ),
      );
      clients.saved(
        match.record,
        copies.map((c) => ({
          rawKey: c.rawKey,
          text: c.fp,
          id: outcome.ids.get(c.copy.id) ?? c.copy.id,
          birth: c.birth,
        })),
        unchanged,
        outcome.saved,
        lastJobId,
      );
      const count = copies.length + unchanged.length;
      if (bytes.length >= LARGE_REQUEST_BYTES) collectWhenQuiet();
      return c.json({
        status: 'ok' as const,
        message: `Saved ${count} jobs`,
        savedAt: store.savedAt,
        fileSize: store.fileSize(),
        // What the save did not change, and why: the old dashboard ignores it, a script can read it.
        kept: {
          newer: outcome.keptNewer,
          beside: Object.fromEntries(outcome.keptBeside),
          notListed: outcome.notListed,
        },
      });
    })
    .post('/clear-history', async (c) => {
      const cleared = await store.clear();
      return c.json({
        status: 'ok' as const,
        message: `Cleared ${cleared} jobs; the previous history is in job_history.json.backup`,
        cleared,
        savedAt: store.savedAt,
      });
    });
}
