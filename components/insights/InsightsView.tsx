import { useEffect, useMemo, useRef } from 'preact/hooks';
import { formatCost, formatCount } from '@/components/format';
import { KeyList } from '@/components/insights/KeyList';
import { Plot } from '@/components/insights/Plot';
import { colorsFor, OKABE_ITO } from '@/components/insights/palette';
import { durationsSpec, type StackedSeries, stackedDaysSpec } from '@/components/insights/plot-options';
import { RangePicker } from '@/components/insights/RangePicker';
import { durationSummary, jobsSummary, spendSummary, statusLabel } from '@/components/insights/summaries';
import type { Insights, InsightsRange } from '@/utils/insights/summary';
import type { SyncState } from '@/utils/storage/layout';
import '@/components/insights/insights.css';

export interface InsightsViewProps {
  insights: Insights | null;
  range: InsightsRange;
  onRange(range: InsightsRange): void;
  today: string;
  /** The companion's count of today's spend and its limits, when it answered today. */
  spend: SyncState['spend'];
  /** What narrows the history now ("search “knight”, status Failed"), or null. */
  narrowed: string | null;
  /** The failure reason the history is filtered to, if any. */
  reason: string | null;
  onReason(reason: string | null): void;
  onExportLedger(): void;
  exporting: boolean;
  onClose(): void;
}

/** A limit far above the bars would flatten them: it is drawn when the busiest day reaches a fifth of it. */
const LIMIT_SHOWN_FROM = 0.2;
const LABEL_DIMENSIONS: Array<[string, string]> = [
  ['tag', 'Tags'],
  ['board', 'Boards'],
  ['author', 'Authors'],
];

/** Insights: what the user spent, made and waited for, as plots with a text summary each. */
export default function InsightsView(props: InsightsViewProps) {
  const { insights, spend, narrowed } = props;
  const limit = spend?.maxUsdPerDay ?? null;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Opened from the header: the view starts where it is, below the form, for eyes and screen readers alike.
    heading.current?.focus({ preventScroll: true });
    heading.current?.scrollIntoView?.({ block: 'start' });
  }, []);
  return (
    <section class="insights" aria-labelledby="insights-title" data-testid="insights">
      <div class="insights-head">
        <h2 id="insights-title" ref={heading} tabIndex={-1}>
          Insights
        </h2>
        <button type="button" class="btn" onClick={props.onClose}>
          Back to history
        </button>
        <RangePicker range={props.range} onRange={props.onRange} today={props.today} />
      </div>
      {narrowed && <p class="insights-note">Following the filter: {narrowed}.</p>}
      {insights ? (
        <Body {...props} insights={insights} limit={limit} />
      ) : (
        <p class="insights-loading" aria-busy="true">
          Counting…
        </p>
      )}
    </section>
  );
}

