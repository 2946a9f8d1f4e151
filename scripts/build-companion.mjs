// Builds the companion as an npm package: one bundled file with no runtime dependencies, its package.json and
// README, and the licences of what it bundles, in .output/companion-package/; with --pack, also the tarball
// (.output/pixellab-companion-<version>.tgz). Usage: node scripts/build-companion.mjs [--pack] [--out DIR]
// (--out: build and pack in DIR instead of .output, as the package test does).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const source = path.join(root, 'companion-server/package');
const outFlag = process.argv.indexOf('--out');
const destination = outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(root, '.output');
const out = path.join(destination, 'companion-package');
const manifest = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8'));
const bin = Object.values(manifest.bin)[0];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'companion-server/index.ts')],
  outfile: path.join(out, bin),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS code may still call require() for Node's own modules.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __companionRequire } from 'node:module';\nconst require = __companionRequire(import.meta.url);",
  },
});
chmodSync(path.join(out, bin), 0o755);

// The licences of every package the bundle holds, which their MIT and ISC terms ask to ship with copies.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = path.join(root, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const licence = readdirSync(dir).find((file) => /^(licen[sc]e|copying)/i.test(file));
  const text = licence ? readFileSync(path.join(dir, licence), 'utf8').trim() : `License: ${pkg.license}`;
  return `## ${name} ${pkg.version}\n\n${text}\n`;
});
writeFileSync(
  path.join(out, 'THIRD-PARTY-NOTICES.md'),
  `# Bundled packages\n\n${bin} bundles these packages.\n\n${notices.join('\n')}`,
);
writeFileSync(
  path.join(out, 'package.json'),
  `${JSON.stringify({ ...manifest, files: [...manifest.files, 'THIRD-PARTY-NOTICES.md'] }, null, 2)}\n`,
);
copyFileSync(path.join(source, 'README.md'), path.join(out, 'README.md'));
console.log(`Built ${path.join(out, bin)} (${packages.size} bundled packages)`);

if (process.argv.includes('--pack')) {
  const tarball = path.join(destination, `${manifest.name}-${manifest.version}.tgz`);
  if (existsSync(tarball)) rmSync(tarball);
  execFileSync('npm', ['pack', '--pack-destination', destination, '--silent'], { cwd: out, stdio: 'inherit' });
  console.log(`Packed ${tarball}`);
}
