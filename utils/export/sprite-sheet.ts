/**
 * A sprite sheet: frames laid out on a grid in one PNG, with the atlas JSON that names each frame's rectangle.
 * Frames are scaled by a whole number with nearest-neighbour (never smoothed), in the order given, left to right
 * and then down. Each grid cell is as large as the largest frame; a smaller frame sits at its cell's top-left.
 */
import type { AtlasHash } from './atlas';
import { blit, scaleNearest } from './frames';
import { blankPixels, decodePng, encodePng, type Pixels } from './png';

export const MAX_SCALE = 8;
/** Pixels a side at most: browsers and engines (Unity, most GPUs) load textures up to 16384 px. */
export const MAX_SHEET_SIDE = 16384;

export interface SheetOptions {
  /** Frames a row (default: all in one row, up to 8; then rows of 8). */
  columns?: number;
  /** Transparent pixels between cells, in the sheet's own (scaled) pixels (default 0). */
  padding?: number;
  /** Whole-number zoom, 1 to 8 (default 1). */
  scale?: number;
  /** The PNG's file name, as the atlas refers to it (default "sheet.png"). */
  imageName?: string;
  /** Each frame's time in ms, for engines that animate from the atlas (Aseprite's `duration`); none when absent. */
  frameMs?: number | null;
  /** An Aseprite animation tag covering every frame (e.g. "walk"); none when absent. */
  tag?: string | null;
}

/** A frame as PNG bytes, or as pixels already decoded (a strip's frames, from splitStrip). */
export type SheetFrame = {
  /** The frame's key in the atlas (frameNames() makes them from the prompt and direction). */
  name: string;
} & ({ png: Uint8Array } | { pixels: Pixels });

export interface SpriteSheet {
  png: Uint8Array;
  atlas: AtlasHash;
  width: number;
  height: number;
  columns: number;
  rows: number;
}

/** Where each cell goes: the grid a sheet of `count` cells of cellW x cellH has with these options. */
export function sheetLayout(count: number, cellW: number, cellH: number, options: SheetOptions = {}) {
  const padding = options.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0 || padding > 64) throw new Error('Padding is a whole number, 0 to 64');
  const columns = Math.min(count, options.columns ?? Math.min(count, 8));
  if (!Number.isInteger(columns) || columns < 1) throw new Error('Columns is a whole number, at least 1');
  const rows = Math.ceil(count / columns);
  const width = columns * cellW + (columns - 1) * padding;
  const height = rows * cellH + (rows - 1) * padding;
  if (width > MAX_SHEET_SIDE || height > MAX_SHEET_SIDE)
    throw new Error(`The sheet would be ${width}x${height}; engines load at most ${MAX_SHEET_SIDE} px a side`);
  const cell = (i: number) => ({
    x: (i % columns) * (cellW + padding),
    y: Math.floor(i / columns) * (cellH + padding),
  });
  return { columns, rows, width, height, cell };
}

export function buildSpriteSheet(frames: readonly SheetFrame[], options: SheetOptions = {}): SpriteSheet {
  if (frames.length === 0) throw new Error('A sprite sheet needs at least one frame');
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_SCALE) throw new Error(`Scale is 1 to ${MAX_SCALE}x`);
  const names = new Set(frames.map((f) => f.name));
  if (names.size !== frames.length) throw new Error('Every frame needs its own name');

  const scaled: Pixels[] = frames.map((f) => scaleNearest('png' in f ? decodePng(f.png) : f.pixels, scale));
  const cellW = Math.max(...scaled.map((p) => p.width));
  const cellH = Math.max(...scaled.map((p) => p.height));
  const layout = sheetLayout(frames.length, cellW, cellH, options);
  const sheet = blankPixels(layout.width, layout.height);

  const atlasFrames: AtlasHash['frames'] = {};
  scaled.forEach((pixels, i) => {
    const { x, y } = layout.cell(i);
    blit(pixels, sheet, 0, 0, x, y, pixels.width, pixels.height);
    const { width: w, height: h } = pixels;
    atlasFrames[frames[i]!.name] = {
      frame: { x, y, w, h },
      rotated: false,
      trimmed: false,
      spriteSourceSize: { x: 0, y: 0, w, h },
      sourceSize: { w, h },
      ...(options.frameMs ? { duration: Math.round(options.frameMs) } : {}),
    };
  });

  const atlas: AtlasHash = {
    frames: atlasFrames,
    meta: {
      app: 'PixelLab Side Panel',
      version: '1.0',
      image: options.imageName ?? 'sheet.png',
      format: 'RGBA8888',
      size: { w: layout.width, h: layout.height },
      // "1": the zoom is baked into the pixels; PixiJS would read a larger scale as a resolution and shrink it back.
      scale: '1',
      ...(options.tag
        ? { frameTags: [{ name: options.tag, from: 0, to: frames.length - 1, direction: 'forward' }] }
        : {}),
    },
  };
  return {
    png: encodePng(sheet),
    atlas,
    width: layout.width,
    height: layout.height,
    columns: layout.columns,
    rows: layout.rows,
  };
}

/** One PNG at a whole-number zoom, nearest-neighbour (what "download at 4x" saves). */
export function scalePng(png: Uint8Array, scale: number): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_SCALE) throw new Error(`Scale is 1 to ${MAX_SCALE}x`);
  return scale === 1 ? png : encodePng(scaleNearest(decodePng(png), scale));
}
