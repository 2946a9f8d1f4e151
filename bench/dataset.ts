/**
 * The bench's history: N successful generate jobs, each with its own real PNG of about 4.5 KB, and the
 * three shapes the bench stores it in:
 *   - the extension's chrome.storage.local layout (utils/storage/keys.ts), computed with the real
 *     `deriveLayout` of utils/history/derive.ts, exactly as the background's store would have written it;
 *   - the baseline: the same jobs in the seed's format (results as PNG data URLs, via the real `toSeedJob`)
 *     under ONE storage key;
 *   - the companion's data dir: job_history.json v2 (the real `serializeHistoryFile`) plus images/<sha>.png.
 * Everything is deterministic: the same N gives the same bytes.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serializeHistoryFile } from '../companion-server/store/history-file';
import { hashText } from '../tests/fixtures/png';
import { seededRandom } from '../tests/helpers/seeded-random';
import { bytesToPngDataUrl, type Job, type SyncedJob, toSeedJob } from '../utils/domain';
import { writePng } from '../utils/export/png-encode';
import { deriveLayout } from '../utils/history/derive';
import { insightsItems } from '../utils/history/insights-keys';
import { indexItems } from '../utils/storage/index-pages';
import { keys } from '../utils/storage/keys';
import { HISTORY_SCHEMA_VERSION } from '../utils/storage/layout';
import { colourItems } from './colours';

export const IMAGE_SIZE = 64;
/** Share of pixels that get a random palette colour: tuned so a 64x64 PNG is about 4.5 KB. */
const NOISE = 0.14;
/** Fixed, so runs are comparable: 2025-01-01T00:00:00Z. */
const EPOCH = 1_735_689_600_000;

const CREATURES = [
  'knight',
  'goblin archer',
  'fire mage',
  'slime',
  'dragon whelp',
  'skeleton',
  'forest sprite',
  'robot',
  'pirate',
  'owl familiar',
  'necromancer',
  'paladin',
  'bandit',
  'golem',
  'mermaid',
  'samurai',
  'witch',
  'ghost',
  'wolf',
  'treant',
];
const LOOKS = [
  'with a glowing sword',
  'in blue armor',
  'holding a lantern',
  'with tiny wings',
  'casting a spell',
  'with a red cape',
  'wearing a crown',
  'with a wooden shield',
  'riding a boar',
  'holding a staff',
  'with green eyes',
  'in golden plate',
  'with a hooded cloak',
  'carrying a bow',
];
const SCENES = [
  'idle pose',
  'walking cycle frame',
  'attack pose',
  'on a mossy rock',
  'in a dark dungeon',
  'under moonlight',
  'facing left',
  'jumping',
  'side view',
  'top-down view',
  'snowy background',
  'lava cave',
];
const STYLES = [
  '16-bit',
  'retro',
  'NES palette',
  'gameboy style',
  'high contrast',
  'soft shading',
  'outlined',
  'isometric',
];

export const rng = seededRandom;

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

export function promptOf(i: number): string {
  const r = rng(hashText(`prompt-${i}`));
  return `${pick(r, STYLES)} ${pick(r, CREATURES)} ${pick(r, LOOKS)}, ${pick(r, SCENES)} #${i}`;
}

/**
 * A 64x64 mirrored blocky creature with per-pixel palette noise, as 8-bit RGBA PNG bytes (~4.5 KB, the
 * size of a real 64x64 PixelLab result), written by the project's PNG writer (utils/export/png-encode.ts).
 */
export function spriteOf(i: number): Uint8Array {
  const r = rng(hashText(`sprite-${i}`));
  const palette = new Uint8Array(64 * 4);
  for (let k = 0; k < 64; k++) {
    palette[k * 4] = Math.floor(r() * 256);
    palette[k * 4 + 1] = Math.floor(r() * 256);
    palette[k * 4 + 2] = Math.floor(r() * 256);
    palette[k * 4 + 3] = 255;
  }
  const grid = new Uint8Array(16 * 16);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 8; x++) {
      const v = Math.floor(r() * 4);
      grid[y * 16 + x] = v;
      grid[y * 16 + 15 - x] = v;
    }
  }
  const size = IMAGE_SIZE;
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = r() < NOISE ? 4 + Math.floor(r() * 60) : grid[(y >> 2) * 16 + (x >> 2)]!;
      rgba.set(palette.subarray(c * 4, c * 4 + 4), (y * size + x) * 4);
    }
  }
  // Deflate level 6: 100,000 of these are made; level 9 takes four times as long for 0.4% fewer bytes.
  return writePng(rgba, size, size, 6);
}

