import type uPlot from 'uplot';
import { formatCost } from '@/components/format';
import { shortDay } from '@/components/insights/summaries';
import type { DurationStats } from '@/utils/insights/summary';

/** uPlot's class, loaded on demand (Plot.tsx). */
export type UPlotClass = typeof uPlot;

/** The theme's colours, resolved from the page's CSS (canvas cannot read CSS variables). */
export interface PlotTheme {
  text: string;
  grid: string;
  font: string;
}

/** What a plot draws: built once uPlot is loaded and the theme is known. */
export interface PlotSpec {
  height: number;
  build(U: UPlotClass, theme: PlotTheme): { opts: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData };
}

export interface StackedSeries {
  key: string;
  label: string;
  color: string;
  values: readonly number[];
}

/** A local day as uPlot's x value (seconds at noon, so DST never moves a bar to the next day). */
function dayToSeconds(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12).getTime() / 1000;
}

function axes(theme: PlotTheme, y: uPlot.Axis['values'], x?: Partial<uPlot.Axis>): uPlot.Axis[] {
  const base = { stroke: theme.text, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { show: false } };
  return [
    { ...base, grid: { show: false }, ...x },
    { ...base, values: y, size: 52 },
  ];
}

/**
 * Bars per day, stacked: each series is drawn as the running sum up to it, tallest first, so the shorter ones
 * cover its lower part. `line` adds a dashed horizontal line (the daily limit).
 */
export function stackedDaysSpec(options: {
  days: readonly string[];
  series: readonly StackedSeries[];
  money?: boolean;
  line?: { label: string; value: number } | null;
  height?: number;
}): PlotSpec {
  const { days, series, money = false, line = null } = options;
  return {
    height: options.height ?? 170,
    build(U, theme) {
      const x = days.map(dayToSeconds);
      const sums: number[][] = [];
      let running = days.map(() => 0);
      for (const s of series) {
        running = running.map((v, i) => v + (s.values[i] ?? 0));
        sums.push(running);
      }
      const order = series.map((s, i) => ({ s, sum: sums[i]! })).reverse();
      const bars = U.paths.bars!({ size: [0.75, 48], gap: 1 });
      const data: uPlot.AlignedData = [x, ...order.map((o) => o.sum)];
      const drawn: uPlot.Series[] = [
        {},
        ...order.map((o) => ({
          label: o.s.label,
          fill: o.s.color,
          stroke: o.s.color,
          width: 0,
          paths: bars,
          points: { show: false },
        })),
      ];
      if (line) {
        data.push(x.map(() => line.value));
        drawn.push({ label: line.label, stroke: theme.text, width: 2, dash: [6, 4], points: { show: false } });
      }
      const format = (v: number) => (money ? formatCost(v) : String(v));
      return {
        data,
        opts: {
          series: drawn,
          legend: { show: false },
          cursor: { show: false },
          scales: {
            x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
            y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
          },
          axes: axes(theme, (_u, ticks) => ticks.map(format), {
            size: 26,
            // Labels under the bars (noon), every n-th day counted back from the last so today is named.
            splits: (u) => {
              const every = Math.max(1, Math.ceil(x.length / Math.max(2, Math.floor((u.width - 60) / 56))));
              return x.filter((_, i) => (x.length - 1 - i) % every === 0);
            },
            values: (_u, ticks) => ticks.map((t) => shortDay(secondsToDay(t))),
          }),
        },
      };
    },
  };
}

function secondsToDay(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Median, 90th percentile and slowest per size, as grouped bars (one group per size). */
export function durationsSpec(stats: readonly DurationStats[], colors: readonly [string, string, string]): PlotSpec {
  const measures = ['median', 'p90', 'max'] as const;
  const labels = { median: 'Median', p90: '90th percentile', max: 'Slowest' } as const;
  return {
    height: 170,
    build(U, theme) {
      // Three x positions per size; each series has a value only at its own.
      const x: number[] = [];
      const columns = measures.map(() => [] as (number | null)[]);
      stats.forEach((s, i) => {
        measures.forEach((m, k) => {
          x.push(i + (k - 1) * 0.27);
          for (const [j, col] of columns.entries()) col.push(j === k ? s[m] : null);
        });
      });
      const bars = U.paths.bars!({ size: [0.9, 28], gap: 1 });
      return {
        data: [x, ...columns] as uPlot.AlignedData,
        opts: {
          series: [
            {},
            ...measures.map((m, k) => ({
              label: labels[m],
              fill: colors[k],
              stroke: colors[k],
              width: 0,
              paths: bars,
              points: { show: false },
            })),
          ],
          legend: { show: false },
          cursor: { show: false },
          scales: {
            x: { time: false, range: () => [-0.6, stats.length - 0.4] },
            y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
          },
          axes: axes(theme, (_u, ticks) => ticks.map((t) => `${t} s`), {
            size: 26,
            splits: () => stats.map((_, i) => i),
            values: (_u, ticks) => ticks.map((t) => stats[t]?.key ?? ''),
          }),
        },
      };
    },
  };
}
