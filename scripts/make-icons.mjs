// Draws the panel's 8x8 pixel mark (components/icons.tsx PixelLogo) into public/icon/<size>.png at integer
// scales, nearest neighbour, so each icon is as crisp as the mark in the panel. Run: node scripts/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const SPRITE = ['00111100', '01222210', '12322221', '12222221', '12122121', '12222221', '01211210', '00111100'];
// The light theme's tokens (styles/tokens.css): outline, accent, light.
const COLORS = [null, [0x1a, 0x1e, 0x29], [0x6a, 0x45, 0xf5], [0xff, 0xe2, 0x7a]];
const SIZES = [16, 32, 48, 128];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function iconPng(size) {
  const scale = Math.floor(size / 8);
  const offset = Math.floor((size - scale * 8) / 2);
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) {
      const sx = Math.floor((x - offset) / scale);
      const sy = Math.floor((y - offset) / scale);
      const color = sx >= 0 && sx < 8 && sy >= 0 && sy < 8 ? COLORS[Number(SPRITE[sy][sx])] : null;
      if (color) row.set([...color, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = path.join(import.meta.dirname, '..', 'public', 'icon');
mkdirSync(dir, { recursive: true });
for (const size of SIZES) writeFileSync(path.join(dir, `${size}.png`), iconPng(size));
console.log(`wrote ${SIZES.map((s) => `public/icon/${s}.png`).join(', ')}`);
