import { useMemo, useRef, useState } from 'preact/hooks';
import { USE_AS, type UseAsField } from '@/components/detail/types';
import { plural } from '@/components/format';
import type { ReferenceRequest } from '@/components/GenerateForm';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import { inpaintOptionsSchema } from '@/utils/domain/options';
import type { GenerateRequest, IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { PanelData } from '@/utils/panel/data';

type OkReply = Extract<IntentReply, { ok: true }>;

export interface FormActionDeps {
  data: Pick<PanelData, 'getJob' | 'getImage'>;
  send(intent: IntentInput): Promise<IntentReply>;
  /** Sends an intent; a failure goes to the banner, a success to the toast. */
  run(intent: IntentInput, success?: string | ((reply: OkReply) => string)): Promise<IntentReply>;
  addError(message: string): void;
  showToast(message: string): void;
  nameOf(id: string): string;
  /** True while the companion is unreachable: new work waits. */
  offline(): boolean;
  /** Closes the detail view and brings the form into view (after "Use as style"). */
  showForm(): void;
}

export interface FormActions {
  /** The reference "Use as style" (and the others) put in the form, a new object each time. */
  reference: ReferenceRequest | null;
  onGenerate(request: GenerateRequest): Promise<IntentReply>;
  useAs(id: string, field: UseAsField): void;
  /** Keeps a PNG the user chose (the `putImage` intent): its hash, or why not. */
  importImage(dataUrl: string): Promise<{ hash: string } | { error: string }>;
  /** Keeps the painted mask and queues the inpaint; false when it was not queued. */
  inpaint(id: string, mask: Uint8Array, prompt: string): Promise<boolean>;
}

/**
 * What the form and the detail view ask of the background beyond one intent each: references from the history
 * or from files (kept by the `putImage` intent: the background is the only writer), and inpaint with a mask.
 * The callbacks are made once and read the latest deps, so rows and the form keep their memoised props.
 */
export function useFormActions(deps: FormActionDeps): FormActions {
  const latest = useRef(deps);
  latest.current = deps;
  const [reference, setReference] = useState<ReferenceRequest | null>(null);

  const actions = useMemo(() => {
    const queued = (request: GenerateRequest, what?: string) => (reply: OkReply) => {
      if (reply.message) return reply.message;
      const n = reply.ids?.length ?? request.count;
      const jobs = what ?? plural(n, 'job');
      // Offline the jobs only wait in this browser: say so, not "queued".
      return latest.current.offline()
        ? `Saved ${jobs}; ${n === 1 ? 'it' : 'they'} will run when the companion is back`
        : `Queued ${jobs}`;
    };
    const onGenerate = (request: GenerateRequest) => latest.current.run({ type: 'generate', request }, queued(request));

    const importImage = async (dataUrl: string): Promise<{ hash: string } | { error: string }> => {
      const reply = await latest.current.send({ type: 'putImage', dataUrl });
      if (!reply.ok) return { error: reply.error };
      return reply.hash ? { hash: reply.hash } : { error: 'The extension background did not keep the image.' };
    };

    const useAs = (id: string, field: UseAsField) => {
      const { data, addError, showToast, nameOf, showForm } = latest.current;
      const job = data.getJob(id);
      if (!job?.image || job.status !== 'success') return addError('Only a finished job with an image can be used.');
      setReference({ field, image: { hash: job.image, url: data.getImage(job.image), label: job.prompt } });
      showForm();
      const label = USE_AS.find(([f]) => f === field)?.[1] ?? 'Used';
      showToast(`${label}: ${nameOf(id)}`);
    };

    const inpaint = async (id: string, mask: Uint8Array, prompt: string) => {
      const { data, addError, run } = latest.current;
      const job = data.getJob(id);
      if (!job?.image) {
        addError('Only a finished job with an image can be inpainted.');
        return false;
      }
      const kept = await importImage(bytesToPngDataUrl(mask));
      if ('error' in kept) {
        addError(kept.error);
        return false;
      }
      const options = inpaintOptionsSchema.parse({
        mode: 'inpaint',
        inpainting_image: job.image,
        mask_image: kept.hash,
        // The job's own look, where it said one.
        ...pickStyle(job.options),
      });
      const request: GenerateRequest = {
        prompt,
        width: job.width,
        height: job.height,
        seed: null,
        count: 1,
        options,
      };
      const reply = await run({ type: 'generate', request }, queued(request, 'an inpaint'));
      return reply.ok;
    };
    return { onGenerate, importImage, useAs, inpaint };
  }, []);
  return { reference, ...actions };
}

/** The style options of a job (outline, shading, detail, view, direction, isometric, transparency) for its inpaint. */
function pickStyle(options: unknown): Record<string, unknown> {
  if (!options || typeof options !== 'object') return {};
  const o = options as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['outline', 'shading', 'detail', 'view', 'direction', 'isometric', 'no_background'])
    if (o[key] !== undefined && o[key] !== null) out[key] = o[key];
  // Only values inpaint accepts: a stored record is loose, so anything odd is left out.
  const parsed = inpaintOptionsSchema.partial().safeParse(out);
  return parsed.success ? out : {};
}
