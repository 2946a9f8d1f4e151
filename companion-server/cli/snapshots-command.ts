import { parseArgs } from 'node:util';
import { restoreResultSchema, type SnapshotInfo, snapshotInfoSchema, snapshotListSchema } from '../../utils/domain';
import { COMPANION_BIN } from './version';

const USAGE = `Usage: ${COMPANION_BIN} snapshots [list | take | restore <id>] [--port N] [--token T]

Dated copies of the history, kept by the running companion in <data dir>/snapshots/ (hourly for a day,
daily for a week). "restore" brings back the jobs a copy held that the history has lost since (deleted or
gone), as new versions; nothing made or changed after the copy is lost.`;

export interface SnapshotsIo {
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
  print: (line: string) => void;
}

const sizeOf = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const row = (s: SnapshotInfo) =>
  `${s.takenAt}  ${String(s.jobs).padStart(7)} jobs  ${sizeOf(s.bytes).padStart(8)}  ${s.id}`;

/**
 * `<bin> snapshots ...`: asks the running companion over loopback (it owns the data dir, so the command line
 * never opens it beside it). Answers 0 when done, 1 with the reason otherwise.
 */
export async function runSnapshotsCommand(argv: string[], io: SnapshotsIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.print(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const [action = 'list', id] = positionals;
  const port = values.port ?? io.env.COMPANION_PORT ?? '8787';
  const token = values.token ?? io.env.COMPANION_TOKEN;
  const base = `http://127.0.0.1:${port}/api/v1/snapshots`;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const call = async (path: string, method: 'GET' | 'POST') => {
    let res: Response;
    try {
      res = await io.fetch(base + path, { method, headers });
    } catch {
      throw new Error(`No companion answers on port ${port}; start it first (${COMPANION_BIN})`);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(body?.message ?? `The companion answered ${res.status}`);
    return body;
  };
  try {
    if (action === 'list' && !id) {
      const { snapshots } = snapshotListSchema.parse(await call('', 'GET'));
      io.print(
        snapshots.length
          ? snapshots.map(row).join('\n')
          : 'No dated copies yet (the first comes with the first change).',
      );
    } else if (action === 'take' && !id) {
      const { snapshot } = await call('', 'POST');
      io.print(`Took ${row(snapshotInfoSchema.parse(snapshot))}`);
    } else if (action === 'restore' && id) {
      const result = restoreResultSchema.parse(await call(`/${encodeURIComponent(id)}/restore`, 'POST'));
      io.print(
        `Restored ${result.restored} job(s) from the copy of ${result.from}; ${result.kept} job(s) the history still held were left as they are.`,
      );
    } else {
      io.print(USAGE);
      return 1;
    }
    return 0;
  } catch (err) {
    io.print((err as Error).message);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { port: { type: 'string' }, token: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
}
