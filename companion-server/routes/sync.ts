import { Hono } from 'hono';
import {
  base64ToBytes,
  forSyncVersion,
  isPng,
  isRecordKind,
  type Job,
  type PushResponse,
  pullQuerySchema,
  pushRequestSchema,
  runnableProblem,
  type SyncedJob,
  type SyncRecord,
  syncRecordSchema,
  withoutSeq,
} from '../../utils/domain';
import { isForeignJob } from '../../utils/domain/device';
import type { CompanionDeps } from '../deps';
import { httpError } from '../http/http-error';
import { jsonBody, validQuery } from '../http/validate';
import { eachLimited } from '../lib/each-limited';
import { sha256Hex } from '../lib/hash';
import { INTERRUPTED_WHILE_RUNNING } from '../store/history-file';
import { describeIssues } from '../store/history-state';
import type { MergeResult } from '../store/types';

/** Answers kept for retried pushes: a retry with the same request id applies once. */
const REMEMBERED_PUSHES = 1000;
/** Images a pull asks back at most: the ones the companion found missing or damaged. */
const LOST_IMAGES_ASKED = 100;
/** How long a pushed rotate job waits for its source image (the extension sends images in a second request). */
export const ROTATE_IMAGE_WAIT_MS = 120_000;

/**
 * What is kept of an answered push: ids, outcomes and seqs, not the versions (a retry gets the current
 * versions). Keeping whole answers kept every old version alive: 500 long jobs a push grew the heap by 10 MB a
 * push until it ran out of memory.
 */
interface RememberedPush {
  results: { id: string; outcome: MergeResult['outcome'] }[];
  records: { kind: string; id: string; outcome: 'applied' | 'ignored' | 'unknown' }[];
  needImages: string[];
}

/**
 * The pushed records of the kinds this companion knows, each checked with its schema (a bad one refuses the
 * push before anything is stored, naming it); records of other kinds are passed over, so a newer client's
 * push still goes through.
 */
function readRecords(records: readonly { kind: string }[]): (SyncRecord | null)[] {
  return records.map((record, i) => {
    if (!isRecordKind(record.kind)) return null;
    const parsed = syncRecordSchema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ['records', i, ...(issue?.path ?? [])].join('.');
      throw httpError(400, 'invalid_body', `${field}: ${describeIssues(parsed.error)}`, field);
    }
    return parsed.data;
  });
}

