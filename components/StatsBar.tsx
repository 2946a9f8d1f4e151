import { formatCount, formatDuration } from '@/components/format';
import type { Stats } from '@/utils/storage/layout';

export interface StatsBarProps {
  /** From the `stats` key; null before it is read or when the background has not written it. */
  stats: Stats | null;
  /** Short labels after the figures ("12 done"), for the list's caption line. */
  compact?: boolean;
}

const COMPACT: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  success: 'done',
  error: 'failed',
  avg: 'avg',
};

export function StatsBar({ stats, compact = false }: StatsBarProps) {
  const n = (v: number | undefined) => (v === undefined ? '–' : formatCount(v));
  const items: Array<[string, string, string]> = [
    ['Total', n(stats?.total), 'total'],
    ['Queued', n(stats?.queued), 'queued'],
    ['Running', n(stats?.running), 'running'],
    ['Completed', n(stats?.success), 'success'],
    ['Failed', n(stats?.error), 'error'],
    ['Avg time', stats?.avgDuration != null ? formatDuration(stats.avgDuration) : '–', 'avg'],
  ];
  if (compact) for (const item of items) item[0] = COMPACT[item[2]] ?? item[0];
  return (
    <dl class={compact ? 'stats-bar compact' : 'stats-bar'} aria-label="Job statistics" data-testid="stats">
      {items.map(([label, value, key]) => (
        <div class={`stat stat-${key}`} key={key} data-stat={key}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
