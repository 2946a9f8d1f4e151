/**
 * `<bin> pair` over real HTTP: the real companion (its own process) holds a pairing request from a Firefox
 * panel; the command, run as its own process as a user would, lists it and approves it; the panel's claim then
 * gets the token. Without a request, or without a companion, it says so and exits 1.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');
const FIREFOX = 'moz-extension://2f1c0d55-1111-4222-8333-944455556666';

const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
const running: CompanionProcess[] = [];
afterAll(async () => {
  for (const c of running) await c.stop();
  for (const t of temps) await t.remove();
});

/** `node companion-server/index.ts pair ...`, with no terminal: resolves with its exit code and output. */
function pairCommand(args: string[]): Promise<{ code: number | null; output: string }> {
  const proc = spawn(
    process.execPath,
    ['--import', TSX, path.join(ROOT, 'companion-server/index.ts'), 'pair', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, output })));
}

async function post(c: CompanionProcess, p: string, body: unknown) {
  const res = await fetch(`${c.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: FIREFOX },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('<bin> pair', () => {
  it('approves a waiting request from the terminal; the panel then collects its token', async () => {
    const t = await makeTempDir();
    temps.push(t);
    const c = await startCompanion({ dataDir: t.dir });
    running.push(c);

    const none = await pairCommand(['--port', String(c.port)]);
    expect(none.code).toBe(1);
    expect(none.output).toContain('No pairing request is waiting.');

    const { json: request } = await post(c, '/pair/request', { clientName: 'PixelLab Side Panel (Firefox)' });
    // Without a terminal to ask, it decides nothing unless told --yes.
    const asked = await pairCommand(['--port', String(c.port)]);
    expect(asked.code).toBe(1);
    expect(asked.output).toContain(`Pairing request: "PixelLab Side Panel (Firefox)" from ${FIREFOX} (expires in`);
    expect((await post(c, '/pair/claim', { requestId: request.requestId })).json.status).toBe('waiting');

    const approved = await pairCommand(['--port', String(c.port), '--yes']);
    expect(approved.output).toContain('Approved: the side panel finishes pairing by itself in a few seconds.');
    expect(approved.code).toBe(0);
    const claimed = await post(c, '/pair/claim', { requestId: request.requestId });
    expect(claimed.json).toMatchObject({ status: 'approved', token: expect.any(String) });
    const changes = await fetch(`${c.url}/api/v1/changes?since=0`, {
      headers: { origin: FIREFOX, authorization: `Bearer ${claimed.json.token}` },
    });
    expect(changes.status).toBe(200);
    // The companion's output comes through a pipe, which may lag behind its answers.
    await expect
      .poll(() => c.logs)
      .toContain(`Pairing approved on the companion's page for "PixelLab Side Panel (Firefox)" (${FIREFOX}).`);
  }, 60_000);

  it('says how to start the companion when none answers', async () => {
    const result = await pairCommand(['--port', '9']);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /^No companion answered at http:\/\/127\.0\.0\.1:9 .*Start it with npx pixellab-companion/,
    );
  }, 30_000);
});
