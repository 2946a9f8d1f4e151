import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../store/memory-store';
import { makeJob, makePng } from '../store/test-support';
import type { JobStore } from '../store/types';
import { createLoadCache, fingerprint, prepareLoad, servedTexts } from './load-stream';

async function storeWithJobs(count: number): Promise<JobStore> {
  const store = createMemoryStore({ serverId: 'load-stream-test' });
  for (let i = 1; i <= count; i++) {
    const image = await store.putImage(makePng(i));
    await store.put(makeJob({ id: `job-${i}`, prompt: `sprite ${i}`, status: 'success', image, createdAt: i * 1000 }));
  }
  return store;
}

/** One /load-jobs answer, drained; counts the jobs the store had to parse for it. */
async function load(store: JobStore, cache: ReturnType<typeof createLoadCache>) {
  let parsed = 0;
  const counting = new Proxy(store, {
    get: (target, key) =>
      key === 'get'
        ? (id: string) => {
            parsed++;
            return target.get(id);
          }
        : Reflect.get(target, key),
  });
  const answer = await prepareLoad(counting, cache);
  const parts: Buffer[] = [];
  if (answer.kind === 'whole') parts.push(...answer.parts);
  else for await (const group of answer.groups) parts.push(...group);
  const body = Buffer.concat(parts);
  if (answer.kind === 'whole') expect(answer.length).toBe(body.length);
  return { body, kind: answer.kind, answer: JSON.parse(body.toString()), served: answer.served, parsed };
}

describe('loadJobsChunks', () => {
  it('serves every job once, and a second load copies cached bytes without parsing a job', async () => {
    const store = await storeWithJobs(70);
    const cache = createLoadCache();
    const first = await load(store, cache);
    expect(first.kind).toBe('whole');
    expect(first.answer.jobs.map((j: { id: string }) => j.id)).toHaveLength(70);
    expect(first.served.length).toBe(70);
    expect(first.served.fpAt(2)).toBe(fingerprint(JSON.stringify(first.answer.jobs[2])));
    expect(first.answer.message).toBe('Loaded 70 jobs');
    expect(first.parsed).toBe(70);
    const second = await load(store, cache);
    expect(second.parsed).toBe(0);
    expect(second.body.equals(first.body)).toBe(true);

    // One change costs that one job.
    const changed = store.get('job-3')!;
    const { seq: _seq, ...rest } = changed;
    await store.put(store.clock.stamp({ ...rest, prompt: 'sprite three' }, rest));
    const third = await load(store, cache);
    expect(third.parsed).toBe(1);
    expect(third.answer.jobs[2].prompt).toBe('sprite three');
  });
});

describe('servedTexts', () => {
  it('gives the fingerprint of a text equal to what the last load served near its place, and nothing else', async () => {
    const store = await storeWithJobs(5);
    const cache = createLoadCache();
    const { answer, served } = await load(store, cache);
    const texts = answer.jobs.map((job: unknown) => Buffer.from(JSON.stringify(job)));
    const known = servedTexts(cache, served);
    expect(known(0, texts[0])).toBe(fingerprint(texts[0]));
    // A job added in front shifts the rest by one: they are still recognised.
    expect(known(2, texts[1])).toBe(fingerprint(texts[1]));
    expect(known(3, texts[2])).toBe(fingerprint(texts[2]));
    const edited = Buffer.from(texts[3].toString().replace('sprite 4', 'sprite 9'));
    expect(known(4, edited)).toBeUndefined();
  });
});

describe('the load cache', () => {
  it('caches nothing for a history whose answer would not fit, so a load adds no cache at all', async () => {
    const store = await storeWithJobs(130);
    const fits = createLoadCache();
    await load(store, fits);
    expect((await load(store, fits)).parsed).toBe(0);
    // A budget of about 100 jobs' texts: 130 would cycle through it, and no load would ever hit.
    const one = (await load(store, createLoadCache())).body.length / 130;
    const small = createLoadCache(Math.round(one * 100));
    const streamed = await load(store, small);
    expect(streamed.kind).toBe('stream');
    expect(streamed.parsed).toBe(130);
    expect(streamed.body.equals((await load(store, fits)).body)).toBe(true);
    expect(small.peek('job-1', store.get('job-1')!.seq)).toBeUndefined();
    expect(small.peek('job-130', store.get('job-130')!.seq)).toBeUndefined();
    const second = await load(store, small);
    expect(second.parsed).toBe(130);
    expect(second.answer.jobs).toHaveLength(130);
  });
});