/** The extension's incremental sync: pull changes since a checkpoint, push changed jobs. */
export function syncRoutes(deps: CompanionDeps) {
  const { store, runner, config } = deps;
  const answered = new Map<string, Promise<RememberedPush>>();
  /** Pushed rotate jobs waiting for their source image: job id -> the hash and when to give up. */
  const waiting = new Map<string, { hash: string; timer: ReturnType<typeof setTimeout> }>();

  /** Checks every image first, so a push refused for one bad image stores none of them. */
  async function storeImages(images: Record<string, string>) {
    const checked: Uint8Array[] = [];
    for (const [hash, base64] of Object.entries(images)) {
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(base64);
      } catch {
        throw httpError(400, 'invalid_body', `images.${hash}: is not base64`, `images.${hash}`);
      }
      if (!isPng(bytes)) throw httpError(400, 'invalid_body', `images.${hash}: is not a PNG`, `images.${hash}`);
      if (sha256Hex(bytes) !== hash) {
        throw httpError(
          400,
          'image_hash_mismatch',
          `images.${hash}: the bytes do not match their sha-256`,
          `images.${hash}`,
        );
      }
      if (!store.hasImage(hash)) checked.push(bytes);
    }
    await eachLimited(checked, 16, (bytes) => store.putImage(bytes));
    // Rotate jobs that waited for one of these can run now.
    for (const [id, wait] of waiting) {
      if (!store.hasImage(wait.hash)) continue;
      clearTimeout(wait.timer);
      waiting.delete(id);
      runner.enqueue(id);
    }
  }

  function missingImages(jobs: Job[]): string[] {
    const missing = new Set<string>();
    for (const job of jobs) {
      if (job.image && !store.hasImage(job.image)) missing.add(job.image);
      if (job.rotate && !store.hasImage(job.rotate.sourceImage)) missing.add(job.rotate.sourceImage);
    }
    return [...missing];
  }

  /** Ends a job that will not run, in plain words, on top of its current version. */
  async function fail(job: SyncedJob, error: string): Promise<SyncedJob> {
    const current = withoutSeq(job);
    return store.put(store.clock.stamp({ ...current, status: 'error', error }, current));
  }

  /** A pushed rotate job whose image has not arrived: run it when it does, fail it clearly if it never does. */
  function waitForImage(job: SyncedJob, hash: string): void {
    const timer = setTimeout(() => {
      waiting.delete(job.id);
      const current = store.get(job.id);
      if (!current || current.deleted || current.status !== 'queued') return;
      void fail(
        current,
        `The image to rotate (${hash.slice(0, 12)}…) never reached the companion; sync again, or rotate another image`,
      ).catch(() => undefined);
    }, ROTATE_IMAGE_WAIT_MS);
    timer.unref?.();
    const before = waiting.get(job.id);
    if (before) clearTimeout(before.timer);
    waiting.set(job.id, { hash, timer });
  }

  /**
   * Applied versions that wait on a runner. This is how a fresh companion (new serverId) receives the queued
   * and running jobs of the history it replaces, and only the runner moves a job on from there:
   * - `queued` goes to this runner, if a new request could ask for it (a pushed job is held to the same limits
   *   as POST /api/v1/jobs), and once the image a rotate needs has arrived. Enqueueing an id the runner already
   *   has runs nothing twice (runner.ts).
   * - `running` was started by another runner: nothing will finish it here, so it fails the way a restart fails
   *   the jobs it interrupted, and the answer carries that version.
   */
  async function handOver(results: MergeResult[]): Promise<MergeResult[]> {
    const out: MergeResult[] = [];
    for (const result of results) {
      const job = result.job;
      // Only a new job-wide version is something to run or fail; a star or a tag changes nothing of that.
      if (result.outcome !== 'applied' || !result.baseApplied || job.deleted) out.push(result);
      // Another device accepted it: shown here, never run, failed or billed (issue 22).
      else if (isForeignJob(job, store.device)) out.push(result);
      else if (job.status === 'queued') {
        const problem = runnableProblem(withoutSeq(job));
        if (problem) out.push({ ...result, job: await fail(job, problem) });
        else if (job.rotate && !store.hasImage(job.rotate.sourceImage)) {
          waitForImage(job, job.rotate.sourceImage);
          out.push(result);
        } else {
          runner.enqueue(job.id);
          out.push(result);
        }
      } else if (job.status === 'running') {
        out.push({ ...result, job: await fail(job, INTERRUPTED_WHILE_RUNNING) });
      } else out.push(result);
    }
    return out;
  }

  function answer(remembered: RememberedPush, v: number): PushResponse {
    return {
      serverId: store.serverId,
      results: remembered.results.map(({ id, outcome }) => ({ id, outcome, job: forSyncVersion(store.get(id)!, v) })),
      recordResults:
        v >= 2
          ? remembered.records.map(({ kind, id, outcome }) => ({
              kind,
              id,
              outcome,
              record: outcome === 'unknown' ? null : (store.getRecord(kind, id) ?? null),
            }))
          : [],
      lastSeq: store.lastSeq,
      needImages: remembered.needImages.filter((hash) => !store.hasImage(hash)),
    };
  }

  return new Hono()
    .get('/api/v1/changes', validQuery(pullQuerySchema), (c) => {
      const query = c.req.valid('query');
      const page = store.changeLines(query.since, query.limit, query.v);
      // The stored lines are the records' JSON already: one page costs a copy of bytes, not a serialization.
      const records = query.v >= 2 ? `,"records":[${page.records.join(',')}]` : '';
      const body = joinedBytes(
        `{"serverId":${JSON.stringify(store.serverId)},"changes":[`,
        page.lines,
        `],"lastSeq":${page.lastSeq},"hasMore":${page.hasMore},` +
          `"needImages":${JSON.stringify(store.lostImages(LOST_IMAGES_ASKED))}${records}}`,
      );
      return c.body(body, 200, { 'content-type': 'application/json' });
    })
    .post('/api/v1/push', jsonBody(pushRequestSchema, config.limits.push), async (c) => {
      const body = c.req.valid('json');
      const key = `${body.clientId}\u0000${body.requestId}`;
      let remembered = answered.get(key);
      if (!remembered) {
        const records = readRecords(body.records);
        remembered = (async () => {
          await storeImages(body.images);
          const results = await handOver(await store.merge(body.changes));
          const known = records.filter((r): r is SyncRecord => r !== null);
          const merged = known.length > 0 ? await store.mergeRecords(known) : [];
          if (merged.some((r) => r.kind === 'queue' && r.outcome === 'applied')) runner.queueChanged?.();
          let next = 0;
          return {
            results: results.map(({ id, outcome }) => ({ id, outcome })),
            records: body.records.map((record, i) =>
              records[i] === null
                ? { kind: record.kind, id: record.id, outcome: 'unknown' as const }
                : { kind: record.kind, id: record.id, outcome: merged[next++]!.outcome },
            ),
            needImages: missingImages(body.changes),
          };
        })();
        answered.set(key, remembered);
        // A failed push is not remembered: its retry must be tried again.
        remembered.catch(() => answered.delete(key));
        if (answered.size > REMEMBERED_PUSHES) answered.delete(answered.keys().next().value!);
      }
      // Every job of the answer is the companion's version now, whether this push applied it or an earlier one.
      return c.json(answer(await remembered, body.v));
    });
}

const COMMA = Buffer.from(',');
/**
 * `head`, the lines joined by commas, `tail`, as bytes. A page joined into one string (220 KB of 500 jobs) is
 * too large for V8's young generation and went straight to the old one: a full pull at 100,000 jobs left 200
 * of them there, +65 MB until a full collection. Small buffers and one copy die young.
 */
function joinedBytes(head: string, lines: readonly string[], tail: string): Uint8Array<ArrayBuffer> {
  const parts: Buffer[] = [Buffer.from(head)];
  lines.forEach((line, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(Buffer.from(line));
  });
  parts.push(Buffer.from(tail));
  const joined = Buffer.concat(parts);
  return new Uint8Array(joined.buffer as ArrayBuffer, joined.byteOffset, joined.length);
}
