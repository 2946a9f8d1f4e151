import type { ImageField } from '@/components/form-values';
import type { Direction } from '@/utils/domain/job';
import type { RotateSettings } from '@/utils/intents/protocol';

export type Rating = 1 | 2 | 3 | 4 | 5 | null;

/** What the detail view can ask for; the panel wires each to an intent or a download. */
export interface DetailActions {
  onReuse(id: string): void;
  onCopyPrompt(id: string): void;
  onCopyImage(id: string, scale: number): void;
  onDownload(id: string, scale: number): void;
  /** `settings`: the rotation's own options and seed (the detail view's "Rotate options"); absent: defaults. */
  onRotate(id: string, direction: Direction, settings?: RotateSettings): void;
  onRotate8(id: string, settings?: RotateSettings): void;
  onRetry(id: string): void;
  onDelete(id: string): void;
  onStar(id: string, value: boolean): void;
  onRate(id: string, value: Rating): void;
  /** Puts the job's image in one of the form's image options ("Use as style"…); absent: not offered. */
  onUseAs?(id: string, field: UseAsField): void;
  /** Queues an inpaint of the job's image: the painted mask's PNG (white = repaint) and the prompt. */
  onInpaint?(id: string, mask: Uint8Array, prompt: string): unknown;
}

/** The roles a job's image can take in the form, and what the buttons say. */
export type UseAsField = Extract<ImageField, 'init_image' | 'style_image' | 'color_image' | 'reference_image'>;
export const USE_AS: [UseAsField, string][] = [
  ['init_image', 'Use as init image'],
  ['style_image', 'Use as style'],
  ['color_image', 'Use as palette'],
  ['reference_image', 'Use to animate'],
];

/** A job named by its prompt, for links (the source of a rotation, what was derived from a job). */
export interface JobLink {
  id: string;
  prompt: string;
}
