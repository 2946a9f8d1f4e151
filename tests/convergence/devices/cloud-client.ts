import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A sync client (Dropbox, Google Drive, Syncthing) between each companion's view of the synced folder and one
 * shared "cloud" folder, as the N-companion model drives it (issue 22). Like those clients it syncs three ways:
 * per view it remembers the last content both sides agreed on, so a change on either side travels to the other,
 * deletions included (a file deleted by hand in one view goes from the cloud, then from every other view).
 * Faults are asked for per tick: transfers held back (delays, and so reordering across views and files), a
 * download landing cut short and completed at a later tick, and conflict copies (of the current or of an older
 * version) appearing in the cloud beside a log, from where they reach every view.
 */
export interface TickFaults {
  /** Chance that a due transfer waits for a later tick. */
  hold: number;
  /** Chance that a download lands cut short (completed at a later tick). */
  partial: number;
  /** Chance that a log download also leaves a conflict copy in the cloud. */
  conflict: number;
}

export const NO_FAULTS: TickFaults = { hold: 0, partial: 0, conflict: 0 };

type Files = Map<string, Buffer>;

/** What the client did, for the model's coverage line. */
export interface CloudCounts {
  uploads: number;
  downloads: number;
  deletions: number;
  held: number;
  partial: number;
  conflictCopies: number;
}

const digest = (b: Buffer | undefined) => (b ? createHash('sha1').update(b).digest('hex') : '');

/** Files a real client skips: still being written under a temp name (the companion's own, or this client's). */
const skipped = (rel: string) => rel.includes('.tmp-') || rel.endsWith('.sync-part');

export class CloudClient {
  /** Per view: relative path -> the bytes view and cloud last agreed on. */
  private readonly base: Files[];
  /** Per view: files delivered cut short, to be completed (not taken for a local change). */
  private readonly cut: Set<string>[];
  readonly counts: CloudCounts = { uploads: 0, downloads: 0, deletions: 0, held: 0, partial: 0, conflictCopies: 0 };
  /** Views whose machine is offline: nothing moves in or out of them until they are back. */
  readonly offline = new Set<number>();

  constructor(
    readonly cloud: string,
    readonly views: string[],
    private readonly random: () => number,
  ) {
    this.base = views.map(() => new Map());
    this.cut = views.map(() => new Set());
  }

  /** One round over every view in a random order; returns how many transfers are still to do (held back). */
  async tick(faults: TickFaults = NO_FAULTS): Promise<number> {
    let pending = 0;
    const order = this.views.map((_, i) => i).sort(() => this.random() - 0.5);
    for (const v of order) if (!this.offline.has(v)) pending += await this.syncView(v, faults);
    return pending;
  }

  /** Ticks without faults until every view equals the cloud (every file whole). */
  async settle(maxTicks = 30): Promise<void> {
    for (let i = 0; i < maxTicks; i++) {
      await this.tick();
      if (await this.inStep()) return;
    }
    throw new Error(`the views did not settle with the cloud in ${maxTicks} ticks`);
  }

  /** Whether every view holds exactly the cloud's files. */
  async inStep(): Promise<boolean> {
    const cloud = await snapshot(this.cloud);
    for (const view of this.views) {
      const local = await snapshot(view);
      if (local.size !== cloud.size) return false;
      for (const [rel, bytes] of cloud) if (!local.get(rel)?.equals(bytes)) return false;
    }
    return true;
  }

  /** The user deletes a file by hand in one view; the client carries the deletion at its next tick. */
  async removeByHand(view: number, rel: string): Promise<void> {
    await rm(path.join(this.views[view]!, rel), { force: true });
  }

  /** Files of one view, for the model to pick one to delete. */
  async filesOf(view: number): Promise<string[]> {
    return [...(await snapshot(this.views[view]!)).keys()].sort();
  }

