import { describe, expect, it } from 'vitest';
import { importParts } from '@/utils/panel/import-parts';

const job = (i: number, pad = 0) => ({
  id: `job-${i}`,
  prompt: `p${i}`,
  width: 64,
  height: 64,
  status: 'success',
  result: `data:image/png;base64,${'A'.repeat(pad)}`,
});

describe('importParts', () => {
  it('passes a text within the limit on whole', () => {
    const text = JSON.stringify({ jobs: [job(1)], lastJobId: 1 });
    expect(importParts(text, 1000)).toEqual([text]);
  });

  it('splits a large seed file into whole imports under the limit, keeping every job once and in order', () => {
    const jobs = Array.from({ length: 50 }, (_, i) => job(i, 300));
    const parts = importParts(JSON.stringify({ jobs, lastJobId: 50, savedAt: 'x', version: '1.0' }), 2000);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
    const back = parts.flatMap((p) => (JSON.parse(p) as { jobs: unknown[] }).jobs);
    expect(back).toEqual(jobs);
  });

  it('takes a bare list too, and puts a job larger than the limit in a part of its own', () => {
    const jobs = [job(1, 10), job(2, 5000), job(3, 10)];
    const parts = importParts(JSON.stringify(jobs), 1000);
    expect(parts.map((p) => (JSON.parse(p) as { jobs: { id: string }[] }).jobs.map((j) => j.id))).toEqual([
      ['job-1'],
      ['job-2'],
      ['job-3'],
    ]);
  });

  it('passes on whole what is not JSON or not a job list, for the background to explain', () => {
    const notJson = `{"jobs": [${'1,'.repeat(600)}`;
    expect(importParts(notJson, 100)).toEqual([notJson]);
    const notJobs = JSON.stringify({ something: 'x'.repeat(500) });
    expect(importParts(notJobs, 100)).toEqual([notJobs]);
  });
});
