/**
 * Issue 19's figures as rows of the bench's table (7: the old API against the old server and the floor,
 * 8: the companion at its largest measured size, 9: /health during a save), and the per-size table of 8.
 */
import { FROM_SOURCE } from './built';
import type { OldApiSample } from './old-api';
import type { OldApiResults, ServerName } from './old-api-bench';
import { HUGE, type OldApiScaleResults } from './old-api-scale-run';
import type { PushSample, ScalePoint } from './scale';
import { fmt, fmtSummary, type Row, type Summary, summarize } from './stats';

const MB = 1024 * 1024;
const n = (count: number) => count.toLocaleString('en-US');
const okMs = (samples: OldApiSample[]) => {
  const ok = samples.filter((s) => s.ok).map((s) => s.ms);
  return ok.length ? summarize(ok) : null;
};
/** "413 ×2: <first bytes>" for the samples that failed, or ''. */
function failures(samples: OldApiSample[]): string {
  const bad = samples.filter((s) => !s.ok);
  if (!bad.length) return '';
  const log = bad[0]!.serverLog?.length ? `; it logged: ${bad[0]!.serverLog.join(' / ').slice(0, 300)}` : '';
  return `${bad.length} of ${samples.length} failed (${bad[0]!.status || 'no answer'}: ${(bad[0]!.error ?? '').slice(0, 200).replace(/\s+/g, ' ')}${log})`;
}

function oldApiRows(r: OldApiResults, withTargets: boolean): Row[] {
  const rows: Row[] = [];
  for (const op of ['save', 'load'] as const) {
    const samples = r[op];
    const peer = okMs(samples.peer);
    const floor = okMs(samples.floor);
    const ours = okMs(samples.companion);
    const what =
      op === 'save'
        ? `/save-jobs, ${n(r.count)} jobs (one job changed, ${fmt(r.saveBodyBytes, 'B')} body)`
        : `/load-jobs, ${n(r.count)} jobs`;
    const notes = (['peer', 'floor', 'companion'] as ServerName[])
      .map((s) => (failures(samples[s]) ? `${s}: ${failures(samples[s])}` : ''))
      .filter(Boolean);
    const applied = r.companionApplied;
    if (op === 'save' && applied.length && applied.some((a) => !a))
      notes.push(`the companion did not hold the edit after ${applied.filter((a) => !a).length} of its saves`);
    const x = ours && floor ? ours.median / floor.median : NaN;
    rows.push({
      id: `oldApi.${op}.${r.count}.floor`,
      measurement: `7. ${what}: companion vs the floor`,
      ours,
      baseline: floor,
      unit: 'ms',
      ratio: Number.isFinite(x) ? `${fmt(x, 'x')} the floor` : 'n/a',
      ratioValue: x,
      ...(withTargets ? { target: '<= 1.5x the floor', pass: x <= 1.5 } : {}),
      note: notes.join('; ') || undefined,
    });
    const y = ours && peer ? peer.median / ours.median : NaN;
    rows.push({
      id: `oldApi.${op}.${r.count}.peer`,
      measurement: `7. ${what}: companion vs the old server (python3 mimic)`,
      ours,
      baseline: peer,
      unit: 'ms',
      ratio: !Number.isFinite(y) ? 'n/a' : y >= 1 ? `${fmt(y, 'x')} faster` : `${fmt(1 / y, 'x')} slower`,
      ratioValue: y,
      ...(withTargets ? { target: '>= 2x faster', pass: y >= 2 } : {}),
      note:
        peer && floor
          ? `the floor is ${fmt(peer.median / floor.median, 'x')} faster than the old server here; server time (last byte sent to answer headers) companion ${fmtSummary(summarize(samples.companion.filter((s) => s.ok).map((s) => s.serverMs)), 'ms')}`
          : undefined,
    });
  }
  return rows;
}

function healthRows(r: OldApiResults): Row[] {
  const h = r.healthDuringSave;
  if (!h) return [];
  return (
    [
      ['oneChanged', 'one job changed', h.oneChanged],
      ['allNew', 'all new to an empty companion', h.allNew],
    ] as const
  ).map(([key, label, d]) => ({
    id: `healthDuringSave.${key}`,
    measurement: `9. /health while a ${fmt(d.save.bodyBytes, 'B')} /save-jobs (${n(r.count)} jobs, ${label}) is in progress`,
    ours: d.latencies.length ? summarize(d.latencies) : null,
    baseline: null,
    unit: 'ms' as const,
    ratio: `worst ${fmt(d.worstMs, 'ms')}`,
    ratioValue: d.worstMs,
    target: 'worst <= 1 s',
    pass: d.worstMs <= 1000 && d.failures === 0 && d.latencies.length > 0,
    note: `${d.latencies.length} probes one after another, ${d.failures} not answered 200; the save took ${d.save.ok ? fmt(d.save.ms, 'ms') : `- (${d.save.status} ${d.save.error ?? ''})`}`,
  }));
}

