import type { SyncedJob } from '../../utils/domain';
import type { ServedList } from './served-list';

/** Lineages kept per origin, how long an unused one is kept, and texts kept per job. */
const LINEAGES_PER_ORIGIN = 8;
const IDLE_MS = 24 * 60 * 60 * 1000;
const TEXTS_PER_JOB = 8;

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

/** A job the record knows by the text of its last save (or load): its id, and the client's own id for it. */
export interface KnownText {
  id: string;
  rawKey: string;
}

/**
 * One client's view. A loader's begins as the load's served list (compact columns, shared with the next save's
 * matching) and keeps only what its saves changed in maps beside it; a lineage's is all maps.
 */
export class ClientRecord {
  /** The client's own id for a job (`sprite 1`, the 2nd `job-5`) -> the id the companion gave it. */
  readonly byRawKey = new Map<string, string>();
  /** Its last save's `lastJobId`: the old dashboard's counter only grows, so a lower one is an older save. */
  lastJobId = 0;
  /** Loaders: every job with a seq up to this was in the last load. */
  watermark = 0;
  /** Job id -> the version (seq) the client holds, since the load (a loader) or in all (a lineage). */
  private readonly known = new Map<string, Known>();
  /**
   * Every text each job had in this client's saves, newest last (bounded): a copy repeating an older one is a
   * stale copy (a tab opened from old localStorage taken for this one), never a change based on the current.
   */
  private readonly history = new Map<string, string[]>();
  /** Fingerprints of the job texts of its last save, with their ids; null while that is the load. */
  private texts: Map<string, KnownText> | null = null;
  /** Ids of its last save; null while that is the load. */
  private ids: Set<string> | null = null;

  constructor(
    readonly kind: 'loader' | 'lineage',
    public at: number,
    /** What the load served (a loader). */
    private readonly base: ServedList | null = null,
  ) {}

  /** The version of a job the client holds, if it holds one. */
  knownOf(id: string): Known | undefined {
    const known = this.known.get(id);
    if (known || !this.base) return known;
    const row = this.base.indexOfId(id);
    return row < 0 ? undefined : { seq: this.base.seqAt(row), birth: this.base.birthAt(row) };
  }

  /** The job whose text in the last save (or load) had this fingerprint. */
  textOf(fp: string): KnownText | undefined {
    if (this.texts) return this.texts.get(fp);
    const row = this.base ? this.base.indexOfFp(fp) : -1;
    if (row < 0 || !this.base) return undefined;
    const id = this.base.idAt(row);
    return { id, rawKey: `${id}#0` };
  }

  /** The texts a job had in this client, newest last. */
  historyOf(id: string): readonly string[] | undefined {
    const history = this.history.get(id);
    if (history || !this.base) return history;
    const row = this.base.indexOfId(id);
    return row < 0 ? undefined : [this.base.fpAt(row)];
  }

  /** How many jobs of the last save (or load) are not in `listed`. */
  unlisted(listed: ReadonlySet<string>): number {
    let count = 0;
    for (const id of this.idList()) if (!listed.has(id)) count++;
    return count;
  }

  /** Jobs in the last save (or load). */
  get idCount(): number {
    return this.ids ? this.ids.size : (this.base?.length ?? 0);
  }

  /** After a save: what the client holds now. */
  saved(
    copies: { rawKey: string; text: string; id: string; birth: string }[],
    unchanged: { id: string; rawKey: string; text: string }[],
    holds: ReadonlyMap<string, SyncedJob>,
  ): void {
    this.ids = new Set([...copies.map((c) => c.id), ...unchanged.map((u) => u.id)]);
    const texts = new Map<string, KnownText>();
    for (const u of unchanged) texts.set(u.text, { id: u.id, rawKey: u.rawKey });
    for (const copy of copies) {
      this.byRawKey.set(copy.rawKey, copy.id);
      const job = holds.get(copy.id);
      // A stale copy the companion did not take: the client does not hold the version now.
      if (!job) continue;
      this.known.set(copy.id, { seq: job.seq, birth: copy.birth });
      texts.set(copy.text, { id: copy.id, rawKey: copy.rawKey });
      const history = (this.historyOf(copy.id) ?? []).filter((t) => t !== copy.text);
      this.history.set(copy.id, [...history, copy.text].slice(-TEXTS_PER_JOB));
    }
    this.texts = texts;
    if (this.kind !== 'lineage') return;
    for (const id of [...this.known.keys()]) {
      if (this.ids.has(id)) continue;
      this.known.delete(id);
      this.history.delete(id);
    }
  }

  private *idList(): Iterable<string> {
    if (this.ids) {
      yield* this.ids;
      return;
    }
    for (let i = 0; i < (this.base?.length ?? 0); i++) yield this.base!.idAt(i);
  }
}

/** How a save fits a record: jobs it lists that the record holds (same id and birth), and whether any clash. */
export interface Fit {
  score: number;
  /** The save lists another job (another birth) under an id the record holds. */
  conflict: boolean;
}

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

  const fresh = (kind: ClientRecord['kind'], base?: ServedList) => new ClientRecord(kind, now(), base);

  function recordsOf(origin: string | null): ClientRecord[] {
    const at = now();
    const records = (byOrigin.get(keyOf(origin)) ?? []).filter((r) => at - r.at < IDLE_MS);
    byOrigin.set(keyOf(origin), records);
    return records;
  }

  return {
    /** A load was served: the client now holds every live job up to `watermark`, with these texts. */
    loaded(origin: string | null, served: ServedList, watermark: number) {
      const records = recordsOf(origin).filter((r) => r.kind !== 'loader');
      const record = fresh('loader', served);
      record.watermark = watermark;
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
      if (best && (count === 0 || bestScore * 2 >= Math.max(count, best.idCount) || count - bestScore <= 3)) {
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
      record.saved(copies, unchanged, holds);
    },
  };
}

export type WholeHistoryClients = ReturnType<typeof createWholeHistoryClients>;

/** Whether a record holds this version of a job. */
export function holds(record: ClientRecord, id: string, seq: number): boolean {
  if (record.knownOf(id)?.seq === seq) return true;
  return record.kind === 'loader' && seq <= record.watermark;
}

/** Whether a text is an older one of this job in this record's saves (not its current one). */
export function isOlderText(record: ClientRecord, id: string, text: string): boolean {
  const history = record.historyOf(id);
  return history?.includes(text) === true && history.at(-1) !== text;
}
