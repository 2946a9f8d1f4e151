/**
 * The floor with nothing of ours: an extension with the same key (so the same id and chrome.storage.local) whose
 * service worker does nothing and whose sidepanel.html is an empty page. Opened on a copy of a seeded profile,
 * its first-rows open (page-scripts.ts 'floor' mode) is what the browser alone costs to start, open its storage
 * and answer one read of the first screen's keys.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeBareExtension(builtExtDir: string, outDir: string): string {
  const built = JSON.parse(readFileSync(path.join(builtExtDir, 'manifest.json'), 'utf8'));
  const manifest = {
    manifest_version: 3,
    name: `${built.name} (bench floor)`,
    version: built.version,
    key: built.key,
    permissions: built.permissions,
    background: { service_worker: 'background.js' },
    side_panel: { default_path: 'sidepanel.html' },
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(path.join(outDir, 'background.js'), '// The bench floor: a service worker that does nothing.\n');
  writeFileSync(
    path.join(outDir, 'sidepanel.html'),
    '<!doctype html><html><head><meta charset="UTF-8"><title>floor</title></head><body></body></html>\n',
  );
  return outDir;
}

/** A copy of a seeded profile for the bare extension, so the panel's own profile never sees another build. */
export function copyProfile(dir: string, to: string): string {
  cpSync(dir, to, { recursive: true });
  return to;
}