const e2e = (p: ScalePoint) => summarize(p.pushes.map((s) => s.e2eMs));
const ackBytes = (p: ScalePoint) => summarize(p.pushes.map((s) => s.atAck.writeBytes));
const startMs = (p: { starts: { healthMs: number }[] }) => summarize(p.starts.map((s) => s.healthMs));

function scaleRows(points: ScalePoint[]): Row[] {
  const top = points.at(-1);
  if (!top) return [];
  const atTarget = top.count >= HUGE;
  const size = `${n(top.count)} jobs`;
  const judged = (pass: boolean) => (atTarget ? { pass } : {});
  const suffix = atTarget ? '' : ' (at 100,000 jobs: BENCH_100K=1)';
  const m = top.memory;
  const rows: Row[] = [
    {
      id: `scale.start.${top.count}`,
      measurement: `8. companion start to /health, ${size}`,
      ours: startMs(top),
      baseline: null,
      unit: 'ms',
      target: `<= 1 s${suffix}`,
      ...judged(startMs(top).median <= 1000),
    },
    {
      id: `scale.rss.${top.count}`,
      measurement: `8. companion RSS after start (settled after the pushes), ${size}`,
      ours: summarize([m.afterStart]),
      baseline: null,
      unit: 'MB',
      ratio: `settled ${fmt(m.settled, 'MB')}`,
      target: `<= 300 MB${suffix}`,
      ...judged(Math.max(m.afterStart, m.settled) <= 300 * MB),
    },
    {
      id: `scale.pullRss.${top.count}`,
      measurement: `8. companion RSS added by a full pull (peak; retained), ${size}`,
      ours: summarize([m.peakPull - m.afterStart]),
      baseline: null,
      unit: 'MB',
      ratio: `retained ${fmt(m.afterPull - m.afterStart, 'MB')}`,
      target: `<= +64 MB${suffix}`,
      ...judged(m.peakPull - m.afterStart <= 64 * MB),
    },
    {
      id: `scale.loadRss.${top.count}`,
      measurement: `8. companion RSS added by a /load-jobs (peak; retained), ${size}`,
      ours: summarize([m.peakLoad - m.afterPull]),
      baseline: null,
      unit: 'MB',
      ratio: `retained ${fmt(m.afterLoad - m.afterPull, 'MB')}`,
      target: `<= +64 MB${suffix}`,
      ...judged(m.peakLoad - m.afterPull <= 64 * MB && !!top.load?.ok),
      note: top.load?.ok
        ? undefined
        : `/load-jobs failed: ${top.load?.status} ${top.load?.error ?? ''}${top.load?.serverLog ? `; it logged: ${top.load.serverLog.join(' / ').slice(0, 300)}` : ''}`,
    },
  ];
  if (top.pull)
    rows.push({
      id: `scale.pull.${top.count}`,
      measurement: `8. full pull over /api/v1/changes, ${size} (${top.pull.requests} pages)`,
      ours: summarize([top.pull.ms]),
      baseline: null,
      unit: 'ms',
      target: `<= 1 s${suffix}`,
      ...judged(top.pull.ms <= 1000),
    });
  const ref = points.find((p) => p.count === (atTarget ? points.at(-2)?.count : points[0]?.count));
  if (ref && ref !== top && top.pushes.length && ref.pushes.length) {
    const t = e2e(top).median / e2e(ref).median;
    const b = ackBytes(top).median / ackBytes(ref).median;
    const label = `${n(top.count)} / ${n(ref.count)}`;
    rows.push(
      {
        id: `scale.change.time.${top.count}`,
        measurement: `8. one change through /api/v1/push, ${label} jobs: time (median of ${top.pushes.length})`,
        ours: e2e(top),
        baseline: e2e(ref),
        unit: 'ms',
        ratio: fmt(t, 'x'),
        ratioValue: t,
        target: atTarget ? '<= 1.5x' : '(<= 1.5x for 100,000 / 10,000)',
        ...judged(t <= 1.5),
      },
      {
        id: `scale.change.bytes.${top.count}`,
        measurement: `8. one change through /api/v1/push, ${label} jobs: bytes written to disk until the answer (write_bytes)`,
        ours: ackBytes(top),
        baseline: ackBytes(ref),
        unit: 'B',
        ratio: fmt(b, 'x'),
        ratioValue: b,
        target: atTarget ? '<= 1.5x' : '(<= 1.5x for 100,000 / 10,000)',
        ...judged(b <= 1.5),
        note:
          'write_bytes of /proc/<pid>/io: pages the companion dirtied (4 KB each) between the request and its answer; the journal grew by a median of ' +
          `${fmt(summarize(top.pushes.map((s) => s.atAck.journalBytes)).median, 'B')} at ${n(top.count)}, ${fmt(summarize(ref.pushes.map((s) => s.atAck.journalBytes)).median, 'B')} at ${n(ref.count)}`,
      },
    );
  }
  return rows;
}

export function oldApiScaleRows(r: OldApiScaleResults, largeCount: number): Row[] {
  return [
    ...r.oldApi.flatMap((o) => oldApiRows(o, o.count === largeCount)),
    ...scaleRows(r.scale),
    ...r.oldApi.flatMap(healthRows),
  ];
}

