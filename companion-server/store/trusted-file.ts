import { z } from 'zod';
import type { FileOps } from './file-ops';
import type { FileStat } from './fs-seam';
import { type StartIndex, startIndexSchema } from './start-index';

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
  /** The file's start index (start-index.ts); absent from records of older companions. */
  index: z.unknown().optional(),
});

/** The file is the one this companion wrote last; with the index written with it, when there is one. */
export interface Trusted {
  index: StartIndex | null;
}

export function sameFile(a: FileStat, b: FileStat): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Whether `stat` is the version of `main` this companion wrote last (null when it is not, or is not known). */
export async function readTrusted(io: FileOps, main: string, stat: FileStat | null): Promise<Trusted | null> {
  if (!stat) return null;
  const bytes = await io
    .read(`${main}${TRUST_FILE_SUFFIX}`, 'Could not read the written-file record')
    .catch(() => null);
  if (!bytes) return null;
  try {
    const parsed = trustSchema.safeParse(
      JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')),
    );
    if (!parsed.success || !sameFile(parsed.data.file, stat)) return null;
    const index = startIndexSchema.safeParse(parsed.data.index);
    return { index: index.success ? index.data : null };
  } catch {
    return null;
  }
}

/**
 * Records the version of `main` just written, with its start index (null: none, the next start parses the lines);
 * a failure only costs the next start its shortcut.
 */
export async function recordWritten(
  io: FileOps,
  main: string,
  stat: FileStat,
  index: StartIndex | null = null,
): Promise<void> {
  const text = `${JSON.stringify({ format: TRUSTED_FORMAT, file: stat, ...(index ? { index } : {}) })}\n`;
  await io.replaceDurably(`${main}${TRUST_FILE_SUFFIX}`, Buffer.from(text, 'utf8')).catch(() => undefined);
}
