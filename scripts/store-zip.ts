/**
 * The Chrome Web Store refuses a manifest with a `key` ("key field is not allowed in manifest"): the key only
 * pins the id of the unpacked build (README), and the store gives its own. So the Chrome zip gets the built
 * manifest without it; every other file, and every other manifest field, stays as built.
 */
import { readFile, writeFile } from 'node:fs/promises';
import JSZip from 'jszip';

export async function dropManifestKey(zipPath: string): Promise<void> {
  const zip = await JSZip.loadAsync(await readFile(zipPath));
  const file = zip.file('manifest.json');
  if (!file) throw new Error(`${zipPath} has no manifest.json`);
  const { key: _pinsTheUnpackedId, ...manifest } = JSON.parse(await file.async('string'));
  zip.file('manifest.json', JSON.stringify(manifest));
  const bytes = await zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 9 },
  });
  await writeFile(zipPath, bytes);
}
