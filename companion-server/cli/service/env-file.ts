import { parseEnv } from 'node:util';

/**
 * A dotenv file that Node's own parser (process.loadEnvFile, util.parseEnv) reads back as exactly these
 * values: single quotes keep a value literal; a value that holds one goes in double quotes, and so on.
 * Refuses what no quoting carries (a line break, or all three quote characters), rather than change a value.
 */
export function formatEnvFile(vars: Record<string, string>, header: string[]): string {
  const lines = header.map((line) => `# ${line}`);
  for (const [name, value] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${name} is not a variable name`);
    const quote = ["'", '"', '`'].find((q) => !value.includes(q));
    if (quote === undefined || /[\r\n]/.test(value)) {
      throw new Error(
        `${name}'s value cannot be written to an environment file as it is (a line break, or every kind of quote)`,
      );
    }
    lines.push(`${name}=${quote}${value}${quote}`);
  }
  const text = `${lines.join('\n')}\n`;
  const back = parseEnv(text);
  for (const [name, value] of Object.entries(vars)) {
    if (back[name] !== value) throw new Error(`${name}'s value would not read back as it is from an environment file`);
  }
  return text;
}
