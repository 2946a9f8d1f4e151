/**
 * Issue 12 "open doors": the old dashboard's safe way in. `--dashboard DIR` serves its folder at
 * /dashboard/ on the companion's own origin; that origin reaches the old API routes only; nothing outside
 * the folder (or hidden in it) is served; the page cannot be framed.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { rawRequest } from '../helpers/raw-http';
import { makeTempDir } from '../helpers/temp-dir';

const PAGE = '<!doctype html><title>PixelLab Command Center</title><script type="module" src="js/app.js"></script>';
const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
let companion: CompanionProcess;
let plain: CompanionProcess;
let own: string;

beforeAll(async () => {
  const data = await makeTempDir();
  const folder = await makeTempDir('pixellab-dashboard-');
  const outside = await makeTempDir();
  temps.push(data, folder, outside);
  await mkdir(path.join(folder.dir, 'js'));
  await writeFile(path.join(folder.dir, 'pixellab_dashboard.html'), PAGE);
  await writeFile(path.join(folder.dir, 'js/app.js'), 'export const app = 1;\n');
  await writeFile(path.join(folder.dir, '.env'), 'PIXELLAB_API_KEY=hidden-in-the-folder\n');
  await writeFile(path.join(outside.dir, 'secret.txt'), 'outside the folder\n');
  await symlink(path.join(outside.dir, 'secret.txt'), path.join(folder.dir, 'link.txt'));
  companion = await startCompanion({ dataDir: data.dir, args: ['--dashboard', folder.dir] });
  own = `http://127.0.0.1:${companion.port}`;
  const other = await makeTempDir();
  temps.push(other);
  plain = await startCompanion({ dataDir: other.dir });
});
afterAll(async () => {
  await companion?.stop();
  await plain?.stop();
  for (const t of temps) await t.remove();
});

const get = (c: CompanionProcess, p: string, headers: Record<string, string> = {}) =>
  rawRequest({ port: c.port, path: p, headers });

describe('--dashboard', () => {
  it('serves the folder at /dashboard/, its page as the index, and says where on start', async () => {
    // Printed just after the line startCompanion waits for, so it may still be in the pipe.
    await expect.poll(() => companion.logs.join('\n')).toContain(`Old dashboard: ${own}/dashboard/`);
    const redirect = await get(companion, '/dashboard');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/dashboard/');
    const page = await get(companion, '/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toBe(PAGE);
    const script = await get(companion, '/dashboard/js/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('cannot be framed, and runs no inline script', async () => {
    const page = await get(companion, '/dashboard/');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('serves nothing outside the folder, nor hidden files in it', async () => {
    for (const p of [
      '/dashboard/../job_history.json',
      '/dashboard/%2e%2e/job_history.json',
      '/dashboard/..%2fjob_history.json',
      '/dashboard/js/..%2f..%2fjob_history.json',
      '/dashboard/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/dashboard/..\\..\\job_history.json',
      '/dashboard//etc/passwd',
      '/dashboard/.env',
      '/dashboard/%2eenv',
      '/dashboard/link.txt',
    ]) {
      const res = await get(companion, p);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.text, p).not.toMatch(/hidden-in-the-folder|outside the folder|root:|"jobs"/);
    }
  });

  it("lets the dashboard's own origin use the old API, and nothing else", async () => {
    for (const origin of [own, `http://localhost:${companion.port}`, `http://[::1]:${companion.port}`]) {
      for (const p of ['/health', '/load-jobs', '/balance']) {
        const res = await get(companion, p, { origin });
        expect(res.status, `${origin} ${p}`).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
      }
      for (const p of ['/api/v1/changes', '/api/v1/config', '/api/v1/images?hashes=']) {
        const res = await get(companion, p, { origin });
        expect(res.status, `${origin} ${p}`).toBe(403);
        expect(res.json()).toMatchObject({ error: 'route_refused' });
      }
      const push = await rawRequest({
        port: companion.port,
        method: 'POST',
        path: '/api/v1/push',
        headers: { origin, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(push.status).toBe(403);
      const pairing = await rawRequest({
        port: companion.port,
        method: 'POST',
        path: '/pair/request',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ clientName: 'dashboard' }),
      });
      expect(pairing.status).toBe(403);
    }
    // Its same-origin GETs carry no Origin, only Sec-Fetch-Site and its Referer; they are kept to the old API too.
    const fromPage = { 'sec-fetch-site': 'same-origin', referer: `${own}/dashboard/` };
    expect((await get(companion, '/load-jobs', fromPage)).status).toBe(200);
    expect((await get(companion, '/api/v1/changes', fromPage)).status).toBe(403);
    // A Firefox extension's GET is same-origin too (Firefox ESR 153), but has no Referer: it keeps its full API.
    expect((await get(companion, '/api/v1/changes', { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const save = await rawRequest({
      port: companion.port,
      method: 'POST',
      path: '/save-jobs',
      headers: { origin: own, 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: [{ id: 'job-1', prompt: 'from the dashboard', status: 'idle' }], lastJobId: 1 }),
    });
    expect(save.status).toBe(200);
    // Another local server's page is still refused.
    expect((await get(companion, '/load-jobs', { origin: 'http://127.0.0.1:5500' })).status).toBe(403);
  });

  it('without --dashboard, the companion origin reaches only the pairing page', async () => {
    const res = await get(plain, '/load-jobs', { origin: `http://127.0.0.1:${plain.port}` });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'route_refused' });
    expect((await get(plain, '/dashboard/')).status).toBe(404);
  });
});

describe('text the served dashboard puts into its page', () => {
  it('reaches it HTML-escaped, and comes back from it exactly as it was', async () => {
    const prompt = 'knight <img src=x onerror="alert(1)"> & shield';
    const api = (p: string, body?: unknown, headers: Record<string, string> = {}) =>
      rawRequest({
        port: companion.port,
        method: body === undefined ? 'GET' : 'POST',
        path: p,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A teammate's job, saved by a script.
    await api('/save-jobs', { jobs: [{ id: 'job-77', prompt, status: 'error', error: 'x', createdAt: 77 }] });
    // The dashboard loads (as a fixed dashboard would): its GETs carry its page as Referer.
    const load = await api('/load-jobs', undefined, {
      referer: `${own}/dashboard/pixellab_dashboard.html`,
      'sec-fetch-site': 'same-origin',
    });
    const shown = JSON.parse(load.text).jobs.find((j: { id: string }) => j.id === 'job-77');
    expect(shown.prompt).toBe('knight &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; shield');
    // It saves its list back with its own Origin: the prompt is stored as the teammate wrote it.
    const saved = await api('/save-jobs', { jobs: [{ ...shown, error: 'y' }], lastJobId: 77 }, { origin: own });
    expect(saved.status).toBe(200);
    const plainLoad = JSON.parse((await api('/load-jobs')).text);
    expect(plainLoad.jobs.find((j: { id: string }) => j.id === 'job-77')).toMatchObject({ prompt, error: 'y' });
  });
});
