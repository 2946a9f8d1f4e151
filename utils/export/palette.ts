/**
 * A picture's exact colours with how often each appears, and the palette files pixel editors read: GIMP's `.gpl`
 * (Aseprite and GIMP load it), Lospec's `.hex`, and a 1xN PNG swatch strip. Transparent pixels are no colour.
 */
import { encodePng, type Pixels } from './png';

export interface Swatch {
  /** "#rrggbb", lower case. */
  hex: string;
  r: number;
  g: number;
  b: number;
  /** Pixels of this colour (any non-zero alpha counts). */
  count: number;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Every opaque (alpha > 0) colour, most used first, then by hex for a stable order. */
export function extractPalette(pixels: Pixels): Swatch[] {
  const counts = new Map<number, number>();
  const { data } = pixels;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    const rgb = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
  }
  return [...counts]
    .map(([rgb, count]) => {
      const r = rgb >> 16;
      const g = (rgb >> 8) & 0xff;
      const b = rgb & 0xff;
      return { hex: `#${hex2(r)}${hex2(g)}${hex2(b)}`, r, g, b, count };
    })
    .sort((a, b) => b.count - a.count || a.hex.localeCompare(b.hex));
}

/** GIMP palette text: a header, then "R G B<tab>name" lines. */
export function toGpl(swatches: readonly Swatch[], name: string): string {
  const title = name.replace(/[\r\n]+/g, ' ').trim() || 'Palette';
  const lines = swatches.map(
    (s) => `${String(s.r).padStart(3)} ${String(s.g).padStart(3)} ${String(s.b).padStart(3)}\t${s.hex}`,
  );
  return `GIMP Palette\nName: ${title}\nColumns: ${Math.min(16, Math.max(1, swatches.length))}\n#\n${lines.join('\n')}\n`;
}

/** One "rrggbb" a line (Lospec's .hex). */
export const toHex = (swatches: readonly Swatch[]): string => swatches.map((s) => `${s.hex.slice(1)}\n`).join('');

/** The colours as a 1xN PNG, one pixel each, in palette order. */
export function toSwatchPng(swatches: readonly Swatch[]): Uint8Array {
  if (swatches.length === 0) throw new Error('The picture has no opaque colour');
  const data = new Uint8Array(swatches.length * 4);
  for (const [i, s] of swatches.entries()) data.set([s.r, s.g, s.b, 255], i * 4);
  return encodePng({ width: swatches.length, height: 1, data });
}

/** Reads a .gpl back (for the tests, and for a palette the user drops in). */
export function parseGpl(text: string): { name: string | null; colours: string[] } {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== 'GIMP Palette') throw new Error('Not a GIMP palette: the first line must be "GIMP Palette"');
  let name: string | null = null;
  const colours: string[] = [];
  for (const line of lines.slice(1)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('Name:')) name = trimmed.slice(5).trim();
    const m = /^(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})(\s|$)/.exec(trimmed);
    if (!m) continue;
    const [r, g, b] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
    if (r > 255 || g > 255 || b > 255) throw new Error(`Not a colour: ${trimmed}`);
    colours.push(`#${hex2(r)}${hex2(g)}${hex2(b)}`);
  }
  return { name, colours };
}
