// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import type { Job } from '@/utils/domain/job';
import { seedFileSchema } from '@/utils/domain/seed';
import { csvField, exportCsv, exportJson } from '@/utils/panel/export';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const PNG_URL = bytesToPngDataUrl(PNG_BYTES);
const HASH = 'a'.repeat(64);

function job(id: string, overrides: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'generate',
    prompt: 'heroic knight',
    width: 64,
    height: 64,
    seed: null,
    status: 'success',
    error: null,
    image: null,
    rotate: null,
    groupId: null,
    startTime: 10,
    endTime: 2010,
    duration: 2,
    createdAt: 5,
    updatedAt: 2010,
    deleted: false,
    ...overrides,
  };
}

describe('exports', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    const jobs = [
      job('job-7', { image: HASH, prompt: 'knight, "the brave"\nline two' }),
      job('job-x1', { status: 'error', error: 'boom', duration: null, prompt: '=cmd()' }),
      job('job-3', { status: 'idle', startTime: null, endTime: null, duration: null }),
    ];
    await fakeBrowser.storage.local.set({
      ...indexItems(jobs.map((j) => ({ id: j.id, createdAt: j.createdAt, status: j.status, prompt: j.prompt }))),
      [keys.head]: jobs.map((j) => j.id),
      ...Object.fromEntries(jobs.map((j) => [keys.job(j.id), j])),
      [keys.image(HASH)]: PNG_URL,
    });
  });

  it('exports JSON in the seed file format with results as PNG data URLs', async () => {
    const text = await exportJson(undefined, new Date('2025-01-02T03:04:05.000Z'));
    const file = JSON.parse(text);
    expect(seedFileSchema.safeParse(file).success).toBe(true);
    expect(file.version).toBe('1.0');
    expect(file.savedAt).toBe('2025-01-02T03:04:05.000Z');
    expect(file.lastJobId).toBe(7);
    expect(file.jobs.map((j: { id: string }) => j.id)).toEqual(['job-7', 'job-x1', 'job-3']);
    expect(file.jobs[0].result).toBe(PNG_URL);
    expect(file.jobs[1].result).toBeNull();
    expect(file.jobs[1].error).toBe('boom');
    expect(file.jobs[0]).not.toHaveProperty('deleted');
  });

  it('exports CSV with a header row and proper quoting', async () => {
    const csv = await exportCsv();
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'id,status,prompt,width,height,seed,duration_s,created_at,started_at,ended_at,error,kind,group_id,image_sha256',
    );
    expect(csv).toContain('job-7,success,"knight, ""the brave""\nline two",64,64,,2,1970-01-01T00:00:00.005Z');
    expect(csv).toContain(`,generate,,${HASH}\r\n`);
    expect(csv).toContain("job-x1,error,'=cmd(),64,64,,,");
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('quotes fields only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(-3)).toBe('-3');
  });
});
