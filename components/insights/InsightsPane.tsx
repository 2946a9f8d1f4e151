import InsightsView from '@/components/insights/InsightsView';
import { localDay } from '@/utils/insights/facts';
import { addDays, type InsightsRange } from '@/utils/insights/summary';
import type { InsightsSource } from '@/utils/panel/insights-source';
import { useInsights } from '@/utils/panel/use-insights';
import type { IndexEntry, SyncState } from '@/utils/storage/layout';

export interface InsightsPaneProps {
  source: InsightsSource;
  range: InsightsRange;
  onRange(range: InsightsRange): void;
  /** Every row once the index is in, else null. */
  entries: readonly IndexEntry[] | null;
  /** The rows the search and filters leave, or null when nothing narrows the history. */
  narrowed: readonly IndexEntry[] | null;
  narrowedLabel: string | null;
  /** The filter is set but the rows it narrows are not all read yet: nothing to show. */
  pending?: boolean;
  /** Today's spend and the daily limit as the companion last answered (the sync state). */
  spend: SyncState['spend'];
  reason: string | null;
  onReason(reason: string | null): void;
  /** The ledger of [from, to) in ms; no `from`: from the start. */
  onExportLedger(range: { from?: number; to: number }): void;
  exporting: boolean;
  onClose(): void;
  now?: () => number;
}

/** Local midnight that starts `day`, in ms. */
function startOf(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime();
}

/** Insights wired to its data (the stored aggregates, the filtered rows): loaded with its chunk on first open. */
export default function InsightsPane(props: InsightsPaneProps) {
  const now = (props.now ?? Date.now)();
  const today = localDay(now);
  const { insights: counted } = useInsights({
    source: props.source,
    range: props.range,
    now,
    narrowed: props.narrowed,
    entries: props.entries,
  });
  const insights = props.pending ? null : counted;
  // A figure read before the companion's midnight is yesterday's: it says nothing about today.
  const spend = props.spend && now < props.spend.resetsAt ? props.spend : null;
  return (
    <InsightsView
      insights={insights}
      range={props.range}
      onRange={props.onRange}
      today={today}
      spend={spend}
      narrowed={props.narrowedLabel}
      reason={props.reason}
      onReason={props.onReason}
      exporting={props.exporting}
      onExportLedger={() => {
        if (!insights) return;
        const to = startOf(addDays(insights.to, 1));
        props.onExportLedger(props.range === 'all' ? { to } : { from: startOf(insights.from), to });
      }}
      onClose={props.onClose}
    />
  );
}
