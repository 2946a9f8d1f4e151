import { z } from 'zod';
import type { FileOps } from './file-ops';
import type { FileStat } from './fs-seam';

/**
 * `job_history.json.written`: which version of job_history.json this companion wrote last (inode, size, times).
 * When the file at start is still that one, nobody changed it since, and its lines are taken as they are
 * (trusted-layout.ts) instead of being validated and serialized one by one: a start at 100,000 jobs took
 * seconds doing that. Any edit, copy or replacement changes the inode or ctime, which no tool sets back, so
 * an edited file is always read the careful way. Only a cache: missing or unreadable, the start is slower.
 */
export const TRUST_FILE_SUFFIX = '.written';

/**
 * Raised when the job schema takes less than before, so lines an older companion wrote are checked again
 * once (the careful read sets aside what no longer passes).
 */
const TRUSTED_FORMAT = 1;

const trustSchema = z.object({
  format: z.literal(TRUSTED_FORMAT),
  file: z.object({ size: z.number(), mtimeMs: z.number(), ctimeMs: z.number(), ino: z.string() }),
});

export function sameFile(a: FileStat, b: FileStat): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Whether `stat` is the version of `main` this companion wrote last. */
export async function isTrusted(io: FileOps, main: string, stat: FileStat | null): Promise<boolean> {
  if (!stat) return false;
  const bytes = await io
    .read(`${main}${TRUST_FILE_SUFFIX}`, 'Could not read the written-file record')
    .catch(() => null);
  if (!bytes) return false;
  try {
    const parsed = trustSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return parsed.success && sameFile(parsed.data.file, stat);
  } catch {
    return false;
  }
}

/** Records the version of `main` just written; a failure only costs the next start its shortcut. */
export async function recordWritten(io: FileOps, main: string, stat: FileStat): Promise<void> {
  const text = `${JSON.stringify({ format: TRUSTED_FORMAT, file: stat })}\n`;
  await io.replaceDurably(`${main}${TRUST_FILE_SUFFIX}`, Buffer.from(text, 'utf8')).catch(() => undefined);
}
