import { useEffect } from 'preact/hooks';
import { ExportDialog } from '@/components/export/ExportDialog';
import { MAX_EXPORT_FRAMES } from '@/components/export/limits';
import { pngDataUrlToBytes } from '@/utils/domain/data-url';
import { facingOf } from '@/utils/domain/facing';
import type { Job } from '@/utils/domain/job';
import type { PanelData } from '@/utils/panel/data';

/** The suffix rotatePrompt (intents/handlers/rotate.ts) gives a rotation's prompt. */
const ROTATED = / \(rotated to [a-z-]+\)$/;

export interface ExportSlotProps {
  ids: readonly string[];
  data: Pick<PanelData, 'getJob' | 'getImage' | 'ensureRows'>;
  onClose(): void;
}

/** Reads the chosen jobs and their images, then offers the Export dialog over those that have one. */
export function ExportSlot({ ids, data, onClose }: ExportSlotProps) {
  const chosen = ids.slice(0, MAX_EXPORT_FRAMES);
  const key = chosen.join('\n');
  useEffect(() => {
    void data.ensureRows(key.split('\n'));
  }, [key, data]);
  // A rotation is named by its source's prompt (its own says "(rotated to east)"): a set's frames share a name.
  const promptOf = (job: Job) => {
    if (!job.rotate) return job.prompt;
    const source = job.rotate.sourceJobId ? data.getJob(job.rotate.sourceJobId) : undefined;
    return source?.prompt ?? job.prompt.replace(ROTATED, '');
  };
  const frames = chosen.flatMap((id) => {
    const job = data.getJob(id);
    const url = data.getImage(job?.image);
    const png = url ? pngDataUrlToBytes(url) : null;
    return job && png ? [{ id, prompt: promptOf(job), label: facingOf(job), png }] : [];
  });
  const waiting = chosen.some((id) => !data.getJob(id));
  if (frames.length === 0)
    return (
      <div class="dialog-backdrop">
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="export-none">
          <h2 id="export-none">{waiting ? 'Reading the images…' : 'Nothing to export'}</h2>
          {!waiting && <p class="dialog-body">None of the chosen jobs has an image in this browser yet.</p>}
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      </div>
    );
  // Keyed by the frames it holds: images that arrive later start the dialog over with them.
  return <ExportDialog key={frames.map((f) => f.id).join(',')} frames={frames} onClose={onClose} />;
}
