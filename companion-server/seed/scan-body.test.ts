import { describe, expect, it } from 'vitest';
import { parseSlice, scanSaveBody } from './scan-body';

const encode = (text: string) => new TextEncoder().encode(text);

/** The answer a refused scan gives: its status and JSON error body. */
async function refusal(scan: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = (await scan.then(
    () => null,
    (e: unknown) => e,
  )) as { status: number; res: Response } | null;
  if (!error) throw new Error('the scan was not refused');
  return { http: error.status, ...((await error.res.json()) as object) };
}

/** The jobs the scan found, parsed one by one, as JSON.parse would give them. */
async function jobsOf(text: string): Promise<unknown[]> {
  const bytes = encode(text);
  const scanned = await scanSaveBody(bytes);
  return (scanned.jobs ?? []).map(({ start, end }) => parseSlice(bytes, start, end));
}

describe('scanSaveBody', () => {
  it('finds each job whatever its strings hold: escaped quotes, backslash runs, brackets and commas', async () => {
    const jobs = [
      { id: 1, prompt: 'a "quoted" knight' },
      { id: 2, prompt: 'ends in a backslash \\' },
      { id: 3, prompt: 'two \\\\ then a quote \\"' },
      { id: 4, prompt: '}], {"not": "a job"} [' },
      { id: 5, prompt: 'ünïcödé ✓ and \u0001', nested: { a: [1, { b: '"' }] } },
      { id: 6, prompt: '' },
    ];
    const text = JSON.stringify({ lastJobId: 6, jobs });
    expect(await jobsOf(text)).toEqual(jobs);
    // Spaced out as the old server's json.dump(indent=2) writes it.
    expect(await jobsOf(JSON.stringify({ jobs, lastJobId: 6 }, null, 2))).toEqual(jobs);
  });

  it('reads the other fields and knows a body that is not a history', async () => {
    const scanned = await scanSaveBody(encode('{"lastJobId": 7, "jobs": []}'));
    expect(scanned).toEqual({ jobs: [], fields: { lastJobId: 7 } });
    expect((await scanSaveBody(encode('{"jobs": "none"}'))).jobs).toBeNull();
  });

  it('refuses a string that never ends, even when an escaped quote looks like its end', async () => {
    expect(await refusal(scanSaveBody(encode('{"jobs": [{"id": "open \\"}]}')))).toMatchObject({
      http: 400,
      error: 'invalid_json',
    });
    expect(await refusal(scanSaveBody(encode('{"jobs": [{"id": 1}')))).toMatchObject({ http: 400, status: 'error' });
  });

  it('refuses nesting past its depth before parsing anything', async () => {
    const deep = `{"jobs": [${'['.repeat(100)}${']'.repeat(100)}]}`;
    expect(await refusal(scanSaveBody(encode(deep)))).toMatchObject({ http: 400, error: 'too_deep' });
  });
});
