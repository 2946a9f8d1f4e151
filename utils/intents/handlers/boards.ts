import { type BoardRecord, editRecord, newBoard, newBoardId, recordKey } from '@/utils/domain';
import type { RecordEdit } from '@/utils/history/records-store';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';
import type { IntentReply } from '@/utils/intents/protocol';

/**
 * `board` create, rename and delete: boards are records of their own (utils/domain/records.ts), edited inside
 * the store's lock and stamped with its clock, then pushed. A deleted board stays as a tombstone so the delete
 * syncs; jobs keep its id in their `boards`, and readers show only live boards.
 */
export function createBoardHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'board'> {
  const { store, scheduler } = ctx;
  return {
    async board(intent) {
      const reply = await store.editRecords((current, clock): RecordEdit<IntentReply> => {
        if (intent.action === 'create') {
          const board = newBoard(newBoardId(ctx.now(), ctx.random), intent.name, clock);
          return { records: [board], result: { ok: true, ids: [board.id] } };
        }
        const board = current.get(recordKey({ kind: 'board', id: intent.id })) as BoardRecord | undefined;
        if (!board || board.deleted) return { result: fail(`No board ${intent.id}`) };
        const changes: Partial<BoardRecord> = intent.action === 'rename' ? { name: intent.name } : { deleted: true };
        const next = editRecord(board, changes, clock);
        return next === board
          ? { result: { ok: true, ids: [] } }
          : { records: [next], result: { ok: true, ids: [board.id] } };
      });
      if (reply.ok && reply.ids?.length) scheduler.kick();
      return reply;
    },
  };
}