function Body(props: InsightsViewProps & { insights: Insights; limit: number | null }) {
  const { insights, limit, spend, narrowed } = props;
  // The guard's own count when the whole history is shown (it also counts the old API's calls); else these jobs'.
  const spentToday = !narrowed && spend ? spend.todayUsd : insights.today.usd;
  const failed = insights.totals.byStatus.error ?? 0;
  const plots = useMemo(() => {
    const kinds = insights.kinds.filter((k) => (insights.spendByKind[k] ?? []).some((v) => v > 0));
    const kindColors = colorsFor(insights.kinds);
    const spendSeries: StackedSeries[] = kinds.map((k) => ({
      key: k,
      label: k,
      color: kindColors[k]!,
      values: insights.spendByKind[k]!,
    }));
    const busiest = Math.max(
      0,
      ...insights.days.map((_, i) => kinds.reduce((sum, k) => sum + (insights.spendByKind[k]?.[i] ?? 0), 0)),
    );
    const showLimit = limit !== null && busiest >= limit * LIMIT_SHOWN_FROM;
    const statuses = insights.statuses.filter((s) => (insights.jobsByStatus[s] ?? []).some((v) => v > 0));
    const statusColors = colorsFor(insights.statuses);
    const sizes = insights.durations.filter((d) => d.key !== 'all').slice(0, 8);
    return {
      spendSeries,
      spend: stackedDaysSpec({
        days: insights.days,
        series: spendSeries,
        money: true,
        line: showLimit ? { label: 'Daily limit', value: limit } : null,
      }),
      limitOffScale: limit !== null && !showLimit,
      jobSeries: statuses.map((s) => ({ key: s, label: statusLabel(s), color: statusColors[s]! })),
      jobs: stackedDaysSpec({
        days: insights.days,
        series: statuses.map((s) => ({
          key: s,
          label: statusLabel(s),
          color: statusColors[s]!,
          values: insights.jobsByStatus[s]!,
        })),
      }),
      sizes,
      durations: durationsSpec(sizes, [OKABE_ITO[4]!, OKABE_ITO[0]!, OKABE_ITO[5]!]),
    };
  }, [insights, limit]);

  return (
    <div class="insights-body">
      <dl class="kpis">
        <div class="kpi">
          <dt>Spent today</dt>
          <dd data-testid="spent-today">{formatCost(spentToday)}</dd>
          <dd class="kpi-sub">{limit === null ? 'no daily limit' : `of ${formatCost(limit)} a day`}</dd>
        </div>
        <div class="kpi">
          <dt>Spent in range</dt>
          <dd>{formatCost(insights.totals.usd)}</dd>
          <dd class="kpi-sub">{formatCount(insights.totals.paid)} paid</dd>
        </div>
        <div class="kpi">
          <dt>Jobs</dt>
          <dd>{formatCount(insights.totals.jobs)}</dd>
          <dd class="kpi-sub">{formatCount(failed)} failed</dd>
        </div>
      </dl>

      <div class="insights-grid">
        <figure class="insight" aria-labelledby="spend-title">
          <figcaption id="spend-title">Spend per day, by kind</figcaption>
          {plots.spendSeries.length > 0 && <Plot spec={plots.spend} testId="plot-spend" />}
          <Legend items={plots.spendSeries} line={plots.limitOffScale ? null : limit !== null ? 'Daily limit' : null} />
          <p class="plot-summary" data-testid="spend-summary">
            {spendSummary(insights, limit)}
            {plots.limitOffScale &&
              plots.spendSeries.length > 0 &&
              ' The limit is far above these bars, so it is not drawn.'}
          </p>
        </figure>

        <figure class="insight" aria-labelledby="jobs-title">
          <figcaption id="jobs-title">Jobs per day, by outcome</figcaption>
          {plots.jobSeries.length > 0 && <Plot spec={plots.jobs} testId="plot-jobs" />}
          <Legend items={plots.jobSeries} />
          <p class="plot-summary">{jobsSummary(insights)}</p>
        </figure>

        <figure class="insight" aria-labelledby="durations-title">
          <figcaption id="durations-title">How long jobs take, by size</figcaption>
          {plots.sizes.length > 0 && <Plot spec={plots.durations} testId="plot-durations" />}
          {plots.sizes.length > 0 && (
            <Legend
              items={[
                { key: 'median', label: 'Median', color: OKABE_ITO[4]! },
                { key: 'p90', label: '90th percentile', color: OKABE_ITO[0]! },
                { key: 'max', label: 'Slowest', color: OKABE_ITO[5]! },
              ]}
            />
          )}
          <p class="plot-summary">{durationSummary(insights)}</p>
        </figure>

        <section class="insight" aria-labelledby="reasons-title">
          <h3 id="reasons-title">Why jobs failed</h3>
          <KeyList
            items={insights.reasons}
            empty="No failed jobs in this range."
            spend={false}
            onPick={(key) => props.onReason(props.reason === key ? null : key)}
            active={props.reason}
            pickLabel={(key) => `Show the jobs that failed with “${key}”`}
          />
          {props.reason && (
            <button type="button" class="btn link" onClick={() => props.onReason(null)}>
              Show every job again
            </button>
          )}
        </section>

        <section class="insight" aria-labelledby="prompts-title">
          <h3 id="prompts-title">Top prompts</h3>
          {insights.prompts ? (
            <KeyList items={insights.prompts} empty="No prompts in this range." />
          ) : (
            <p class="key-empty" aria-busy="true">
              Counting prompts…
            </p>
          )}
        </section>

        {LABEL_DIMENSIONS.filter(([dim]) => (insights.byKey[dim]?.length ?? 0) > 0).map(([dim, title]) => (
          <section class="insight" key={dim} aria-labelledby={`${dim}-title`}>
            <h3 id={`${dim}-title`}>Top {title.toLowerCase()}</h3>
            <KeyList items={insights.byKey[dim]!} empty="" />
          </section>
        ))}
      </div>

      <div class="insights-foot">
        <button
          type="button"
          class="btn"
          onClick={props.onExportLedger}
          disabled={props.exporting}
          aria-busy={props.exporting ? 'true' : undefined}
        >
          Download ledger (CSV)
        </button>
        <span class="hint">One row per paid call, from the companion's cost ledger, for this range.</span>
      </div>
    </div>
  );
}

function Legend({
  items,
  line = null,
}: {
  items: ReadonlyArray<{ key: string; label: string; color: string }>;
  line?: string | null;
}) {
  if (items.length === 0) return null;
  return (
    <ul class="legend" aria-hidden="true">
      {items.map((item) => (
        <li key={item.key}>
          <span class="swatch" style={{ background: item.color }} />
          {item.label}
        </li>
      ))}
      {line && (
        <li>
          <span class="swatch line" />
          {line}
        </li>
      )}
    </ul>
  );
}
