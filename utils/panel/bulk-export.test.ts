import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import { seedFileSchema } from '@/utils/domain/seed';
import { blankPixels, decodePng, encodePng } from '@/utils/export/png';
import { exportSelection, selectionCsv, selectionJson, selectionZip, zipEntryName } from '@/utils/panel/bulk-export';
import type { ReadableStorage } from '@/utils/storage/area';

const storage = () => fakeBrowser.storage.local as unknown as ReadableStorage;

/** A 4x4 PNG whose first pixel is a given red. */
function png(red: number): Uint8Array {
  const pixels = blankPixels(4, 4);
  pixels.data.set([red, 0, 0, 255]);
  return encodePng(pixels);
}

/** Three jobs put in the history the way a user does it: imported from a seed file, through the real handler. */
async function seedHistory() {
  const reply = await send({
    type: 'import',
    text: JSON.stringify({
      jobs: [
        {
          id: 'job-1',
          prompt: 'Heroic knight, "brave"',
          status: 'success',
          width: 4,
          height: 4,
          createdAt: 1_000,
          result: bytesToPngDataUrl(png(10)),
          starred: true,
          rating: 4,
          tags: ['hero', 'knight'],
          usd: 0.012,
        },
        { id: 'job-2', prompt: 'slime', status: 'error', error: 'boom', width: 64, height: 64, createdAt: 2_000 },
        {
          id: 'job-3',
          prompt: '=red mage',
          status: 'success',
          width: 4,
          height: 4,
          createdAt: 3_000,
          result: bytesToPngDataUrl(png(30)),
        },
      ],
    }),
  });
  expect(reply).toMatchObject({ ok: true, imported: 3 });
}

let exported: string | null = null;

describe('a selection as files', () => {
  useIntentHandlers();

  it('ZIPs the PNGs of the selected jobs, named by prompt and id, and says who had none', async () => {
    await seedHistory();
    const zip = await selectionZip(storage(), ['job-3', 'job-2', 'job-1']);
    expect(zip).toMatchObject({ files: 2, without: 1 });
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files).sort()).toEqual(['heroic_knight_brave_job-1.png', 'red_mage_job-3.png']);
    expect(decodePng(files['red_mage_job-3.png']!).data[0]).toBe(30);
  });

  it('scales the PNGs to a whole-number zoom, nearest neighbour', async () => {
    await seedHistory();
    const files = unzipSync((await selectionZip(storage(), ['job-1'], 4)).bytes);
    const image = decodePng(files['heroic_knight_brave_job-1@4x.png']!);
    expect([image.width, image.height]).toEqual([16, 16]);
    // The first source pixel covers the first 4x4 block.
    expect([image.data[0], image.data[3 * 4], image.data[3 * 16 * 4]]).toEqual([10, 10, 10]);
    expect(image.data[4 * 4]).toBe(0);
  });

  it('writes the CSV the brief names: one row per job, lists joined, formulas defused, boards by name', async () => {
    await seedHistory();
    const csv = await selectionCsv(storage(), ['job-1', 'job-3'], (id) => `Board ${id}`);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,created,prompt,size,status,rating,tags,boards,cost_usd');
    expect(lines[1]).toBe(
      'job-1,1970-01-01T00:00:01.000Z,"Heroic knight, ""brave""",4x4,success,4,hero; knight,,0.012',
    );
    expect(lines[2]).toBe("job-3,1970-01-01T00:00:03.000Z,'=red mage,4x4,success,,,,");
    expect(lines).toHaveLength(4);
  });

  it('exports the selection as a seed file, images inside', async () => {
    await seedHistory();
    exported = await selectionJson(storage(), ['job-3', 'job-1']);
    const file = JSON.parse(exported);
    expect(seedFileSchema.safeParse(file).success).toBe(true);
    expect(file.jobs.map((j: { id: string }) => j.id)).toEqual(['job-3', 'job-1']);
    expect(file.jobs[1].result).toBe(bytesToPngDataUrl(png(10)));
  });

  it('…which imports back into an empty history as those jobs', async () => {
    expect(exported).not.toBeNull();
    expect(await send({ type: 'import', text: exported! })).toMatchObject({ ok: true, imported: 2, skipped: 0 });
    const index = await store.getIndex();
    expect(index.map((e) => e.id).sort()).toEqual(['job-1', 'job-3']);
    const knight = await store.getJob('job-1');
    expect(knight).toMatchObject({ prompt: 'Heroic knight, "brave"', starred: true, rating: 4 });
  });

  it('hands the bulk bar a Blob of the right type for each kind', async () => {
    await seedHistory();
    const options = { scale: 1, boardName: (id: string) => id };
    expect((await exportSelection(storage(), 'csv', ['job-1'], options)).blob.type).toBe('text/csv;charset=utf-8');
    expect((await exportSelection(storage(), 'json', ['job-1'], options)).blob.type).toBe('application/json');
    const zip = await exportSelection(storage(), 'zip', ['job-1'], options);
    expect([zip.blob.type, zip.files]).toEqual(['application/zip', 1]);
  });

  it('names ZIP entries safely', () => {
    expect(zipEntryName({ id: 'job/1', prompt: '' }, 1)).toBe('sprite_job_1.png');
    expect(zipEntryName({ id: 'job-2', prompt: 'Ölf archer' }, 2)).toBe('olf_archer_job-2@2x.png');
  });
});
