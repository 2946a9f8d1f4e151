/** Summaries and the printed table. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
  samples: number[];
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, n, samples: [...samples] };
}

/** Nearest-rank percentile. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export type Unit = 'ms' | 's' | 'MB' | 'B' | 'KB' | '/s' | '' | 'x';

export function fmt(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '-';
  switch (unit) {
    case 'ms':
      return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
    case 's':
      return `${(value / 1000).toFixed(2)} s`;
    case 'MB':
      return `${(value / 1024 / 1024).toFixed(1)} MB`;
    case 'KB':
      return `${(value / 1024).toFixed(1)} KB`;
    case 'B':
      return value >= 1024 * 1024
        ? `${(value / 1024 / 1024).toFixed(1)} MB`
        : value >= 10 * 1024
          ? `${(value / 1024).toFixed(1)} KB`
          : `${Math.round(value)} B`;
    case '/s':
      return `${value.toFixed(0)}/s`;
    case 'x':
      return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}x`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
}

/** "median [min..max]", or the single value when there is one sample. */
export function fmtSummary(s: Summary | null | undefined, unit: Unit): string {
  if (!s || s.n === 0) return '-';
  if (s.n === 1 || s.min === s.max) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} [${fmt(s.min, unit)}..${fmt(s.max, unit)}]`;
}

export interface Row {
  id: string;
  measurement: string;
  ours: Summary | null;
  baseline: Summary | null;
  unit: Unit;
  /** Displayed ratio, e.g. "28x faster" or "0.4 %". */
  ratio?: string;
  ratioValue?: number;
  target?: string;
  /** undefined: no target (information only). */
  pass?: boolean;
  note?: string;
}

export function printTable(rows: readonly Row[]): string {
  const header = [
    'measurement',
    'ours (median [min..max])',
    'baseline (median [min..max])',
    'ratio',
    'target',
    'result',
  ];
  const body = rows.map((r) => [
    r.measurement,
    fmtSummary(r.ours, r.unit),
    fmtSummary(r.baseline, r.unit),
    r.ratio ?? '',
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  * ${r.measurement}: ${r.note}`);
  return [...out, ...(notes.length ? ['', 'Notes:', ...notes] : [])].join('\n');
}
