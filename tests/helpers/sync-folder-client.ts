import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from './seeded-random';

/**
 * A stand-in for Dropbox, Google Drive or Syncthing between the devices of a device-sync test (issue 22): each
 * companion has its own local view of the shared folder, and `round()` carries files from view to view the way
 * such clients do. A device's own files (devices/<id>/...) go from its view to the others; images from any view
 * that has them. Faults are asked for per round: files out of order and some held back, a file delivered cut short
 * (completed at a later round), "conflicted copy" and `.sync-conflict-` duplicates, and deletions.
 */
export interface RoundOptions {
  /** Deliver only about this share of the pending files, in a shuffled order (default 1: all, in order). */
  share?: number;
  /** Chance that a delivered file arrives cut short, to be completed later. */
  partial?: number;
  /** Chance that a delivered log also leaves a conflict copy of itself beside it. */
  conflict?: number;
}

export class SyncFolderClient {
  private readonly random: () => number;
  /** Device id -> the index of the view that device writes. */
  private readonly owners = new Map<string, number>();
  /** Files cut short on purpose: delivered whole at the next round that reaches them. */
  readonly log: string[] = [];

  /** With `deletions`, what each view held after the last round: a file gone since was deleted there. */
  private seen: Set<string>[] | null = null;

  constructor(
    readonly views: string[],
    seed = 1,
    /** deletions: a file deleted in one view is deleted in the others too, as real clients do (compaction). */
    private readonly options: { deletions?: boolean } = {},
  ) {
    this.random = seededRandom(seed);
  }

  /** Device files and images of a view (relative paths), temp files left out. */
  private async files(view: string): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of await list(path.join(view, 'devices')))
      for (const name of await list(path.join(view, 'devices', id)))
        if (!name.includes('.tmp-')) out.add(path.join('devices', id, name));
    for (const name of await list(path.join(view, 'images')))
      if (!name.includes('.tmp-')) out.add(path.join('images', name));
    return out;
  }

  /** Deletions made in any view since the last round reach every other view. */
  private async carryDeletions() {
    if (!this.options.deletions) return;
    const now = await Promise.all(this.views.map((view) => this.files(view)));
    for (const [from, before] of (this.seen ?? []).entries())
      for (const rel of before) {
        if (now[from]?.has(rel)) continue;
        for (const [to, view] of this.views.entries()) if (to !== from) await rm(path.join(view, rel), { force: true });
        this.log.push(`deleted ${rel} everywhere (it went from view ${from})`);
      }
  }

  /** Learns which view writes which device folder (the one that had it first). */
  private async learnOwners() {
    for (const [index, view] of this.views.entries()) {
      for (const id of await list(path.join(view, 'devices'))) if (!this.owners.has(id)) this.owners.set(id, index);
    }
  }

  /** Files that differ between a source view and a destination view: [relative path, from, to]. */
  private async pending(): Promise<[string, number, number][]> {
    await this.learnOwners();
    const out: [string, number, number][] = [];
    for (const [id, owner] of this.owners) {
      const rel = path.join('devices', id);
      for (const name of await list(path.join(this.views[owner]!, rel))) {
        if (name.includes('.tmp-')) continue; // a real client skips files still being written under a temp name
        const source = await readFile(path.join(this.views[owner]!, rel, name));
        for (const to of this.views.keys()) {
          if (to === owner) continue;
          const held = await readFile(path.join(this.views[to]!, rel, name)).catch(() => null);
          if (!held?.equals(source)) out.push([path.join(rel, name), owner, to]);
        }
      }
    }
    for (const [from, view] of this.views.entries()) {
      for (const name of await list(path.join(view, 'images'))) {
        if (name.includes('.tmp-')) continue;
        for (const to of this.views.keys()) {
          if (to !== from && !(await exists(path.join(this.views[to]!, 'images', name))))
            out.push([path.join('images', name), from, to]);
        }
      }
    }
    // The target's shared files (sync.json when encrypted): written once, copied like images.
    for (const [from, view] of this.views.entries()) {
      if (!(await exists(path.join(view, 'sync.json')))) continue;
      for (const to of this.views.keys())
        if (to !== from && !(await exists(path.join(this.views[to]!, 'sync.json')))) out.push(['sync.json', from, to]);
    }
    return out;
  }

  /** One round of copying; returns how many files it wrote. */
  async round(options: RoundOptions = {}): Promise<number> {
    await this.carryDeletions();
    let work = await this.pending();
    const share = options.share ?? 1;
    if (share < 1) {
      work = work
        .map((w) => [this.random(), w] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, w]) => w);
      work = work.filter(() => this.random() < share);
    }
    for (const [rel, from, to] of work) {
      const bytes = await readFile(path.join(this.views[from]!, rel));
      const dest = path.join(this.views[to]!, rel);
      await mkdir(path.dirname(dest), { recursive: true });
      const cut = this.random() < (options.partial ?? 0) && bytes.length > 2;
      // Whole files land by rename, as Dropbox and Syncthing do; a cut one is what a client crashing mid-copy leaves.
      const data = cut ? bytes.subarray(0, 1 + Math.floor(this.random() * (bytes.length - 1))) : bytes;
      const tmp = `${dest}.sync-tmp`;
      await writeFile(tmp, data);
      await rename(tmp, dest);
      if (cut) this.log.push(`cut ${rel} at ${data.length}/${bytes.length} for view ${to}`);
      if (rel.endsWith('.jsonl') && this.random() < (options.conflict ?? 0)) {
        const copy =
          this.random() < 0.5 ? ` (Laptop's conflicted copy 2026-12-06)` : '.sync-conflict-20261206-072500-ABCDEFG';
        await writeFile(dest.replace(/\.jsonl$/, `${copy}.jsonl`), bytes);
        this.log.push(`conflict copy of ${rel} in view ${to}`);
      }
    }
    if (this.options.deletions) this.seen = await Promise.all(this.views.map((view) => this.files(view)));
    return work.length;
  }

  /** Rounds until every view holds every file whole. */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) if ((await this.round()) === 0) return;
    throw new Error('the views did not settle in 20 rounds');
  }

  /** The user deletes a file by hand in one view. */
  async remove(view: number, rel: string): Promise<void> {
    await rm(path.join(this.views[view]!, rel), { force: true });
  }
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

async function exists(file: string): Promise<boolean> {
  return (await readFile(file).catch(() => null)) !== null;
}
