import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_ONLY, FLAG_TABLE, type FlagSpec } from './flag-table';
import { helpText } from './help';

const README = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');

describe('--help', () => {
  const help = helpText();

  it('lists every flag of the table with its environment variable, and the service commands', () => {
    for (const flag of FLAG_TABLE as readonly FlagSpec[]) {
      const entry = help.slice(help.indexOf(`--${flag.name}`));
      expect(entry, flag.name).not.toBe(help);
      if (flag.env) expect(entry.split(/\n {2}-/)[0]!.replace(/\s+/g, ' '), flag.name).toContain(`Env: ${flag.env}`);
    }
    for (const variable of ENV_ONLY) expect(help).toContain(variable.env);
    for (const command of ['service install', 'service uninstall', 'service status']) expect(help).toContain(command);
  });

  it('fits in 100 columns', () => {
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it("matches the README's configuration table: every flag but --help and --version, and every variable", () => {
    const table = README.slice(README.indexOf('| Flag'), README.indexOf('\n\n', README.indexOf('| Flag')));
    const flags = [...table.matchAll(/^\| `--([a-z0-9-]+)/gm)].map((m) => m[1]);
    const documented = (FLAG_TABLE as readonly FlagSpec[]).filter((flag) => flag.kind !== 'meta');
    expect(flags.sort()).toEqual(documented.map((flag) => flag.name).sort());
    for (const flag of FLAG_TABLE as readonly FlagSpec[]) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`--${flag.name}`))!;
      if (flag.env) expect(row, flag.name).toContain(`\`${flag.env}`);
    }
    for (const variable of ENV_ONLY) expect(table).toContain(`\`${variable.env}\``);
  });
});
