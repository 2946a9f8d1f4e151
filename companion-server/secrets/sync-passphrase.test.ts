/** The sync passphrase (issue 22) from the environment or a 0600 file in a real temp config folder. */
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { PASSPHRASE_FILE, PassphraseError, readPassphrase } from './sync-passphrase';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

describe('the passphrase', () => {
  async function configDir() {
    const t = await makeTempDir('pixellab-seal-');
    cleanup.push(t.remove);
    return t.dir;
  }

  it('comes from the environment first, else a 0600 file, else encryption is off', async () => {
    const dir = await configDir();
    expect(await readPassphrase({ env: {}, configDir: dir })).toBeNull();
    const file = path.join(dir, PASSPHRASE_FILE);
    await writeFile(file, 'from the file\n', { mode: 0o600 });
    expect(await readPassphrase({ env: {}, configDir: dir })).toEqual({ passphrase: 'from the file', source: file });
    const env = { COMPANION_SYNC_PASSPHRASE: 'from env' };
    expect(await readPassphrase({ env, configDir: dir })).toEqual({
      passphrase: 'from env',
      source: 'COMPANION_SYNC_PASSPHRASE',
    });
  });

  it('a file others can read is refused with the chmod to run, and never quoted', async () => {
    const dir = await configDir();
    const file = path.join(dir, PASSPHRASE_FILE);
    await writeFile(file, 'secret words\n');
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      await chmod(file, mode);
      const error = await readPassphrase({ env: {}, configDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PassphraseError);
      expect((error as Error).message).toContain(`chmod 600 ${file}`);
      expect((error as Error).message).not.toContain('secret');
    }
    await chmod(file, 0o600);
    expect(await readPassphrase({ env: {}, configDir: dir, uid: 12345 }).catch((e: Error) => e.message)).toMatch(
      /belongs to another user/,
    );
    await writeFile(file, '\n');
    await expect(readPassphrase({ env: {}, configDir: dir })).rejects.toThrow(/is empty/);
  });
});