  private async syncView(v: number, faults: TickFaults): Promise<number> {
    const view = this.views[v]!;
    const base = this.base[v]!;
    const local = await snapshot(view);
    const cloud = await snapshot(this.cloud);
    const names = [...new Set([...local.keys(), ...cloud.keys(), ...base.keys()])].sort(() => this.random() - 0.5);
    let held = 0;
    for (const rel of names) {
      const l = local.get(rel);
      const c = cloud.get(rel);
      const b = base.get(rel);
      const [dl, dc, db] = [digest(l), digest(c), digest(b)];
      if (dl === dc && !this.cut[v]!.has(rel)) {
        if (l) base.set(rel, l);
        else base.delete(rel);
        continue;
      }
      if (this.random() < faults.hold) {
        held++;
        this.counts.held++;
        continue;
      }
      const localChanged = dl !== db && !this.cut[v]!.has(rel);
      const cloudChanged = dc !== db || this.cut[v]!.has(rel);
      if (localChanged && !cloudChanged) await this.upload(v, rel, l, faults);
      else if (cloudChanged && !localChanged) await this.download(v, rel, c, faults);
      else if (!l) await this.download(v, rel, c, faults);
      else if (!c) await this.upload(v, rel, l, faults);
      else {
        // Both changed: the view's bytes take the name, the cloud's stay beside them as a conflict copy.
        if (rel.endsWith('.jsonl')) await this.conflictCopy(rel, c);
        await this.upload(v, rel, l, faults);
      }
    }
    return held;
  }

  private async upload(v: number, rel: string, bytes: Buffer | undefined, faults: TickFaults) {
    const dest = path.join(this.cloud, rel);
    if (!bytes) {
      await rm(dest, { force: true });
      this.base[v]!.delete(rel);
      this.counts.deletions++;
      return;
    }
    await atomicWrite(dest, bytes);
    this.base[v]!.set(rel, bytes);
    this.counts.uploads++;
    if (rel.endsWith('.jsonl') && this.random() < faults.conflict) await this.staleCopy(v, rel, bytes);
  }

  private async download(v: number, rel: string, bytes: Buffer | undefined, faults: TickFaults) {
    const dest = path.join(this.views[v]!, rel);
    this.cut[v]!.delete(rel);
    if (!bytes) {
      await rm(dest, { force: true });
      this.base[v]!.delete(rel);
      this.counts.deletions++;
      return;
    }
    if (bytes.length > 2 && this.random() < faults.partial) {
      // Written in place and cut short, as a client that streams into the file and stops mid-copy leaves it.
      await mkdir(path.dirname(dest), { recursive: true });
      await writeFile(dest, bytes.subarray(0, 1 + Math.floor(this.random() * (bytes.length - 1))));
      this.cut[v]!.add(rel);
      this.counts.partial++;
      return;
    }
    await atomicWrite(dest, bytes);
    this.base[v]!.set(rel, bytes);
    this.counts.downloads++;
    if (rel.endsWith('.jsonl') && this.random() < faults.conflict) await this.staleCopy(v, rel, bytes);
  }

  /** A conflict copy of a log, of the version just moved or of an older one this view held. */
  private async staleCopy(v: number, rel: string, current: Buffer) {
    const older = this.base[v]!.get(rel);
    await this.conflictCopy(rel, older && this.random() < 0.5 ? older : current);
  }

  private async conflictCopy(rel: string, bytes: Buffer) {
    const n = this.counts.conflictCopies++;
    const suffix =
      n % 2 === 0
        ? ` (Laptop's conflicted copy 2026-12-06 ${n})`
        : `.sync-conflict-20261206-072500-${String(n).padStart(7, 'A')}`;
    await atomicWrite(path.join(this.cloud, rel.replace(/\.jsonl$/, `${suffix}.jsonl`)), bytes);
  }
}

async function atomicWrite(dest: string, bytes: Buffer) {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.sync-part`;
  await writeFile(tmp, bytes);
  await rename(tmp, dest);
}

/** Every regular file under `root` (relative path -> bytes), temp files aside. */
async function snapshot(root: string): Promise<Files> {
  const out: Files = new Map();
  async function walk(rel: string) {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = rel ? path.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() && !skipped(child)) {
        const bytes = await readFile(path.join(root, child)).catch(() => null);
        // Gone between the listing and the read (a companion replaced or removed it): seen at the next tick.
        if (bytes && (await stat(path.join(root, child)).catch(() => null))) out.set(child, bytes);
      }
    }
  }
  await walk('');
  return out;
}
