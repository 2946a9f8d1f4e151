import { describe, expect, it } from 'vitest';
import { makeSprite } from '@/tests/fixtures/png';
import { job, send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { directions, MAX_PROMPT_LENGTH, sha256Hex } from '@/utils/domain';
import { rotatePrompt } from '@/utils/intents/handlers';

useIntentHandlers();

describe('rotate', () => {
  const image = sha256Hex(makeSprite(16, 16, 'src'));

  it("makes a rotate job from a finished job's image", async () => {
    await store.applyJobs([job({ id: 'src', prompt: 'knight', image, width: 48, height: 48 })]);
    const reply = await send({ type: 'rotate', id: 'src', toDirection: 'east' });
    const [id] = (reply as { ids: string[] }).ids;
    expect(await store.getJob(id!)).toMatchObject({
      kind: 'rotate',
      status: 'idle',
      prompt: 'knight (rotated to east)',
      width: 48,
      height: 48,
      rotate: { toDirection: 'east', fromDirection: null, sourceJobId: 'src', sourceImage: image },
      groupId: null,
    });
    expect(await store.getSubmitQueue()).toEqual([{ id, action: 'create' }]);
  });

  it('rotate8 makes eight jobs, one per direction, in one group', async () => {
    await store.applyJobs([job({ id: 'src', image })]);
    const reply = await send({ type: 'rotate8', id: 'src' });
    const jobs = [...(await store.getJobs((reply as { ids: string[] }).ids)).values()];
    expect(jobs.map((j) => j.rotate!.toDirection).sort()).toEqual([...directions].sort());
    expect(new Set(jobs.map((j) => j.groupId)).size).toBe(1);
    expect(jobs[0]!.groupId).not.toBeNull();
  });

  it('rotates from the way the source faces: its direction option, or the direction it was rotated to', async () => {
    await store.applyJobs([
      job({ id: 'made', image, options: { mode: 'pixflux', direction: 'south-west' } }),
      job({ id: 'plain', image }),
    ]);
    const reply = await send({ type: 'rotate8', id: 'made' });
    const jobs = [...(await store.getJobs((reply as { ids: string[] }).ids)).values()];
    expect(new Set(jobs.map((j) => j.rotate!.fromDirection))).toEqual(new Set(['south-west']));
    const [turned] = jobs.filter((j) => j.rotate!.toDirection === 'east') as typeof jobs;
    await store.applyJobs([{ ...turned!, status: 'success', image }]);
    const again = await send({ type: 'rotate', id: turned!.id, toDirection: 'north' });
    expect((await store.getJob((again as { ids: string[] }).ids[0]!))!.rotate!.fromDirection).toBe('east');
    const plain = await send({ type: 'rotate', id: 'plain', toDirection: 'north' });
    expect((await store.getJob((plain as { ids: string[] }).ids[0]!))!.rotate!.fromDirection).toBeNull();
  });

  it("carries the rotation's own options and seed onto the job (and each of rotate8's); refuses bad ones", async () => {
    await store.applyJobs([job({ id: 'src', image })]);
    const options = { mode: 'rotate' as const, from_view: 'side' as const, to_view: 'high top-down' as const };
    const one = await send({ type: 'rotate', id: 'src', toDirection: 'north', options, seed: 77 });
    expect(await store.getJob((one as { ids: string[] }).ids[0]!)).toMatchObject({
      seed: 77,
      // Parsed: PixelLab's defaults filled in for what was not set.
      options: { ...options, image_guidance_scale: 3, isometric: false },
    });
    const eight = await send({ type: 'rotate8', id: 'src', options: { ...options, image_guidance_scale: 5 } });
    const jobs = [...(await store.getJobs((eight as { ids: string[] }).ids)).values()];
    expect(jobs).toHaveLength(8);
    for (const j of jobs)
      expect(j).toMatchObject({ seed: null, options: { to_view: 'high top-down', image_guidance_scale: 5 } });
    // Without settings a rotation records no options, as before.
    const plain = await send({ type: 'rotate', id: 'src', toDirection: 'east' });
    expect((await store.getJob((plain as { ids: string[] }).ids[0]!))!.options ?? null).toBeNull();
    for (const bad of [
      { options: { ...options, image_guidance_scale: 21 } },
      { options: { ...options, to_view: 'sideways' } },
      { seed: -1 },
    ])
      expect(await send({ type: 'rotate', id: 'src', toDirection: 'east', ...bad } as never)).toMatchObject({
        ok: false,
      });
  });

  it('refuses a job without an image', async () => {
    await store.applyJobs([job({ id: 'e', status: 'error' })]);
    expect(await send({ type: 'rotate8', id: 'e' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/finished job/) as unknown,
    });
  });

  it('keeps a long prompt within the limit', () => {
    expect(rotatePrompt('x'.repeat(MAX_PROMPT_LENGTH), 'north-west')).toHaveLength(MAX_PROMPT_LENGTH);
  });
});
