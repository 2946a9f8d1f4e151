/**
 * Issue 12 "open doors", over real HTTP: only this project's extension (and those named with
 * --allow-extension) is trusted; any other extension pairs first, even in the default mode; and one
 * client asking to pair too often cannot block pairing for the others.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { rawRequest } from '../helpers/raw-http';
import { makeTempDir } from '../helpers/temp-dir';

const OWN = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';
const OTHER_CHROME = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const FIREFOX = 'moz-extension://2f1c0d55-1111-4222-8333-944455556666';
const JSON_TYPE = { 'content-type': 'application/json' };

const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
const running: CompanionProcess[] = [];
async function start(options: Omit<Parameters<typeof startCompanion>[0], 'dataDir'> = {}) {
  const t = await makeTempDir();
  temps.push(t);
  const c = await startCompanion({ dataDir: t.dir, ...options });
  running.push(c);
  return c;
}
afterAll(async () => {
  for (const c of running) await c.stop();
  for (const t of temps) await t.remove();
});

const ask = (c: CompanionProcess, method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  rawRequest({
    port: c.port,
    method,
    path,
    headers: body === undefined ? headers : { ...JSON_TYPE, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function pair(c: CompanionProcess, origin: string, clientName: string): Promise<string> {
  const request = await ask(c, 'POST', '/pair/request', { origin }, { clientName });
  expect(request.status).toBe(200);
  // The console line may arrive a moment after the answer.
  const printed = () => c.logs.findLast((l) => l.startsWith(`Pairing request from "${clientName}" (${origin})`));
  await expect.poll(printed).toBeDefined();
  const code = /enter code (\d{6})/.exec(printed() ?? '')?.[1];
  const confirm = await ask(c, 'POST', '/pair/confirm', { origin }, { requestId: request.json().requestId, code });
  expect(confirm.status).toBe(200);
  return confirm.json().token as string;
}

describe('other extensions, in the default mode', () => {
  it('may neither read the history nor spend until they pair; the own extension and local tools may', async () => {
    const c = await start();
    const job = { id: 'job-ext-1', kind: 'generate', prompt: 'a knight', width: 32, height: 32 };
    for (const origin of [OTHER_CHROME, FIREFOX]) {
      for (const [method, path, body] of [
        ['GET', '/load-jobs', undefined],
        ['GET', '/api/v1/changes', undefined],
        ['POST', '/api/v1/jobs', job],
        ['POST', '/generate-character', { prompt: 'x', width: 32, height: 32 }],
        ['POST', '/clear-history', {}],
      ] as const) {
        const res = await ask(c, method, path, { origin }, body);
        expect(res.status, `${origin} ${method} ${path}`).toBe(401);
        expect(res.json()).toMatchObject({ error: 'pairing_required' });
        // It can read why: the refusal carries CORS for it.
        expect(res.headers['access-control-allow-origin']).toBe(origin);
      }
      const health = await ask(c, 'GET', '/health', { origin });
      expect(health.status).toBe(200);
      expect(health.json().balance.status).toBe('unknown');
    }
    expect((await ask(c, 'GET', '/load-jobs', { origin: OWN })).status).toBe(200);
    expect((await ask(c, 'GET', '/load-jobs', {})).status).toBe(200);
    // Chrome sends no Origin on an extension's GETs, so one looks like a local tool (README, threat model).
    expect((await ask(c, 'GET', '/api/v1/changes', {})).status).toBe(200);

    const token = await pair(c, FIREFOX, 'PixelLab Side Panel (Firefox)');
    const authorization = `Bearer ${token}`;
    expect((await ask(c, 'GET', '/load-jobs', { origin: FIREFOX, authorization })).status).toBe(200);
    expect((await ask(c, 'POST', '/api/v1/jobs', { origin: FIREFOX, authorization }, job)).status).toBe(202);
    expect((await ask(c, 'GET', '/health', { origin: FIREFOX, authorization })).json()).toHaveProperty('jobs', 1);
    // The token is the one that extension holds, not a pass for others.
    expect((await ask(c, 'GET', '/load-jobs', { origin: OTHER_CHROME })).status).toBe(401);
  });

  it('--allow-extension and COMPANION_ALLOW_EXTENSIONS trust more extensions, by id or origin', async () => {
    const byFlag = await start({ args: ['--allow-extension', 'abcdefghijklmnopabcdefghijklmnop'] });
    expect((await ask(byFlag, 'GET', '/load-jobs', { origin: OTHER_CHROME })).status).toBe(200);
    expect((await ask(byFlag, 'GET', '/load-jobs', { origin: FIREFOX })).status).toBe(401);
    const byEnv = await start({ env: { COMPANION_ALLOW_EXTENSIONS: `${FIREFOX}, abcdefghijklmnopabcdefghijklmnop` } });
    expect((await ask(byEnv, 'GET', '/load-jobs', { origin: FIREFOX })).status).toBe(200);
    expect((await ask(byEnv, 'GET', '/load-jobs', { origin: OTHER_CHROME })).status).toBe(200);
  });
});

describe('pairing is rate-limited per client', () => {
  it('one client asking too often is refused on its own; the side panel still pairs', async () => {
    const c = await start({ args: ['--require-pairing'] });
    let refused = 0;
    for (let i = 0; i < 15; i++) {
      const res = await ask(c, 'POST', '/pair/request', { origin: OTHER_CHROME }, { clientName: 'Noisy' });
      if (res.status === 429) refused++;
      else expect(res.status).toBe(200);
    }
    expect(refused).toBe(5);
    // Renaming itself helps the noisy client only up to its origin's own cap.
    let renamed = 0;
    for (let i = 0; i < 30; i++) {
      const res = await ask(c, 'POST', '/pair/request', { origin: OTHER_CHROME }, { clientName: `Noisy ${i}` });
      if (res.status === 429) renamed++;
    }
    expect(renamed).toBe(10);
    // Meanwhile the real side panel, and a local tool, pair as usual.
    const token = await pair(c, OWN, 'PixelLab Side Panel (Chrome)');
    expect((await ask(c, 'GET', '/load-jobs', { origin: OWN, authorization: `Bearer ${token}` })).status).toBe(200);
    const tool = await ask(c, 'POST', '/pair/request', {}, { clientName: 'a script' });
    expect(tool.status).toBe(200);
  });
});
