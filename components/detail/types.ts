import type { Direction } from '@/utils/domain/job';

export type Rating = 1 | 2 | 3 | 4 | 5 | null;

/** What the detail view can ask for; the panel wires each to an intent or a download. */
export interface DetailActions {
  onReuse(id: string): void;
  onCopyPrompt(id: string): void;
  onCopyImage(id: string, scale: number): void;
  onDownload(id: string, scale: number): void;
  onRotate(id: string, direction: Direction): void;
  onRotate8(id: string): void;
  onRetry(id: string): void;
  onDelete(id: string): void;
  onStar(id: string, value: boolean): void;
  onRate(id: string, value: Rating): void;
}

/** A job named by its prompt, for links (the source of a rotation, what was derived from a job). */
export interface JobLink {
  id: string;
  prompt: string;
}
