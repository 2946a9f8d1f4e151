import type { DatedSnapshots } from './dated-snapshots';
import { indexFieldsOf } from './history-lines';

/**
 * Which images the dated copies in `snapshots/` still need: a restore brings a purged job back from a copy, and
 * its image with it only if the image was not freed. A copy never changes once written, so what each one holds
 * is read once per image asked about (only images a purge left unused are asked about: rarely, and few).
 */
export function createSnapshotImages(snapshots: DatedSnapshots, log: (line: string) => void) {
  /** Per copy: the images asked about so far, and whether one of its live jobs points at each. */
  const known = new Map<string, Map<string, boolean>>();

  async function holdsOf(id: string, hashes: readonly string[]): Promise<Map<string, boolean>> {
    const answers = known.get(id) ?? new Map<string, boolean>();
    known.set(id, answers);
    const unknown = hashes.filter((hash) => !answers.has(hash));
    if (unknown.length === 0) return answers;
    const held = new Set<string>();
    for (const job of await snapshots.read(id)) for (const hash of indexFieldsOf(job).images ?? []) held.add(hash);
    for (const hash of unknown) answers.set(hash, held.has(hash));
    return answers;
  }

  return {
    /** The hashes among `hashes` that a live job of some dated copy points at. */
    async held(hashes: readonly string[]): Promise<Set<string>> {
      const out = new Set<string>();
      if (hashes.length === 0) return out;
      const ids = (await snapshots.list()).map((s) => s.id);
      for (const id of known.keys()) if (!ids.includes(id)) known.delete(id);
      for (const id of ids) {
        let answers: Map<string, boolean>;
        try {
          answers = await holdsOf(id, hashes);
        } catch (error) {
          // A copy that cannot be read cannot be restored from either: it keeps nothing.
          log(`Could not read the dated copy ${id} while freeing images: ${String(error)}`);
          for (const hash of hashes) known.get(id)?.set(hash, false);
          continue;
        }
        for (const hash of hashes) if (answers.get(hash)) out.add(hash);
      }
      return out;
    },
  };
}
export type SnapshotImages = ReturnType<typeof createSnapshotImages>;
