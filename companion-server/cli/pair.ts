import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { COMPANION_START_COMMAND, type PairWaiting, pairPageJsonSchema } from '../../utils/domain';
import { printable } from '../http/printable';
import { COMPANION_BIN } from './version';

export const PAIR_USAGE = `Usage: ${COMPANION_BIN} pair [--port N] [--host H] [--yes]

Approves a browser's pairing request from this terminal, as the page at http://127.0.0.1:<port>/pair does:
it lists the requests waiting (the name the extension gave and where it asks from) and asks about each.

  --port N   the companion's port (env COMPANION_PORT, default 8787)
  --host H   its address (env COMPANION_HOST, default 127.0.0.1)
  --yes      approve without asking when exactly one request waits`;

export interface PairIo {
  fetch: typeof globalThis.fetch;
  out(line: string): void;
  /** Asks a question and resolves with the answer; null when there is no terminal to ask. */
  ask: ((question: string) => Promise<string>) | null;
  env: NodeJS.ProcessEnv;
  now(): number;
}

/** The real terminal: stdout, and questions on stdin when it is a TTY. */
export function terminalPairIo(): PairIo {
  return {
    fetch: globalThis.fetch,
    out: (line) => console.log(line),
    ask: process.stdin.isTTY
      ? async (question) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return await rl.question(question);
          } finally {
            rl.close();
          }
        }
      : null,
    env: process.env,
    now: Date.now,
  };
}

/**
 * `<bin> pair`: the approval page's decisions from a terminal, for a companion with no browser at hand or
 * running as a login service. A local program may do this: it reads the page's JSON (no Sec-Fetch headers, which
 * a browser's fetch always sends) and decides from the companion's own origin with that page's proof.
 * Resolves with the exit code: 0 when every request shown was decided, 1 otherwise.
 */
export async function runPairCommand(argv: string[], io: PairIo): Promise<number> {
  let values: { port?: string; host?: string; yes?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.out(`${(err as Error).message}\n\n${PAIR_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(PAIR_USAGE);
    return 0;
  }
  const host = values.host ?? io.env.COMPANION_HOST ?? '127.0.0.1';
  const port = values.port ?? io.env.COMPANION_PORT ?? '8787';
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let page: { csrf: string; waiting: PairWaiting[] };
  try {
    const res = await io.fetch(`${base}/pair`, { headers: { accept: 'application/json' } });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const message = (body as { message?: unknown } | null)?.message;
      io.out(`The companion at ${base} refused: ${printable(String(message ?? res.status), 300)}`);
      return 1;
    }
    page = pairPageJsonSchema.parse(body);
  } catch (err) {
    io.out(
      `No companion answered at ${base} (${printable((err as Error).message, 200)}). Start it with ${COMPANION_START_COMMAND}, or give its --port.`,
    );
    return 1;
  }

  if (page.waiting.length === 0) {
    io.out('No pairing request is waiting. Press "Pair with companion" in the side panel, then run this again.');
    return 1;
  }
  let undecided = 0;
  for (const request of page.waiting) {
    const seconds = Math.max(0, Math.ceil((request.expiresAt - io.now()) / 1000));
    const who = `"${printable(request.clientName, 100)}" from ${printable(request.from, 100)}`;
    io.out(`Pairing request: ${who} (expires in ${seconds} s)`);
    let decision: 'approve' | 'deny' | null = null;
    if (values.yes && page.waiting.length === 1) decision = 'approve';
    else if (io.ask) {
      const answer = (await io.ask('Approve it? [y = approve, n = deny, Enter = leave it] ')).trim().toLowerCase();
      decision = answer === 'y' || answer === 'yes' ? 'approve' : answer === 'n' || answer === 'no' ? 'deny' : null;
    } else {
      io.out('  Not decided: run this in a terminal to be asked, or with --yes when only one request waits.');
    }
    if (decision === null) {
      undecided += 1;
      continue;
    }
    const res = await io.fetch(`${base}/pair`, {
      method: 'POST',
      // The companion's own origin: what its page sends; the proof shows this program read the page first.
      headers: { 'content-type': 'application/json', origin: new URL(base).origin },
      body: JSON.stringify({ approvalId: request.approvalId, decision, csrf: page.csrf }),
    });
    const body = (await res.json().catch(() => null)) as { message?: unknown } | null;
    if (!res.ok) {
      io.out(`  Not done: ${printable(String(body?.message ?? res.status), 300)}`);
      undecided += 1;
    } else {
      io.out(
        decision === 'approve'
          ? '  Approved: the side panel finishes pairing by itself in a few seconds.'
          : '  Denied: that extension gets no access.',
      );
    }
  }
  return undecided === 0 ? 0 : 1;
}