// --- the per-size table ---------------------------------------------------------------------------

const cell = (s: Summary | null, unit: Parameters<typeof fmt>[1]) => fmtSummary(s, unit);
const medMax = (values: number[], unit: Parameters<typeof fmt>[1]) => {
  if (!values.length) return '-';
  const s = summarize(values);
  return `${fmt(s.median, unit)} (max ${fmt(s.max, unit)})`;
};
const rewrites = (p: ScalePoint, pick: (r: NonNullable<PushSample['rewrite']>) => number) =>
  p.pushes.flatMap((s) => (s.rewrite ? [pick(s.rewrite)] : []));

/** One line per measurement, one column per history size (the issue's "At 100k jobs" table). */
export function scaleTable(r: OldApiScaleResults): { header: string[]; lines: string[][] } {
  const points = r.scale;
  const header = ['measurement', ...(r.emptyStart ? ['empty'] : []), ...points.map((p) => n(p.count))];
  const line = (label: string, empty: string | null, per: (p: ScalePoint) => string) => [
    label,
    ...(r.emptyStart ? [empty ?? ''] : []),
    ...points.map(per),
  ];
  const loadCell = (p: ScalePoint) =>
    p.load?.ok
      ? `${fmt(p.load.ms, 'ms')} (${fmt(p.load.bodyBytes, 'B')})`
      : `failed: ${p.load?.status} ${(p.load?.error ?? '').slice(0, 60)}`;
  const lines = [
    line('job_history.json', '', (p) => fmt(p.fileBytes, 'B')),
    line('start to /health', r.emptyStart ? cell(startMs(r.emptyStart), 'ms') : null, (p) => cell(startMs(p), 'ms')),
    line('RSS after start', r.emptyStart ? fmt(r.emptyStart.rss, 'MB') : null, (p) => fmt(p.memory.afterStart, 'MB')),
    ...(r.emptyStart?.floor
      ? [
          line(
            `  a trivial Node server${FROM_SOURCE ? ' via tsx' : ''}: start`,
            cell(startMs(r.emptyStart.floor), 'ms'),
            () => '',
          ),
          line(
            `  a trivial Node server${FROM_SOURCE ? ' via tsx' : ''}: RSS`,
            fmt(r.emptyStart.floor.rss, 'MB'),
            () => '',
          ),
        ]
      : []),
    line(
      'RSS after a full pull (peak)',
      null,
      (p) => `${fmt(p.memory.afterPull, 'MB')} (${fmt(p.memory.peakPull, 'MB')})`,
    ),
    line(
      'RSS after /load-jobs (peak)',
      null,
      (p) => `${fmt(p.memory.afterLoad, 'MB')} (${fmt(p.memory.peakLoad, 'MB')})`,
    ),
    line('RSS settled after the pushes', null, (p) => fmt(p.memory.settled, 'MB')),
    line('full pull over /api/v1/changes', null, (p) => (p.pull ? fmt(p.pull.ms, 'ms') : '-')),
    line('/load-jobs', null, loadCell),
    line('one change via /api/v1/push', null, (p) =>
      medMax(
        p.pushes.map((s) => s.e2eMs),
        'ms',
      ),
    ),
    line('  written until the answer: write_bytes', null, (p) =>
      medMax(
        p.pushes.map((s) => s.atAck.writeBytes),
        'B',
      ),
    ),
    line('  journal bytes appended', null, (p) =>
      medMax(
        p.pushes.map((s) => s.atAck.journalBytes),
        'B',
      ),
    ),
    line('  written incl. the rewrite: write_bytes', null, (p) =>
      medMax(
        p.pushes.flatMap((s) => (s.withRewrite ? [s.withRewrite.writeBytes] : [])),
        'B',
      ),
    ),
    line('  job_history.json rewritten after', null, (p) =>
      medMax(
        rewrites(p, (w) => w.afterAckMs),
        'ms',
      ),
    ),
    line('  rewrite: temp file written in', null, (p) =>
      medMax(
        rewrites(p, (w) => w.writeSpanMs),
        'ms',
      ),
    ),
    line('  rewrite: companion CPU', null, (p) =>
      medMax(
        rewrites(p, (w) => w.cpuMs),
        'ms',
      ),
    ),
    line('  worst /health during one more rewrite', null, (p) =>
      p.probedPush?.rewrite ? fmt(p.probedPush.rewrite.worstHealthMs, 'ms') : '-',
    ),
    line('/health on the idle companion', null, (p) => medMax(p.healthIdle, 'ms')),
    line('stop (SIGTERM to exit)', null, (p) => medMax(p.stopMs, 'ms')),
  ];
  return { header, lines };
}

export function printScaleTable(r: OldApiScaleResults): string {
  const { header, lines } = scaleTable(r);
  if (!r.scale.length) return '';
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [
    '8. The companion at each history size',
    row(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...lines.map(row),
  ].join('\n');
}
