/**
 * What the Export dialog saves, as files: a sprite sheet with its atlas, an animated GIF or APNG, or a palette.
 * One request schema (the dialog's fields cross it), one function from frames to files, so every export the panel
 * offers is the same code the tests parse back.
 */
import { z } from 'zod';
import { hashToArray } from './atlas';
import { scaleNearest } from './frames';
import { encodeGif } from './gif';
import { frameNames, slug } from './names';
import { extractPalette, type Swatch, toGpl, toHex, toSwatchPng } from './palette';
import { decodePng, encodeApng, type Pixels } from './png';
import { buildSpriteSheet, MAX_SCALE } from './sprite-sheet';

const scale = z.number().int().min(1).max(MAX_SCALE);
/** 20 ms is the shortest frame browsers play a GIF at (shorter ones are slowed to 100 ms). */
const frameMs = z.number().int().min(20).max(10_000);

export const exportRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sheet'),
    columns: z.number().int().min(1).max(64),
    padding: z.number().int().min(0).max(64),
    scale,
    /** TexturePacker's JSON (Hash) or JSON (Array): which one the engine's importer reads. */
    layout: z.enum(['hash', 'array']),
    frameMs: frameMs.nullable(),
  }),
  z.object({ kind: z.literal('gif'), scale, frameMs }),
  z.object({ kind: z.literal('apng'), scale, frameMs }),
  z.object({ kind: z.literal('palette'), format: z.enum(['gpl', 'hex', 'png']) }),
]);
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** One picture to export: its PNG, the prompt it was made from and a label (its direction, or null). */
export interface ExportFrame {
  prompt: string;
  label: string | null;
  png: Uint8Array;
}

export interface ExportFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

const text = (s: string) => new TextEncoder().encode(s);

/** The files of one export: a sheet gives its PNG and JSON; the others give one file. */
export function exportFiles(request: ExportRequest, frames: readonly ExportFrame[]): ExportFile[] {
  const first = frames[0];
  if (!first) throw new Error('Choose at least one image to export');
  const stem = frames.every((f) => f.prompt === first.prompt) ? slug(first.prompt) : 'pixellab_sprites';
  const names = frameNames(frames);
  switch (request.kind) {
    case 'sheet': {
      const imageName = `${stem}_sheet.png`;
      const sheet = buildSpriteSheet(
        frames.map((f, i) => ({ name: names[i]!, png: f.png })),
        { ...request, imageName, tag: frames.length > 1 ? stem : null },
      );
      const atlas = request.layout === 'hash' ? sheet.atlas : hashToArray(sheet.atlas);
      return [
        { name: imageName, type: 'image/png', bytes: sheet.png },
        { name: `${stem}_sheet.json`, type: 'application/json', bytes: text(`${JSON.stringify(atlas, null, 2)}\n`) },
      ];
    }
    case 'gif':
    case 'apng': {
      const pixels = sameSize(frames.map((f) => scaleNearest(decodePng(f.png), request.scale)));
      const delays = pixels.map(() => request.frameMs);
      return request.kind === 'gif'
        ? [{ name: `${stem}.gif`, type: 'image/gif', bytes: encodeGif(pixels, delays) }]
        : [{ name: `${stem}.apng`, type: 'image/apng', bytes: encodeApng(pixels, delays) }];
    }
    case 'palette': {
      const swatches = paletteOf(frames);
      if (request.format === 'gpl')
        return [{ name: `${stem}.gpl`, type: 'text/plain', bytes: text(toGpl(swatches, first.prompt)) }];
      if (request.format === 'hex') return [{ name: `${stem}.hex`, type: 'text/plain', bytes: text(toHex(swatches)) }];
      return [{ name: `${stem}_palette.png`, type: 'image/png', bytes: toSwatchPng(swatches) }];
    }
  }
}

/** The exact colours of every frame together, most used first. */
export function paletteOf(frames: readonly Pick<ExportFrame, 'png'>[]): Swatch[] {
  const total = new Map<string, Swatch>();
  for (const frame of frames) {
    for (const swatch of extractPalette(decodePng(frame.png))) {
      const held = total.get(swatch.hex);
      total.set(swatch.hex, held ? { ...held, count: held.count + swatch.count } : swatch);
    }
  }
  return [...total.values()].sort((a, b) => b.count - a.count || a.hex.localeCompare(b.hex));
}

/** An animation's frames must share a size: a rotation set does; a mixed selection is refused by name. */
function sameSize(pixels: Pixels[]): Pixels[] {
  const [first] = pixels;
  const other = pixels.find((p) => p.width !== first!.width || p.height !== first!.height);
  if (other)
    throw new Error(
      `An animation needs frames of one size: ${first!.width}x${first!.height} and ${other.width}x${other.height} differ`,
    );
  return pixels;
}
