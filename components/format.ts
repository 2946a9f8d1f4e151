import type { JobStatus } from '@/utils/domain/job';
import type { Direction } from '@/utils/domain/primitives';

/** What each status is called on screen. `idle` waits for the companion, so "Waiting". */
export const STATUS_LABELS: Record<JobStatus, string> = {
  idle: 'Waiting',
  queued: 'Queued',
  running: 'Running',
  success: 'Done',
  error: 'Failed',
  cancelled: 'Cancelled',
};

/** `0.8 s`, `12 s`, `2 min 05 s`, `1 h 02 min` */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, '0')} s`;
  return `${Math.floor(total / 3600)} h ${String(Math.floor((total % 3600) / 60)).padStart(2, '0')} min`;
}

/** `just now`, `5 s ago`, `3 min ago`, `2 h ago`, `4 d ago`, then the date. */
export function formatAge(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || !Number.isFinite(at) || at <= 0) return '';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 30 * 86_400) return `${Math.floor(s / 86_400)} d ago`;
  return new Date(at).toISOString().slice(0, 10);
}

/** A live timer for running jobs: `0:07`, `1:32`. */
export function formatTimer(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A direction in two letters at most, as a compass writes it. */
export const DIRECTION_SHORT: Record<Direction, string> = {
  north: 'N',
  'north-east': 'NE',
  east: 'E',
  'south-east': 'SE',
  south: 'S',
  'south-west': 'SW',
  west: 'W',
  'north-west': 'NW',
};

export function formatUsd(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : `$${value.toFixed(2)}`;
}

/**
 * Money as every view shows it (status bar, rows, the form's preview, Insights): a sprite costs about a cent, so
 * under a dime up to four places are kept (`$0.0125`, `$0.042`), never fewer than cents (`$0.05`); above, cents.
 */
export function formatCost(usd: number): string {
  if (!Number.isFinite(usd) || usd === 0) return '$0.00';
  if (Math.abs(usd) >= 0.1) return `$${usd.toFixed(2)}`;
  if (Math.abs(usd) < 0.0001) return usd > 0 ? '<$0.0001' : '-<$0.0001';
  const precise = usd.toFixed(4).replace(/0+$/, '');
  return precise.length - precise.indexOf('.') > 2 ? `$${precise}` : `$${usd.toFixed(2)}`;
}

/**
 * `12,345`: a count as `toLocaleString('en-US')` writes it, without Intl. The first Intl call of a page
 * loads locale data (13-20 ms measured on a panel's first open after a browser start, on the first paint's path).
 */
export function formatCount(value: number): string {
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return value < 0 ? `-${digits}` : digits;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A prompt short enough for a one-line toast: whitespace collapsed, cut at a word with "…". */
export function shortPrompt(prompt: string, max = 32): string {
  const text = prompt.trim().replace(/\s+/g, ' ');
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}
