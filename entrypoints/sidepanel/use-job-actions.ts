import { useMemo } from 'preact/hooks';
import type { DetailActions, Rating } from '@/components/detail/types';
import type { JobActions } from '@/components/JobRow';
import type { TriageCommand } from '@/components/triage/keys';
import type { PanelServices } from '@/entrypoints/sidepanel/App';
import { errorMessage } from '@/utils/domain/error-message';
import type { Job } from '@/utils/domain/job';
import type { IntentInput, IntentReply, OrganiseEdit } from '@/utils/intents/protocol';
import type { PanelData } from '@/utils/panel/data';
import { copyPng, scaledFilename, scaledPngBlob } from '@/utils/panel/scaled-image';

export interface JobActionDeps {
  services: PanelServices;
  data: PanelData;
  run(
    intent: IntentInput,
    success?: string | ((reply: Extract<IntentReply, { ok: true }>) => string),
  ): Promise<IntentReply>;
  addError(message: string): void;
  showToast(message: string): void;
  /** How a toast names a job: its prompt, quoted and shortened. */
  nameOf(id: string): string;
  promptOf(id: string): string;
  /** True while the companion is unreachable: new work waits. */
  offline(): boolean;
  /** Fills the form with a job's settings (asks first when the form holds a draft). */
  reuse(id: string): void;
  /** Opens the detail view. */
  open(id: string): void;
  /** Puts a job's image in the form ("Use as style"…) and queues an inpaint (use-form-actions.ts). */
  useAs?: JobActions['onUseAs'];
  inpaint?: DetailActions['onInpaint'];
  /** The star and rating a job has now (its record, or its index entry). */
  marksOf(id: string): { starred: boolean; rating: Rating };
  /** Opens the tag prompt for a job, and the shortcuts sheet. */
  openTags(id: string): void;
  openShortcuts(): void;
  /** Moves a job to the trash with an Undo (use-trash.ts); without it a plain organise trash. */
  trash?(id: string, name: string): void;
  /** A waiting row's queue moves and cancel (use-queue-control.ts). */
  queueActions?: Partial<JobActions>;
  /** Key that changes when the handlers must see new entries. */
  version: unknown;
}

/** The row's and the detail view's actions: each an intent, a download or a clipboard write. */
export interface JobActionSet {
  row: JobActions;
  detail: DetailActions;
  addTags(id: string, tags: string[]): void;
  /** A triage key on a focused row (components/triage/keys.ts). */
  triage(command: Exclude<TriageCommand, { kind: 'move' } | { kind: 'edge' }>, id: string | null): void;
}

export function useJobActions(deps: JobActionDeps): JobActionSet {
  const { services, data, run, addError, showToast, nameOf, promptOf, offline, reuse, open } = deps;
  return useMemo(() => {
    const later = (now: string, wait: string) => (offline() ? wait : now);
    const organise = (ids: string[], edit: OrganiseEdit, success?: string) =>
      run({ type: 'organise', ids, edit }, success);
    const imageOf = (id: string): { job: Job; url: string } | null => {
      const job = data.getJob(id);
      const url = data.getImage(job?.image);
      if (!job || !url) {
        addError(`The image of ${id} is not loaded yet; try again in a moment.`);
        return null;
      }
      return { job, url };
    };
    const row: JobActions = {
      onRetry: (id) => {
        const name = nameOf(id);
        void run({ type: 'retry', id }, () =>
          later(`Retrying ${name}`, `Will retry ${name} when the companion is back`),
        );
      },
      onRotate: (id, direction, settings) => {
        const name = nameOf(id);
        void run({ type: 'rotate', id, toDirection: direction, ...settings }, () =>
          later(`Rotating ${name} to ${direction}`, `Will rotate ${name} to ${direction} when the companion is back`),
        );
      },
      onRotate8: (id, settings) => {
        const name = nameOf(id);
        void run({ type: 'rotate8', id, ...settings }, () =>
          later(
            `Making 8 directions of ${name}`,
            `Saved 8 directions of ${name}; they will run when the companion is back`,
          ),
        );
      },
      // Delete moves to the trash (restorable there); only emptying the trash purges.
      onDelete: (id) => {
        const name = nameOf(id);
        if (deps.trash) deps.trash(id, name);
        else void organise([id], { op: 'trash' }, `Moved ${name} to the trash`);
      },
      onDownload: (id) => {
        const job = data.getJob(id);
        if (!job || !services.downloadPng(job, data.getImage(job.image)))
          addError(`The image of ${id} is not loaded yet; try again in a moment.`);
      },
      onCopy: (id) => {
        services.copyText(promptOf(id)).then(
          () => showToast('Prompt copied'),
          (error: unknown) => addError(errorMessage(error)),
        );
      },
      onReuse: reuse,
      onOpen: open,
      onUseAs: deps.useAs,
      ...deps.queueActions,
    };
    const detail: DetailActions = {
      onReuse: reuse,
      onCopyPrompt: row.onCopy,
      onCopyImage: (id, scale) => {
        const found = imageOf(id);
        if (!found) return;
        const copy = services.copyPng ?? copyPng;
        scaledPngBlob(found.url, scale)
          .then((blob) => copy(blob))
          .then(
            () => showToast(`Image copied at ${scale}×`),
            (error: unknown) => addError(errorMessage(error)),
          );
      },
      onDownload: (id, scale) => {
        const found = imageOf(id);
        if (!found) return;
        scaledPngBlob(found.url, scale).then(
          (blob) => services.downloadBlob(blob, scaledFilename(found.job, scale)),
          (error: unknown) => addError(errorMessage(error)),
        );
      },
      onRotate: row.onRotate,
      onRotate8: row.onRotate8,
      onRetry: row.onRetry,
      onDelete: row.onDelete,
      onStar: (id, value) => void organise([id], { op: 'star', value }, value ? 'Starred' : 'Unstarred'),
      onRate: (id, value) => void organise([id], { op: 'rate', value }, value ? `Rated ${value}` : 'Rating cleared'),
      onUseAs: deps.useAs,
      onInpaint: deps.inpaint,
    };
    const addTags = (id: string, tags: string[]) =>
      void organise([id], { op: 'addTags', tags }, `Tagged ${nameOf(id)}: ${tags.join(', ')}`);
    const triage: JobActionSet['triage'] = (command, id) => {
      if (command.kind === 'help') return deps.openShortcuts();
      if (id === null) return;
      const marks = deps.marksOf(id);
      if (command.kind === 'open') open(id);
      else if (command.kind === 'star') detail.onStar(id, !marks.starred);
      else if (command.kind === 'rate') detail.onRate(id, marks.rating === command.value ? null : command.value);
      else if (command.kind === 'tag') deps.openTags(id);
      else if (command.kind === 'trash') row.onDelete(id);
      // 'select' (x) is the list selection's own key handler (utils/panel/list-selection.ts).
    };
    return { row, detail, addTags, triage };
    // The handlers read the latest snapshot through data; `version` for the prompt fallback of unread jobs.
  }, [run, services, data, addError, showToast, deps.version, deps.trash, deps.queueActions, deps.useAs, deps.inpaint]);
}
