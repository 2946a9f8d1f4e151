/** 4. Memory: the panel's JS heap after scrolling every row into view, against the page holding the whole history. */
import type { Dataset } from '../dataset';
import { MEMORY_VIEWPORT, samples } from '../run-context';
import { fmt, type Row, summarize } from '../stats';

export function memoryRows(large: Dataset): Row[] {
  const L = large.count.toLocaleString('en-US');
  const rows: Row[] = [];
  const m = samples.memory;
  const memoryBaseline = samples.memoryBaseline;
  if (m) {
    rows.push({
      id: 'memory.heap',
      measurement: `4. panel JS heap after scrolling all ${L} jobs (after GC)`,
      ours: summarize([m.heapAfterScroll]),
      baseline: memoryBaseline === null ? null : summarize([memoryBaseline]),
      unit: 'MB',
      ratio: memoryBaseline ? `${fmt(memoryBaseline / m.heapAfterScroll, 'x')} smaller` : '',
      target: '<= 150 MB',
      pass: m.heapAfterScroll <= 150 * 1024 * 1024 && m.seen === large.count,
      note: `${m.seen} of ${large.count} rows seen with their thumbnail in ${Math.round(m.scrollMs / 1000)} s (${m.steps} scroll steps, panel ${MEMORY_VIEWPORT.width}x${MEMORY_VIEWPORT.height}); heap after first paint ${fmt(m.heapAfterFirstPaint, 'MB')}; ${m.domRows} rows in the DOM at the end; baseline = the one-key page holding the whole history`,
    });
  }
  return rows;
}
