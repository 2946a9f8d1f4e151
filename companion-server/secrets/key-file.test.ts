import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { KeyFromEnvironmentError, openApiKey } from './api-key';
import { createKeyFile, KEY_FILE_NAME } from './key-file';

const KEY = 'pixellab-key-for-file-tests';
let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir('pixellab-key-file-');
});
afterEach(() => temp.remove());

describe('the key file', () => {
  it('is made only when a key is saved, 0600 in a 0700 folder, and read back', async () => {
    const dir = path.join(temp.dir, 'config', 'pixellab-companion');
    const file = createKeyFile(dir);
    expect(await file.read()).toBeNull();
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });

    await file.write(KEY);
    expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dir)).toEqual([KEY_FILE_NAME]);
    expect(await createKeyFile(dir).read()).toBe(KEY);

    expect(await file.remove()).toBe(true);
    expect(await file.remove()).toBe(false);
    expect(await file.read()).toBeNull();
  });

  it('goes back to 0600 when found readable by others, and ignores a damaged file without quoting it', async () => {
    const logs: string[] = [];
    const file = createKeyFile(temp.dir, (line) => logs.push(line));
    await file.write(KEY);
    await chmod(file.path, 0o644);
    expect(await file.read()).toBe(KEY);
    expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    expect(logs).toEqual([
      `The PixelLab key file ${file.path} was readable by others; it is now readable by you only (0600).`,
    ]);

    await writeFile(file.path, `{"version":1,"apiKey":"${KEY} broken`);
    expect(await file.read()).toBeNull();
    expect(logs.at(-1)).toBe(
      `The PixelLab key file ${file.path} is damaged; it is ignored. Set the key again from the side panel.`,
    );
    for (const line of logs) expect(line).not.toContain(KEY);
  });
});

describe('the key holder', () => {
  it('prefers the environment, and refuses to save or remove while it wins', async () => {
    const file = createKeyFile(temp.dir);
    await file.write(KEY);
    const holder = await openApiKey({ envKey: 'from-environment-key', envSource: 'environment', file });
    expect(holder.current()).toBe('from-environment-key');
    expect(holder.source()).toBe('environment');
    await expect(holder.save('another-key-123456')).rejects.toBeInstanceOf(KeyFromEnvironmentError);
    await expect(holder.remove()).rejects.toBeInstanceOf(KeyFromEnvironmentError);
    expect(await readFile(file.path, 'utf8')).toContain(KEY);
  });

  it('uses the saved key at start, and a new one at once', async () => {
    const file = createKeyFile(temp.dir);
    await file.write(KEY);
    const holder = await openApiKey({ envKey: null, envSource: 'environment', file });
    expect([holder.current(), holder.source()]).toEqual([KEY, 'file']);
    await holder.save('the-next-key-123456');
    expect([holder.current(), holder.source()]).toEqual(['the-next-key-123456', 'file']);
    await holder.remove();
    expect([holder.current(), holder.source()]).toEqual([null, 'none']);
  });
});
