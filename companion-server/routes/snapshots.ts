import { Hono } from 'hono';
import type { RestoreResult } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { errorBody, httpError } from '../http/http-error';
import { planRestore } from '../store/restore-snapshot';

/** Store errors a snapshot request can meet, as answers. */
const STATUS = { NO_SUCH_SNAPSHOT: 404, BAD_SNAPSHOT: 422 } as const;

function asHttp(error: unknown): never {
  const code = (error as { code?: string }).code;
  if (code === 'NO_SUCH_SNAPSHOT' || code === 'BAD_SNAPSHOT') {
    throw httpError(STATUS[code], code.toLowerCase(), (error as Error).message);
  }
  throw error;
}

/**
 * The dated copies of the history (store/dated-snapshots.ts): list them, take one now, restore one. A restore
 * brings back what the copy held and the history lost, and changes nothing made after it.
 */
export function snapshotRoutes(deps: CompanionDeps) {
  const { store } = deps;
  const snapshots = () => {
    if (!store.snapshots) throw httpError(404, 'not_found', 'This companion keeps its history in memory only');
    return store.snapshots;
  };
  return new Hono()
    .get('/api/v1/snapshots', async (c) => c.json({ snapshots: await snapshots().list() }))
    .post('/api/v1/snapshots', async (c) => {
      const kept = snapshots();
      await store.compact();
      return c.json({ snapshot: await kept.takeNow(store.liveCount).catch(asHttp) }, 201);
    })
    .post('/api/v1/snapshots/:id/restore', async (c) => {
      const kept = snapshots();
      const id = c.req.param('id');
      const info = (await kept.list()).find((s) => s.id === id);
      if (!info) return c.json(errorBody('no_such_snapshot', `No dated copy is called ${JSON.stringify(id)}`), 404);
      const held = await kept.read(id).catch(asHttp);
      const summary = await store.commit((view) => planRestore(held, view, store.clock));
      deps.log?.(`Restored ${summary.restored.length} job(s) from the copy of ${info.takenAt}`);
      const body: RestoreResult = {
        restored: summary.restored.length,
        ids: summary.restored,
        kept: summary.kept,
        from: info.takenAt,
      };
      return c.json(body);
    });
}
