import { describe, expect, it } from 'vitest';
import { kicks, send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { type BoardRecord, boardRecordSchema } from '@/utils/domain';

useIntentHandlers();

const boards = async () => (await store.getRecords()).filter((r): r is BoardRecord => r.kind === 'board');

describe('board', () => {
  it('create stores a board record stamped by the store’s clock, queued for push, and answers its id', async () => {
    const reply = await send({ type: 'board', action: 'create', name: '  Heroes ' });
    expect(reply).toMatchObject({ ok: true, ids: [expect.stringMatching(/^board-/) as unknown] });
    const [board] = await boards();
    expect(boardRecordSchema.parse(board)).toMatchObject({ id: (reply as { ids: string[] }).ids[0], name: 'Heroes' });
    expect(board!.clock!.node).toMatch(/^ext-/);
    expect(await store.getRecordOutbox()).toEqual([`board:${board!.id}`]);
    expect(kicks).toBe(1);
  });

  it('rename and delete edit the one field, each later than before; a deleted board stays as a tombstone', async () => {
    const id = ((await send({ type: 'board', action: 'create', name: 'A' })) as { ids: string[] }).ids[0]!;
    const before = (await boards())[0]!;
    expect(await send({ type: 'board', action: 'rename', id, name: 'B' })).toEqual({ ok: true, ids: [id] });
    const renamed = (await boards())[0]!;
    expect(renamed.name).toBe('B');
    expect(renamed.fieldClocks!.name).not.toEqual(before.fieldClocks!.name);
    expect(renamed.fieldClocks!.deleted).toEqual(before.fieldClocks!.deleted);
    expect(await send({ type: 'board', action: 'delete', id })).toEqual({ ok: true, ids: [id] });
    expect((await boards())[0]).toMatchObject({ id, deleted: true, name: 'B' });
    expect(await send({ type: 'board', action: 'rename', id, name: 'C' })).toMatchObject({ ok: false });
  });

  it('refuses an empty or too long name and an unknown board', async () => {
    expect(await send({ type: 'board', action: 'create', name: '   ' })).toMatchObject({ ok: false });
    expect(await send({ type: 'board', action: 'create', name: 'x'.repeat(81) })).toMatchObject({ ok: false });
    expect(await send({ type: 'board', action: 'delete', id: 'board-nope' })).toMatchObject({
      ok: false,
      error: 'No board board-nope',
    });
    expect(await boards()).toEqual([]);
  });
});