/** Bump when spriteOf changes: the cache of generated PNGs is keyed by it. */
const SPRITE_VERSION = 3;
const CACHE_DIR = path.join(os.tmpdir(), 'pixellab-bench-cache');

/**
 * PNGs 0..count-1. Making 10,000 takes about 20 s here (deflate), so they are cached in the temp dir: one file
 * of length-prefixed PNGs, checked by re-making a few of them.
 */
export function spritesUpTo(count: number): Uint8Array[] {
  const file = path.join(CACHE_DIR, `sprites-v${SPRITE_VERSION}-${IMAGE_SIZE}.bin`);
  let cached: Uint8Array[] = [];
  if (existsSync(file)) {
    const buf = readFileSync(file);
    for (let o = 0; o + 4 <= buf.length; ) {
      const n = buf.readUInt32BE(o);
      cached.push(new Uint8Array(buf.buffer, buf.byteOffset + o + 4, n));
      o += 4 + n;
    }
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, k) => v === b[k]);
    if (cached.length > 0 && ![0, cached.length - 1].every((k) => same(cached[k]!, spriteOf(k)))) cached = [];
  }
  if (cached.length >= count) return cached.slice(0, count);
  const out = cached.slice();
  for (let i = out.length; i < count; i++) out.push(spriteOf(i));
  mkdirSync(CACHE_DIR, { recursive: true });
  const parts: Buffer[] = [];
  for (const png of out) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(png.length);
    parts.push(len, Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  }
  writeFileSync(`${file}.tmp`, Buffer.concat(parts));
  renameSync(`${file}.tmp`, file);
  return out;
}

export interface Dataset {
  count: number;
  /** Oldest first (index 0 is the oldest job). */
  jobs: Job[];
  /** hash -> PNG bytes, one distinct image per job. */
  images: Map<string, Uint8Array>;
  /** hash -> PNG data URL (what the extension stores under img:<hash>). */
  dataUrls: Map<string, string>;
  pngBytes: { mean: number; min: number; max: number; total: number };
}

export function jobAt(i: number, hash: string): Job {
  const createdAt = EPOCH + i * 60_000;
  const r = rng(hashText(`job-${i}`));
  const duration = Math.round((1 + r() * 9) * 10) / 10;
  const suffix = Array.from({ length: 8 }, () => Math.floor(r() * 36).toString(36)).join('');
  return {
    id: `job-${createdAt.toString(36).padStart(9, '0')}-${suffix}`,
    kind: 'generate',
    prompt: promptOf(i),
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    seed: Math.floor(r() * 2 ** 31),
    status: 'success',
    error: null,
    image: hash,
    rotate: null,
    groupId: null,
    startTime: createdAt + 150,
    endTime: createdAt + 150 + duration * 1000,
    duration,
    createdAt,
    updatedAt: createdAt + 150 + duration * 1000,
    deleted: false,
  };
}

const cache = new Map<number, Dataset>();

/** The jobs and their PNGs only: what the companion side needs (no data URLs, which would take 600 MB of heap at 100k). */
export type History = Pick<Dataset, 'count' | 'jobs' | 'images'>;

/** The first `count` jobs with their PNGs (cached in the temp dir as the 10,000 are), without data URLs. */
export function makeHistory(count: number): History {
  const bigger = [...cache.values()].find((d) => d.count >= count);
  if (bigger) return { count, jobs: bigger.jobs.slice(0, count), images: bigger.images };
  const sprites = spritesUpTo(count);
  const jobs: Job[] = [];
  const images = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const png = sprites[i]!;
    const job = jobAt(i, createHash('sha256').update(png).digest('hex'));
    jobs.push(job);
    images.set(job.image!, png);
  }
  return { count, jobs, images };
}

