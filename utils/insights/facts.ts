import type { Job } from '@/utils/domain/job';

/**
 * What Insights needs of one job: small enough to sit in every index entry (so a filtered view is computed
 * from the index in memory, without reading 10,000 job records), and the only input of the aggregates.
 * Tags and boards are the job's organising fields (organise-schema.ts: board ids, named by their board records);
 * author is read loosely: no client writes it yet.
 */
export interface JobFacts {
  createdAt: number;
  status: string;
  kind: string;
  width: number;
  height: number;
  prompt: string;
  /** What PixelLab charged; absent when nothing was paid or it did not say. */
  usd?: number;
  /** Seconds. */
  duration?: number;
  /** A failed job's error, grouped (failureReason). */
  reason?: string;
  tags?: string[];
  boards?: string[];
  author?: string;
}

/** Longest reason kept: enough to tell causes apart in a list, short enough for every index entry. */
export const MAX_REASON_LENGTH = 80;
const MAX_LABEL_LENGTH = 100;

/**
 * A failed job's error as a group: its first clause, numbers replaced by `N`, so "PixelLab did not answer
 * within 0.2 s" and "... within 120 s" count as one cause; an HTTP error status (4xx, 5xx, not a measure)
 * stays, since 401 and 429 are different causes.
 */
export function failureReason(error: string | null | undefined): string {
  const text = (error ?? '').trim();
  if (!text) return 'Unknown error';
  const clause = text.split(/(?:[.:;](?:\s|$)|\n)/, 1)[0]!;
  const grouped = clause
    .replace(/\d+(?:[.,]\d+)*(\s*(?:ms|s|px|x)\b)?/g, (n, unit?: string) =>
      !unit && /^[45]\d\d$/.test(n) ? n : `N${unit ?? ''}`,
    )
    .replace(/\s+/g, ' ')
    .trim();
  const cut = grouped.length > MAX_REASON_LENGTH ? `${grouped.slice(0, MAX_REASON_LENGTH - 1)}…` : grouped;
  return cut || 'Unknown error';
}

/** `64x64`. */
export function sizeKey(width: number, height: number): string {
  return `${width}x${height}`;
}

/** Days of recent quarter hours (every UTC offset and DST switch falls on one): a fold reads many times per day. */
const dayOfQuarter = new Map<number, string>();
const QUARTER_MS = 900_000;

/** The local calendar day of a time, `YYYY-MM-DD`: the day the user lived it (the spending limit's day too). */
export function localDay(ms: number): string {
  const quarter = Math.floor(ms / QUARTER_MS);
  const known = dayOfQuarter.get(quarter);
  if (known !== undefined) return known;
  const day = computeLocalDay(ms);
  if (dayOfQuarter.size >= 50_000) dayOfQuarter.clear();
  dayOfQuarter.set(quarter, day);
  return day;
}

function computeLocalDay(ms: number): string {
  const d = new Date(ms);
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${String(d.getFullYear()).padStart(4, '0')}-${mm}-${dd}`;
}

/** `YYYY-MM` of a day. */
export const monthOfDay = (day: string): string => day.slice(0, 7);

/** Distinct short strings of a loose field that should be a list (tags, boards); undefined when there are none. */
function labelList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = new Set<string>();
  for (const item of value) {
    if (typeof item === 'string' && item.trim() !== '') out.add(item.trim().slice(0, MAX_LABEL_LENGTH));
  }
  return out.size > 0 ? [...out].sort() : undefined;
}

function label(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, MAX_LABEL_LENGTH) : undefined;
}

/** The facts of one job version. */
export function factsOf(job: Job): JobFacts {
  const loose = job as Job & { author?: unknown };
  const facts: JobFacts = {
    createdAt: job.createdAt,
    status: job.status,
    kind: job.kind,
    width: job.width,
    height: job.height,
    prompt: job.prompt,
  };
  if (typeof job.usd === 'number') facts.usd = job.usd;
  if (typeof job.duration === 'number') facts.duration = job.duration;
  if (job.status === 'error') facts.reason = failureReason(job.error);
  const tags = labelList(job.tags);
  if (tags) facts.tags = tags;
  const boards = labelList(job.boards);
  if (boards) facts.boards = boards;
  const author = label(loose.author);
  if (author) facts.author = author;
  return facts;
}
