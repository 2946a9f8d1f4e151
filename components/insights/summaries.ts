import { formatCost, formatCount, formatDuration, STATUS_LABELS } from '@/components/format';
import type { Insights } from '@/utils/insights/summary';

/** The text each plot also says, for screen readers and for anyone who would rather read it. */

/** `Jun 3` for `2025-06-03` (no Intl: its first call loads locale data). */
export function shortDay(day: string): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const [, m, d] = day.split('-').map(Number) as [number, number, number];
  return `${months[m - 1] ?? '?'} ${d}`;
}

export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string>)[status] ?? status.charAt(0).toUpperCase() + status.slice(1);
}

const dayCount = (n: number) => (n === 1 ? '1 day' : `${formatCount(n)} days`);
const jobCount = (n: number) => (n === 1 ? '1 job' : `${formatCount(n)} jobs`);

export function spendSummary(insights: Insights, limitUsd: number | null): string {
  const { days, kinds, spendByKind } = insights;
  let best = -1;
  let bestUsd = 0;
  days.forEach((_, i) => {
    const usd = kinds.reduce((sum, k) => sum + (spendByKind[k]?.[i] ?? 0), 0);
    if (usd > bestUsd) {
      bestUsd = usd;
      best = i;
    }
  });
  const total = kinds.reduce((sum, k) => sum + (spendByKind[k] ?? []).reduce((a, b) => a + b, 0), 0);
  if (total === 0) return `Nothing spent over ${dayCount(days.length)}.`;
  const parts = kinds
    .map((k) => [k, (spendByKind[k] ?? []).reduce((a, b) => a + b, 0)] as const)
    .filter(([, usd]) => usd > 0)
    .map(([k, usd]) => `${k} ${formatCost(usd)}`);
  const limit = limitUsd === null ? 'No daily limit.' : `Daily limit ${formatCost(limitUsd)}.`;
  return `Spent ${formatCost(total)} over ${dayCount(days.length)}: ${parts.join(', ')}. Most on ${shortDay(days[best]!)} (${formatCost(bestUsd)}). ${limit}`;
}

export function jobsSummary(insights: Insights): string {
  const { totals, statuses } = insights;
  if (totals.jobs === 0) return `No jobs over ${dayCount(insights.days.length)}.`;
  const parts = statuses
    .filter((s) => (totals.byStatus[s] ?? 0) > 0)
    .map((s) => `${formatCount(totals.byStatus[s]!)} ${statusLabel(s).toLowerCase()}`);
  return `${jobCount(totals.jobs)} over ${dayCount(insights.days.length)}: ${parts.join(', ')}.`;
}

export function durationSummary(insights: Insights): string {
  const sizes = insights.durations.filter((d) => d.key !== 'all');
  if (sizes.length === 0) return 'No finished job with a duration in this range.';
  return sizes
    .map(
      (d) =>
        `${d.key}: median ${formatDuration(d.median)}, 90% within ${formatDuration(d.p90)}, slowest ${formatDuration(d.max)} (${jobCount(d.count)})`,
    )
    .join('; ')
    .concat('.');
}
