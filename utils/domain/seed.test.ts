import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToPngDataUrl } from './data-url';
import { fromSeedJob, lastSeedJobId, seedFileSchema, toSeedJob } from './seed';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PNG = base64ToBytes(PNG_B64);
const DATA_URL = `data:image/png;base64,${PNG_B64}`;

function imageBox() {
  const images = new Map<string, Uint8Array>();
  return {
    images,
    put: (bytes: Uint8Array) => {
      const hash = createHash('sha256').update(bytes).digest('hex');
      images.set(hash, bytes);
      return hash;
    },
    get: (hash: string) => images.get(hash) ?? null,
  };
}

describe('fromSeedJob', () => {
  it('takes a PERSISTENCE.md job with a data-URL result and keeps unknown fields', () => {
    const box = imageBox();
    const job = fromSeedJob(
      seedFileSchema.parse({
        jobs: [
          {
            id: 'job-1',
            prompt: 'heroic knight',
            width: 64,
            height: 64,
            seed: null,
            status: 'success',
            result: DATA_URL,
            error: null,
            startTime: 1698589123456,
            endTime: 1698589125901,
            duration: 2.445,
            createdAt: 1698589120000,
            favourite: true,
          },
        ],
      }).jobs[0]!,
      box.put,
      5,
    );
    expect(job).toMatchObject({
      id: 'job-1',
      status: 'success',
      kind: 'generate',
      duration: 2.445,
      favourite: true,
      updatedAt: 1698589125901,
    });
    expect(job.image).toBe(createHash('sha256').update(PNG).digest('hex'));
    expect(job).not.toHaveProperty('result');
    expect(toSeedJob(job, box.get)).toMatchObject({ id: 'job-1', result: DATA_URL, favourite: true });
  });

  it('takes what the seed dashboard really wrote: result objects, string seeds, idle and rotations', () => {
    const box = imageBox();
    const raw = {
      id: 'job-7',
      prompt: 'mage (north)',
      width: 64,
      height: 64,
      seed: '42',
      status: 'idle',
      result: { status: 'success', duration: 3.1, image_data_url: DATA_URL, image_path: 'dashboards/generated/x.png' },
      isRotation: true,
      rotationData: { sourceJobId: 'job-3', imageDataUrl: DATA_URL, toDirection: 'north', fromDirection: null },
      createdAt: 10,
    };
    const job = fromSeedJob(seedFileSchema.parse({ jobs: [raw] }).jobs[0]!, box.put, 99);
    expect(job).toMatchObject({
      seed: 42,
      status: 'idle',
      kind: 'rotate',
      rotate: { toDirection: 'north', sourceJobId: 'job-3' },
    });
    const back = toSeedJob(job, box.get);
    expect(back.result).toEqual(raw.result);
    expect(back.rotationData).toEqual(raw.rotationData);
    expect(back.isRotation).toBe(true);
  });

  it('never rejects an odd seed job: unknown status, missing fields, weird ids', () => {
    const box = imageBox();
    const job = fromSeedJob({ id: 12, status: 'paused' } as never, box.put, 7);
    expect(job).toMatchObject({ id: '12', status: 'error', width: 64, prompt: '' });
    expect(toSeedJob(job, box.get).status).toBe('paused');
    expect(
      fromSeedJob({ id: 'a b/c', status: 'success', result: 'data:image/png;base64,notpng' } as never, box.put, 1),
    ).toMatchObject({ id: 'a_b_c', image: null, result: 'data:image/png;base64,notpng' });
  });

  it('is deterministic: the same file converts to the same versions', () => {
    const raw = { id: 'job-1', prompt: 'x', status: 'error', error: 'boom', startTime: 5, endTime: 9, createdAt: 1 };
    expect(fromSeedJob(raw, imageBox().put, 100)).toEqual(fromSeedJob(raw, imageBox().put, 200));
  });

  it('round-trips our own jobs through a seed client without losing their fields', () => {
    const box = imageBox();
    const first = fromSeedJob(
      { id: 'job-9', prompt: 'p', status: 'success', result: DATA_URL, createdAt: 1, endTime: 50 },
      box.put,
      0,
    );
    const ours = { ...first, groupId: 'g1', updatedAt: 500 };
    const again = fromSeedJob(toSeedJob(ours, box.get) as never, box.put, 0);
    expect(again).toMatchObject({ id: 'job-9', image: first.image, groupId: 'g1', updatedAt: 500 });
  });
});

describe('lastSeedJobId', () => {
  it('is the highest job-N so seed clients mint fresh ids', () => {
    expect(lastSeedJobId([{ id: 'job-3' }, { id: 'job-12' }, { id: 'job-x' }], 5)).toBe(12);
    expect(lastSeedJobId([], 4)).toBe(4);
  });
});

describe('data URLs', () => {
  it('round-trip bytes', () => {
    expect(bytesToPngDataUrl(PNG)).toBe(DATA_URL);
  });
});
