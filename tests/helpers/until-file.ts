import { readdir, readFile } from 'node:fs/promises';

/**
 * Waits until a file's text passes `check` (the companion rewrites job_history.json from its journal a short
 * while after a change), and returns that text. Fails with the last text seen after `timeoutMs`.
 */
export async function untilFile(path: string, check: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '(missing)';
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text !== null) {
      last = text;
      if (check(text)) return text;
    }
    if (Date.now() > deadline)
      throw new Error(`${path} did not reach the expected state in ${timeoutMs} ms:\n${last.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The ids of the live jobs in a job_history.json text. */
export const liveIds = (text: string): string[] => {
  try {
    return (JSON.parse(text) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
  } catch {
    return [];
  }
};

/** Waits until the companion has folded its journal into job_history.json and no rewrite is under way. */
export async function untilQuiet(dir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await readdir(dir).catch((): string[] => []);
    if (names.includes('job_history.json') && !names.some((n) => n.includes('.journal.') || n.includes('.tmp-')))
      return;
    if (Date.now() > deadline) throw new Error(`${dir} did not settle in ${timeoutMs} ms: ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
