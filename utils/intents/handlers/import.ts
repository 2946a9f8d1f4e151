import { errorMessage } from '@/utils/domain';
import { convertSeedJobs, lenientSeedFileSchema } from '@/utils/history/seed-import';
import type { JobEdit } from '@/utils/history/store';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';

/** Jobs per locked edit: each chunk is one read and one write. */
const IMPORT_CHUNK = 500;

/** `import`: a seed-format job history (or a bare list of jobs), merged by id: nothing doubled or revived. */
export function createImportHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'import'> {
  const { store, scheduler } = ctx;
  return {
    async import({ text }) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return fail(`The file is not valid JSON: ${errorMessage(err)}`);
      }
      // A bare list of jobs is accepted as well as the seed's { jobs, lastJobId }.
      if (Array.isArray(value)) value = { jobs: value };
      const file = lenientSeedFileSchema.safeParse(value);
      if (!file.success) {
        const issue = file.error.issues[0];
        const where = issue?.path.length ? issue.path.map(String).join('.') : 'the file';
        return fail(`The file is not a PixelLab job history: ${where}: ${issue?.message ?? 'unexpected shape'}`);
      }
      const { jobs, images, failed } = convertSeedJobs(file.data.jobs, ctx.now());
      const duplicatesInFile = file.data.jobs.length - jobs.length - failed.length;
      let imported = 0;
      let present = 0;
      for (let i = 0; i < jobs.length; i += IMPORT_CHUNK) {
        const chunk = jobs.slice(i, i + IMPORT_CHUNK);
        const added = await store.editJobs(
          chunk.map((j) => j.id),
          (existing): JobEdit<number> => {
            // Merge by id: a job already here (even deleted, even pulled a moment ago) is not doubled or revived.
            const fresh = chunk.filter((j) => !existing.has(j.id));
            const chunkImages: Record<string, string> = {};
            for (const job of fresh) {
              for (const hash of [job.image, job.rotate?.sourceImage]) {
                if (hash && images[hash]) chunkImages[hash] = images[hash];
              }
            }
            return { jobs: fresh, options: { markDirty: true, images: chunkImages }, result: fresh.length };
          },
        );
        imported += added;
        present += chunk.length - added;
      }
      if (imported > 0) scheduler.kick();
      const skipped = present + failed.length + duplicatesInFile;
      const reasons = [
        present > 0 ? `${present} already in the history` : '',
        duplicatesInFile > 0 ? `${duplicatesInFile} repeated in the file` : '',
        failed.length > 0 ? `${failed.length} unreadable (${failed[0]!.reason})` : '',
      ].filter(Boolean);
      const message =
        `Imported ${imported} job${imported === 1 ? '' : 's'}` +
        (skipped > 0 ? `; skipped ${skipped}: ${reasons.join(', ')}` : '');
      return { ok: true, imported, skipped, message };
    },
  };
}
