import type { ComponentChildren } from 'preact';
import type { JobLink } from '@/components/detail/types';
import { type FormMode, MODE_LABELS } from '@/components/form-values';
import { formatCost, formatDuration, STATUS_LABELS } from '@/components/format';
import { PixelThumb } from '@/components/ReferenceSlot';
import type { Job } from '@/utils/domain/job';
import { madeByLabel, useDevices } from '@/utils/panel/devices';
import type { IndexEntry } from '@/utils/storage/layout';

export interface DetailParamsProps {
  entry: IndexEntry;
  job?: Job;
  source: JobLink | null;
  derived: readonly JobLink[];
  onOpenJob(id: string): void;
  /** The data URL of an image this browser holds: an option's image shows as a thumbnail. */
  imageOf?(hash: string): string | undefined;
}

/** An option's image: its thumbnail at 1x (pixelated) when this browser has it, and its short hash. */
function optionImage(hash: string, url: string | undefined) {
  return (
    <span class="param-image">
      {url && <PixelThumb src={url} alt="" box={64} />}
      <code>{hash.slice(0, 8)}…</code>
    </span>
  );
}

/** `2026-12-06 07:12:09` in local time: a triage view wants the exact moment, not "3 min ago". */
export function formatTime(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at) || at <= 0) return '';
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** One PixelLab option as text: hashes shortened, booleans as yes/no. */
export function optionText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) return `image ${value.slice(0, 8)}…`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function linkTo(link: JobLink, onOpenJob: (id: string) => void, label?: string) {
  return (
    <button type="button" class="link-btn" onClick={() => onOpenJob(link.id)} title={`Open ${link.id}`}>
      {label ?? (link.prompt || link.id)}
    </button>
  );
}

/** Every parameter of a job, as a definition list; nothing is hidden behind a hover. */
export function DetailParams({ entry, job, source, derived, onOpenJob, imageOf }: DetailParamsProps) {
  const devices = useDevices();
  const rows: [string, ComponentChildren][] = [];
  const add = (term: string, value: ComponentChildren) => {
    if (value !== '' && value !== null && value !== undefined) rows.push([term, value]);
  };
  const status = job?.status ?? entry.status;
  add('Status', STATUS_LABELS[status] ?? status);
  if (job?.error) add('Error', <span class="detail-error">{job.error}</span>);
  add('Kind', job?.kind ?? entry.kind ?? '');
  const width = job?.width ?? entry.width;
  const height = job?.height ?? entry.height;
  if (width && height) add('Size', `${width}×${height}`);
  if (job) add('Seed', job.seed === null ? 'random' : String(job.seed));
  if (job?.frames) add('Frames', `${job.frames.count}${job.frames.labels ? ` (${job.frames.labels.join(', ')})` : ''}`);
  if (job?.rotate) {
    add('Rotation', `${job.rotate.fromDirection ?? 'as drawn'} → ${job.rotate.toDirection}`);
    add('Source job', source ? linkTo(source, onOpenJob) : (job.rotate.sourceJobId ?? 'not in the history'));
  }
  if (derived.length > 0)
    add(
      'Derived',
      <ul class="derived-list">
        {derived.map((d) => (
          <li key={d.id}>{linkTo(d, onOpenJob)}</li>
        ))}
      </ul>,
    );
  const options = job?.options;
  if (options && typeof options === 'object') {
    for (const [key, value] of Object.entries(options)) {
      if (value === null || value === undefined) continue;
      const term = key.replace(/_/g, ' ');
      if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) add(term, optionImage(value, imageOf?.(value)));
      else if (key === 'mode' && typeof value === 'string' && value in MODE_LABELS)
        add(term, `${MODE_LABELS[value as FormMode]} (${value})`);
      else add(term, optionText(value));
    }
  }
  const duration = job?.duration ?? entry.duration;
  add('Duration', formatDuration(duration));
  const usd = job?.usd ?? entry.usd;
  if (usd !== null && usd !== undefined) add('Cost', formatCost(usd));
  add('Made by', madeByLabel({ device: entry.device, author: entry.author }, devices) ?? '');
  add('Created', formatTime(job?.createdAt ?? entry.createdAt));
  add('Started', formatTime(job?.startTime));
  add('Finished', formatTime(job?.endTime));
  if (job?.groupId) add('Batch', job.groupId);
  add('Id', <code>{entry.id}</code>);
  return (
    <dl class="detail-params">
      {rows.map(([term, value]) => (
        <div class="detail-param" key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
