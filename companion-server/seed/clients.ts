import type { SyncedJob } from '../../utils/domain';

/**
 * What each whole-history client holds, so a `/save-jobs` can be read as a claim about the versions its client
 * knew (save-plan.ts). Clients are told apart by Origin, every origin-less caller (scripts, curl) being one:
 * - a client that loaded (`/load-jobs`) holds what its last load held, plus what it saved since;
 * - the old dashboard never loads (its loadFromServer throws before it asks), and two tabs of one origin share
 *   nothing but localStorage; each tab's saves form a lineage, its previous list plus a small change. A save
 *   continues the lineage whose jobs it lists most (the same ids, made at the same time); one that continues
 *   none (a new tab, a restart) may add and update, and removes nothing.
 * Kept in memory: after a restart every tab starts a new lineage, and removes nothing until its next save.
 */
interface Known {
  seq: number;
  /** When the job was made: a job keeps it for life, so another job under the same id shows. */
  birth: string;
}

export interface ClientRecord {
  kind: 'loader' | 'lineage';
  /** Job id -> the version (seq) the client holds. */
  known: Map<string, Known>;
  /** Fingerprints of the job texts of its last save (or load), with their ids: unchanged jobs, unparsed. */
  byText: Map<string, { id: string; rawKey: string }>;
  /**
   * Every text each job had in this client's saves, newest last (bounded): a copy repeating an older one is a
   * stale copy (a tab opened from old localStorage taken for this one), never a change based on the current.
   */
  history: Map<string, string[]>;
  /** The client's own id for a job (`sprite 1`, the 2nd `job-5`) -> the id the companion gave it. */
  byRawKey: Map<string, string>;
  /** Ids of its last save. */
  ids: Set<string>;
  /** Its last save's `lastJobId`: the old dashboard's counter only grows, so a lower one is an older save. */
  lastJobId: number;
  /** Loaders: every job with a seq up to this was in the last load. */
  watermark: number;
  at: number;
}

/** How a save fits a record: jobs it lists that the record holds (same id and birth), and whether any clash. */
export interface Fit {
  score: number;
  /** The save lists another job (another birth) under an id the record holds. */
  conflict: boolean;
}

/** Lineages kept per origin, how long an unused one is kept, and texts kept per job. */
const LINEAGES_PER_ORIGIN = 8;
const IDLE_MS = 24 * 60 * 60 * 1000;
const TEXTS_PER_JOB = 8;

export interface SaveMatch {
  record: ClientRecord;
  /** An existing record: its removals count (unless the save is older than its last one). */
  continues: boolean;
  /** This save is older than the record's last one (it arrived late, or comes from a stale tab): no removals. */
  older: boolean;
}

export function createWholeHistoryClients(now: () => number = Date.now) {
  const byOrigin = new Map<string, ClientRecord[]>();
  const keyOf = (origin: string | null) => origin ?? '(no origin)';

  function fresh(kind: ClientRecord['kind']): ClientRecord {
    return {
      kind,
      known: new Map(),
      byText: new Map(),
      history: new Map(),
      byRawKey: new Map(),
      ids: new Set(),
      lastJobId: 0,
      watermark: 0,
      at: now(),
    };
  }

  function recordsOf(origin: string | null): ClientRecord[] {
    const at = now();
    const records = (byOrigin.get(keyOf(origin)) ?? []).filter((r) => at - r.at < IDLE_MS);
    byOrigin.set(keyOf(origin), records);
    return records;
  }

  return {
    /** A load was served: the client now holds every live job up to `watermark`, with these texts. */
    loaded(
      origin: string | null,
      /** What the load sent, `fp` the fingerprint of each job's text (the served list itself: 100,000 at 100k). */
      served: readonly { id: string; seq: number; fp: string; birth: string }[],
      watermark: number,
    ) {
      const records = recordsOf(origin).filter((r) => r.kind !== 'loader');
      const record = fresh('loader');
      record.watermark = watermark;
      for (const s of served) {
        record.known.set(s.id, { seq: s.seq, birth: s.birth });
        record.byText.set(s.fp, { id: s.id, rawKey: `${s.id}#0` });
        record.history.set(s.id, [s.fp]);
        record.ids.add(s.id);
      }
      byOrigin.set(keyOf(origin), [record, ...records]);
    },

    /** The record a save continues: the origin's loader if it loaded, else the lineage it fits best. */
    async match(
      origin: string | null,
      count: number,
      lastJobId: number,
      fitOf: (record: ClientRecord) => Promise<Fit>,
    ): Promise<SaveMatch> {
      const records = recordsOf(origin);
      const loader = records.find((r) => r.kind === 'loader');
      if (loader) return { record: loader, continues: true, older: false };
      let best: ClientRecord | null = null;
      let bestScore = 0;
      for (const record of records) {
        const { score, conflict } = await fitOf(record);
        // An emptied list (the dashboard's "clear all") continues the tab whose counter it carries.
        const points = count === 0 && record.lastJobId === lastJobId ? 1 : score;
        if (!conflict && points > bestScore) [best, bestScore] = [record, points];
      }
      if (best && (count === 0 || bestScore * 2 >= Math.max(count, best.ids.size) || count - bestScore <= 3)) {
        return { record: best, continues: true, older: lastJobId < best.lastJobId };
      }
      const record = fresh('lineage');
      const kept = records.filter((r) => r.kind === 'lineage').slice(0, LINEAGES_PER_ORIGIN - 1);
      byOrigin.set(keyOf(origin), [record, ...kept, ...records.filter((r) => r.kind === 'loader')]);
      return { record, continues: false, older: false };
    },

    /** After a save: what the client holds now. */
    saved(
      record: ClientRecord,
      copies: { rawKey: string; text: string; id: string; birth: string }[],
      unchanged: { id: string; rawKey: string; text: string }[],
      holds: ReadonlyMap<string, SyncedJob>,
      lastJobId: number,
    ) {
      record.at = now();
      record.lastJobId = Math.max(record.lastJobId, lastJobId);
      record.ids = new Set([...copies.map((c) => c.id), ...unchanged.map((u) => u.id)]);
      const texts = new Map<string, { id: string; rawKey: string }>();
      for (const u of unchanged) texts.set(u.text, { id: u.id, rawKey: u.rawKey });
      for (const copy of copies) {
        record.byRawKey.set(copy.rawKey, copy.id);
        const job = holds.get(copy.id);
        // A stale copy the companion did not take: the client does not hold the version now.
        if (!job) continue;
        record.known.set(copy.id, { seq: job.seq, birth: copy.birth });
        texts.set(copy.text, { id: copy.id, rawKey: copy.rawKey });
        const history = (record.history.get(copy.id) ?? []).filter((t) => t !== copy.text);
        record.history.set(copy.id, [...history, copy.text].slice(-TEXTS_PER_JOB));
      }
      record.byText = texts;
      for (const id of [...record.known.keys()]) {
        if (record.ids.has(id) || record.kind !== 'lineage') continue;
        record.known.delete(id);
        record.history.delete(id);
      }
    },
  };
}

export type WholeHistoryClients = ReturnType<typeof createWholeHistoryClients>;

/** Whether a record holds this version of a job. */
export function holds(record: ClientRecord, id: string, seq: number): boolean {
  if (record.known.get(id)?.seq === seq) return true;
  return record.kind === 'loader' && seq <= record.watermark;
}

/** Whether a text is an older one of this job in this record's saves (not its current one). */
export function isOlderText(record: ClientRecord, id: string, text: string): boolean {
  const history = record.history.get(id);
  return history?.includes(text) === true && history.at(-1) !== text;
}
