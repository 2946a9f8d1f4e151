import { describe, expect, it } from 'vitest';
import { kicks, send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';

useIntentHandlers();

describe('generate', () => {
  it('creates count idle jobs with one group id, queues them for the runner and kicks a sync', async () => {
    const reply = await send({
      type: 'generate',
      request: { prompt: 'knight', width: 64, height: 48, seed: 3, count: 3 },
    });
    expect(reply).toMatchObject({ ok: true });
    const ids = (reply as { ids: string[] }).ids;
    expect(new Set(ids).size).toBe(3);
    const jobs = [...(await store.getJobs(ids)).values()];
    expect(
      jobs.every(
        (j) => j.status === 'idle' && j.prompt === 'knight' && j.width === 64 && j.height === 48 && j.seed === 3,
      ),
    ).toBe(true);
    expect(new Set(jobs.map((j) => j.groupId)).size).toBe(1);
    expect(jobs[0]!.groupId).toMatch(/^group-/);
    expect(await store.getSubmitQueue()).toEqual(ids.map((id) => ({ id, action: 'create' })));
    expect(await store.getStats()).toMatchObject({ total: 3, idle: 3 });
    expect(kicks).toBe(1);
  });

  it('a single job has no group', async () => {
    const reply = await send({ type: 'generate', request: { prompt: 'mage', width: 64, height: 64, seed: null } });
    const [id] = (reply as { ids: string[] }).ids;
    expect((await store.getJob(id!))!.groupId).toBeNull();
  });

  it('keeps the form’s PixelLab options on every job it makes', async () => {
    const options = { mode: 'pixflux' as const, no_background: true, outline: 'lineless' as const };
    const reply = await send({
      type: 'generate',
      request: { prompt: 'slime', width: 64, height: 64, seed: null, count: 2, options },
    });
    const jobs = [...(await store.getJobs((reply as { ids: string[] }).ids)).values()];
    expect(jobs.map((j) => j.options)).toEqual([expect.objectContaining(options), expect.objectContaining(options)]);
  });

  it('refuses options outside PixelLab’s ranges', async () => {
    const reply = await send({
      type: 'generate',
      request: {
        prompt: 'x',
        width: 64,
        height: 64,
        seed: null,
        options: { mode: 'pixflux', text_guidance_scale: 99 },
      },
    } as never);
    expect(reply).toMatchObject({ ok: false });
  });
});
