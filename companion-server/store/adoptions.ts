import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { FileOps } from './file-ops';
import { HISTORY_FILE_NAME } from './file-store';
import { nodeFs } from './fs-seam';
import { parseJsonFile } from './history-file';
import type { ImportReport } from './import-history';

/**
 * `adopted.json` in a data dir: the histories taken into it with --import. A ./data folder listed here has
 * been taken in, so the companion stops choosing it over the platform folder; the folder itself is left as it is.
 */
export const ADOPTIONS_FILE_NAME = 'adopted.json';

const adoptionsSchema = z.object({
  version: z.literal(1),
  adopted: z.array(
    z.looseObject({
      source: z.string(),
      at: z.string(),
      taken: z.number().int().nonnegative(),
      found: z.number().int().nonnegative(),
    }),
  ),
});
type Adoptions = z.infer<typeof adoptionsSchema>;

const io = new FileOps(nodeFs, () => undefined);

/** The real path, so `./data`, `data/` and a symlink to it are one source. */
async function canonical(path: string): Promise<string> {
  return realpath(resolve(path)).catch(() => resolve(path));
}

async function readAdoptions(dataDir: string): Promise<Adoptions> {
  const bytes = await io.read(join(dataDir, ADOPTIONS_FILE_NAME), `Could not read ${ADOPTIONS_FILE_NAME}`);
  if (!bytes) return { version: 1, adopted: [] };
  try {
    return adoptionsSchema.parse(parseJsonFile(bytes));
  } catch {
    // A damaged record only means ./data may be offered again; an import is idempotent, so nothing is lost.
    return { version: 1, adopted: [] };
  }
}

/** Whether `source` (a folder or a file) was taken into `dataDir` before. */
export async function wasAdopted(dataDir: string, source: string): Promise<boolean> {
  const wanted = await canonical(source);
  return (await readAdoptions(dataDir)).adopted.some((entry) => entry.source === wanted);
}

/** Notes an import in `dataDir` (atomic and durable, like every file the store writes). */
export async function recordAdoption(dataDir: string, source: string, report: ImportReport, now = Date.now) {
  const adoptions = await readAdoptions(dataDir);
  adoptions.adopted.push({
    source: await canonical(source),
    at: new Date(now()).toISOString(),
    taken: report.taken,
    found: report.found,
  });
  await io.replaceDurably(
    join(dataDir, ADOPTIONS_FILE_NAME),
    Buffer.from(`${JSON.stringify(adoptions, null, 2)}\n`, 'utf8'),
  );
}

/** Whether a folder holds a companion's or the old server's history (its file, or the backup of one). */
export async function holdsHistory(dir: string): Promise<boolean> {
  const main = join(dir, HISTORY_FILE_NAME);
  return (await io.exists(main)) || (await io.exists(`${main}.backup`));
}
