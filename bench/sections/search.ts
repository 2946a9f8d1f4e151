/** 6. Search: keystroke to the list painted, over every prompt of the history (10,000, and 100,000 with BENCH_100K). */
import type { Dataset } from '../dataset';
import { samples } from '../run-context';
import { fmt, type Row, summarize } from '../stats';

export function searchRows(large: Dataset): Row[] {
  const L = large.count.toLocaleString('en-US');
  const search = samples.search;
  const rows: Row[] = [];
  if (search.length) {
    const painted = summarize(search.map((s) => s.paintedMs));
    const dom = summarize(search.map((s) => s.domMs));
    rows.push({
      id: 'search.keystroke',
      measurement: `6. search over ${L} prompts: keystroke to list painted`,
      ours: painted,
      baseline: null,
      unit: 'ms',
      target: '<= 50 ms (median)',
      pass: painted.median <= 50,
      note: `${search.length} queries; to the DOM update alone ${fmt(dom.median, 'ms')} [${fmt(dom.min, 'ms')}..${fmt(dom.max, 'ms')}]; slowest: ${[
        ...search,
      ]
        .sort((a, b) => b.paintedMs - a.paintedMs)
        .slice(0, 3)
        .map((s) => `"${s.query}" (${s.results} results) ${s.paintedMs.toFixed(1)} ms`)
        .join(', ')}`,
    });
  }
  return rows;
}

export function hugeSearchRows(huge: Dataset): Row[] {
  const H = huge.count.toLocaleString('en-US');
  const searchHuge = samples.searchHuge;
  const rows: Row[] = [];
  if (searchHuge.length) {
    const painted = summarize(searchHuge.map((q) => q.paintedMs));
    rows.push({
      id: `search.keystroke.${huge.count}`,
      measurement: `6. search over ${H} prompts: keystroke to list painted`,
      ours: painted,
      baseline: null,
      unit: 'ms',
      target: '<= 50 ms (median)',
      pass: painted.median <= 50,
      note: `${searchHuge.length} queries; slowest: ${[...searchHuge]
        .sort((a, b) => b.paintedMs - a.paintedMs)
        .slice(0, 3)
        .map((q) => `"${q.query}" (${q.results} results) ${q.paintedMs.toFixed(1)} ms`)
        .join(', ')}`,
    });
  }
  return rows;
}
