/**
 * Draws the panel's 8x8 pixel mark (components/icons.tsx, PixelLogo) into public/icon/<size>.png at whole
 * scales with the exporter's own nearest-neighbour upscale and PNG writer, so each icon is as crisp as the mark.
 * Run: npm run icons
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scaleNearest } from '../utils/export/frames';
import { blankPixels, encodePng } from '../utils/export/png';

const SPRITE = ['00111100', '01222210', '12322221', '12222221', '12122121', '12222221', '01211210', '00111100'];
// The light theme's tokens (styles/tokens.css): outline, accent, light.
const COLORS = [null, [0x1a, 0x1e, 0x29], [0x6a, 0x45, 0xf5], [0xff, 0xe2, 0x7a]] as const;
const SIZES = [16, 32, 48, 128];

const mark = blankPixels(8, 8);
SPRITE.forEach((row, y) => {
  [...row].forEach((cell, x) => {
    const color = COLORS[Number(cell)];
    if (color) mark.data.set([...color, 255], (y * 8 + x) * 4);
  });
});

const dir = path.join(import.meta.dirname, '..', 'public', 'icon');
mkdirSync(dir, { recursive: true });
for (const size of SIZES) writeFileSync(path.join(dir, `${size}.png`), encodePng(scaleNearest(mark, size / 8)));
console.log(`wrote ${SIZES.map((s) => `public/icon/${s}.png`).join(', ')}`);
