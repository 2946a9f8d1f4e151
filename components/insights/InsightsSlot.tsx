import { STATUS_LABELS } from '@/components/format';
import type { InsightsPaneProps } from '@/components/insights/InsightsPane';
import type { InsightsSource } from '@/utils/panel/insights-source';
import { useLazyModule } from '@/utils/panel/lazy';
import type { StatusFilter } from '@/utils/panel/search';

/** Its own chunk (the view, its CSS, and uPlot behind it), fetched when Insights is first opened. */
const loadInsightsPane = () => import('@/components/insights/InsightsPane');

/** What narrows the history, in words: `search “knight”, status Failed`. */
export function filterLabel(search: string, status: StatusFilter, reason: string | null): string {
  const parts = [search.trim() && `search “${search.trim()}”`, status !== 'all' && `status ${STATUS_LABELS[status]}`];
  if (reason) parts.push(`failed with “${reason}”`);
  return parts.filter(Boolean).join(', ');
}

/** Where Insights goes in the panel: a line saying it is opening until its chunk and its data source are in. */
export function InsightsSlot({
  source,
  ...props
}: Omit<InsightsPaneProps, 'source'> & { source: InsightsSource | null }) {
  const pane = useLazyModule(true, loadInsightsPane);
  if (pane.module && source) return <pane.module.default {...props} source={source} />;
  return (
    <p class="insights-loading">{pane.error ? `Insights could not be loaded: ${pane.error}` : 'Opening Insights…'}</p>
  );
}
