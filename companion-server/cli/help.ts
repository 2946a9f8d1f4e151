import { ENV_ONLY, FLAG_TABLE, type FlagSpec } from './flag-table';
import { COMPANION_BIN, COMPANION_VERSION } from './version';

const WIDTH = 100;
const LEFT = 30;

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** A left column and wrapped words beside it; a left column too wide for its place gets a line to itself. */
function row(left: string, words: string): string[] {
  const body = wrap(words, WIDTH - LEFT);
  const pad = ' '.repeat(LEFT);
  const head = `  ${left}`;
  if (head.length >= LEFT - 1) return [head, ...body.map((l) => pad + l)];
  return body.map((l, i) => (i === 0 ? head.padEnd(LEFT) : pad) + l);
}

function flagLeft(flag: FlagSpec): string {
  const long = `--${flag.name}${flag.arg ? ` ${flag.arg}` : ''}`;
  return flag.short ? `-${flag.short}, ${long}` : long;
}

function flagWords(flag: FlagSpec): string {
  const parts = [flag.help.replace(/\.?$/, '.')];
  if (flag.multiple) parts.push('Repeatable.');
  if (flag.default) parts.push(`Default: ${flag.default}.`);
  if (flag.env) parts.push(`Env: ${flag.env}${flag.envNote ? ` (${flag.envNote})` : ''}.`);
  else if (flag.kind !== 'meta') parts.push('No environment variable.');
  return parts.join(' ');
}

/** `--help`: the commands, then every flag of the one table with its environment variable. */
export function helpText(): string {
  const bin = COMPANION_BIN;
  return [
    `${bin} ${COMPANION_VERSION}: the local companion of the PixelLab side panel.`,
    'It holds your PixelLab key, runs generations and keeps your history on disk.',
    '',
    'Usage:',
    ...row(`${bin} [options]`, 'Start the companion in this terminal.'),
    ...row(
      `${bin} service install [options]`,
      'Start it at login from now on (systemd user unit, launchd agent, Task Scheduler task), with these options and the COMPANION_* variables set now.',
    ),
    ...row(`${bin} service uninstall`, 'Stop it and remove it from the login items (the history stays).'),
    ...row(`${bin} service status`, 'Whether it is installed and running, and where it logs.'),
    ...row(
      `${bin} snapshots [list]`,
      'The dated copies of the history the running companion keeps (hourly for a day, daily for a week).',
    ),
    ...row(`${bin} snapshots take`, 'Take a copy now.'),
    ...row(
      `${bin} snapshots restore <id>`,
      'Bring back the jobs that copy held and the history lost since; nothing made or changed after it is lost.',
    ),
    ...row(
      `${bin} pair`,
      'Approve a browser waiting to pair with the running companion, as its page /pair does (pair --help).',
    ),
    '',
    'Options (a flag wins over its environment variable):',
    ...FLAG_TABLE.flatMap((flag: FlagSpec) => row(flagLeft(flag), flagWords(flag))),
    '',
    'Environment only:',
    ...ENV_ONLY.flatMap((variable) =>
      row(variable.env, `${variable.help}.${'default' in variable ? ` Default: ${variable.default}.` : ''}`),
    ),
  ].join('\n');
}
