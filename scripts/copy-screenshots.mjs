// Copies the screenshots the browser tests took (test-results/screenshots, ignored by git) that the README
// shows into docs/screenshots. Run after `npm test`; a test never writes tracked files itself.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const from = path.join(root, 'test-results/screenshots');
const to = path.join(root, 'docs/screenshots');

// The README's pictures: each main state at the panel's width, and the wide ones worth showing.
const chosen = (await readdir(to)).filter((f) => f.endsWith('.png'));
const taken = new Set(await readdir(from).catch(() => []));
if (taken.size === 0) {
  console.error(`No screenshots in ${path.relative(root, from)}: run npm test first.`);
  process.exit(1);
}
await mkdir(to, { recursive: true });
const extra = process.argv.slice(2).map((n) => (n.endsWith('.png') ? n : `${n}.png`));
let copied = 0;
for (const name of new Set([...chosen, ...extra])) {
  if (!taken.has(name)) {
    console.warn(`not taken this run: ${name}`);
    continue;
  }
  await copyFile(path.join(from, name), path.join(to, name));
  copied++;
}
console.log(`Copied ${copied} screenshots to docs/screenshots (add more by name: npm run screenshots -- <name>)`);