/** The first `count` jobs; a larger dataset computed earlier is sliced, not recomputed. */
export function makeDataset(count: number): Dataset {
  const hit = cache.get(count);
  if (hit) return hit;
  const bigger = [...cache.values()].find((d) => d.count >= count);
  const jobs: Job[] = [];
  const images = new Map<string, Uint8Array>();
  const dataUrls = new Map<string, string>();
  const sprites = bigger ? [] : spritesUpTo(count);
  let total = 0;
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < count; i++) {
    let job: Job;
    let png: Uint8Array;
    if (bigger) {
      job = bigger.jobs[i]!;
      png = bigger.images.get(job.image!)!;
    } else {
      png = sprites[i]!;
      job = jobAt(i, createHash('sha256').update(png).digest('hex'));
    }
    jobs.push(job);
    images.set(job.image!, png);
    dataUrls.set(job.image!, bigger ? bigger.dataUrls.get(job.image!)! : bytesToPngDataUrl(png));
    total += png.length;
    min = Math.min(min, png.length);
    max = Math.max(max, png.length);
  }
  const dataset: Dataset = { count, jobs, images, dataUrls, pngBytes: { mean: total / count, min, max, total } };
  cache.set(count, dataset);
  return dataset;
}

/** The layout keys except job:/img: (small, written last so the panel never sees a head without its jobs). */
export function layoutMeta(dataset: Dataset, companionUrl: string): Record<string, unknown> {
  const derived = deriveLayout(dataset.jobs);
  return {
    [keys.schema]: { version: HISTORY_SCHEMA_VERSION },
    ...indexItems(derived.index),
    [keys.head]: derived.head,
    [keys.stats]: derived.stats,
    tombstones: derived.tombstones,
    ...insightsItems(derived.insights),
    [keys.outbox]: [],
    [keys.settings]: { companionUrl, token: '', parallelLimit: 3 },
  };
}

/** job:<id> and img:<hash> items in chunks, then the colour index's, for chrome.storage.local.set. */
export function* layoutChunks(dataset: Dataset, jobsPerChunk = 400): Generator<Record<string, unknown>> {
  for (let i = 0; i < dataset.jobs.length; i += jobsPerChunk) {
    const items: Record<string, unknown> = {};
    for (const job of dataset.jobs.slice(i, i + jobsPerChunk)) {
      items[keys.job(job.id)] = job;
      items[keys.image(job.image!)] = dataset.dataUrls.get(job.image!)!;
    }
    yield items;
  }
  // The colour index after the jobs, before the index (layoutMeta): the background's indexer finds every job indexed.
  yield colourItems(dataset);
}

/** The seed's view of each job (oldest first, result as a PNG data URL), as the baseline keeps it. */
export function* seedJobChunks(dataset: Dataset, perChunk = 500): Generator<Record<string, unknown>[]> {
  const getImage = (hash: string) => dataset.images.get(hash) ?? null;
  for (let i = 0; i < dataset.jobs.length; i += perChunk) {
    yield dataset.jobs.slice(i, i + perChunk).map((job) => toSeedJob(job, getImage));
  }
}

/** A companion data dir holding the dataset: job_history.json v2 (seq 1..N, oldest first) and images/. */
export async function writeCompanionDataDir(dataset: History, dir: string, serverId: string): Promise<void> {
  await mkdir(path.join(dir, 'images'), { recursive: true });
  const entries = dataset.jobs.map((job, i) => {
    const synced: SyncedJob = { ...job, seq: i + 1 };
    return { ...synced, line: JSON.stringify(synced) };
  });
  const text = serializeHistoryFile(
    { lastJobId: 0, savedAt: new Date(EPOCH).toISOString(), serverId, seq: dataset.count, extra: {} },
    entries,
  );
  await writeFile(path.join(dir, 'job_history.json'), text);
  const hashes = dataset.jobs.map((job) => job.image!);
  for (let i = 0; i < hashes.length; i += 200) {
    await Promise.all(
      hashes.slice(i, i + 200).map((h) => writeFile(path.join(dir, 'images', `${h}.png`), dataset.images.get(h)!)),
    );
  }
}

/** The seed's rule for search, as utils/panel-data.ts `filter` applies it: every word, case-insensitive. */
export function matches(prompt: string, query: string): boolean {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const lower = prompt.toLowerCase();
  return terms.every((t) => lower.includes(t));
}
