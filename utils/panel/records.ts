import { computed, type ReadonlySignal, signal } from '@preact/signals';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type BoardRecord, emptyQueue, QUEUE_ID, type QueueRecord, syncRecordSchema } from '@/utils/domain/records';

/** The queue as the panel shows it: paused or not, and the order queued jobs start in (records.ts queueOrder). */
export interface QueueState {
  paused: boolean;
  order: readonly string[];
}

/**
 * The panel's read side of `records` (boards and the queue, utils/domain/records.ts): one small key, read with
 * the index after first paint and followed through storage.onChanged (utils/panel/data.ts feeds `apply`). The
 * panel never writes it; it sends `board` and `queue` intents.
 */
export interface RecordsReader {
  /** Live boards (deleted ones left out), by name. */
  readonly boards: ReadonlySignal<readonly BoardRecord[]>;
  readonly queue: ReadonlySignal<QueueState>;
  /** The `records` value as read or changed. */
  apply(value: unknown): void;
}

function parse(value: unknown): { boards: BoardRecord[]; queue: QueueRecord } {
  const boards: BoardRecord[] = [];
  let queue = emptyQueue();
  for (const raw of Array.isArray(value) ? value : []) {
    const record = syncRecordSchema.safeParse(raw);
    if (!record.success) continue;
    if (record.data.kind === 'board' && !record.data.deleted) boards.push(record.data);
    if (record.data.kind === 'queue' && record.data.id === QUEUE_ID && !record.data.deleted) queue = record.data;
  }
  boards.sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1));
  return { boards, queue };
}

export function createRecordsReader(): RecordsReader {
  const records = signal<{ boards: BoardRecord[]; queue: QueueRecord }>(parse(undefined));
  return {
    boards: computed(() => records.value.boards),
    queue: computed(() => ({ paused: records.value.queue.paused, order: records.value.queue.order })),
    apply(value) {
      records.value = parse(value);
    },
  };
}

/** A reader holding nothing: boards empty, queue running; what the hooks see outside a provider. */
export const emptyRecordsReader: RecordsReader = createRecordsReader();

/** The panel's records reader; App provides `data.records`. */
export const RecordsContext = createContext<RecordsReader>(emptyRecordsReader);

/** The live boards, by name; re-renders the caller when they change. */
export function useBoards(): readonly BoardRecord[] {
  return useContext(RecordsContext).boards.value;
}

/** Whether the queue is paused and the order queued jobs start in; re-renders the caller when it changes. */
export function useQueueState(): QueueState {
  return useContext(RecordsContext).queue.value;
}
