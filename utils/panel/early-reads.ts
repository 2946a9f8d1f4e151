import type { StorageChange } from '@/utils/storage/area';

/** The shape of the first-paint reads begun before the panel data starts (entrypoints/sidepanel/first-reads.ts). */

/** One read begun before the panel data started: the keys asked for, their change stamps then, and the answer. */
export interface EarlyRead {
  keys: string[];
  /** Per key, the number of changes seen for it when the read was issued (see `FirstReads.handOver`). */
  before: number[];
  got: Record<string, unknown>;
}

/** The first-paint reads, begun early. */
export interface FirstReads {
  firstRows: number;
  /** `head` and the small keys. */
  meta: Promise<EarlyRead>;
  /** The job records of the first `firstRows` ids of that head. */
  jobs: Promise<EarlyRead>;
  /** The images of those jobs. */
  images: Promise<EarlyRead>;
  /**
   * Stops watching storage and returns what was seen since the reads began: the changes, oldest first,
   * and the per-key change counts, which the panel data keeps counting in from then on.
   */
  handOver(): { changes: Record<string, StorageChange>[]; stamps: Map<string, number> };
}
