import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { rawRequest } from '../helpers/raw-http';
import { makeTempDir } from '../helpers/temp-dir';
import { untilQuiet } from '../helpers/until-file';

let companion: CompanionProcess;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
let snapshot: () => Promise<string>;

beforeAll(async () => {
  temp = await makeTempDir();
  companion = await startCompanion({ dataDir: temp.dir });
  // One real write so there is a file to keep unchanged.
  await rawRequest({
    port: companion.port,
    method: 'POST',
    path: '/save-jobs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jobs: [{ id: 'job-1', prompt: 'keep me', status: 'error', error: 'x', createdAt: 1 }],
      lastJobId: 1,
    }),
  });
  await untilQuiet(temp.dir);
  snapshot = async () => {
    const names = (await readdir(temp.dir)).sort();
    const files = await Promise.all(
      names
        .filter((n) => n.endsWith('.json') || n.endsWith('.backup'))
        .map((n) => readFile(path.join(temp.dir, n), 'utf8')),
    );
    return JSON.stringify([names, files]);
  };
});
afterAll(async () => {
  await companion?.stop();
  await temp?.remove();
});

const J = 'application/json';
const deep = '['.repeat(100_000) + ']'.repeat(100_000);
const cases: {
  name: string;
  method?: string;
  path: string;
  type?: string;
  body?: string | Buffer;
  status: number;
  error?: string;
  field?: string;
}[] = [
  { name: 'invalid JSON', path: '/save-jobs', body: '{"jobs": [', status: 400, error: 'invalid_json' },
  { name: 'jobs not an array', path: '/save-jobs', body: '{"jobs": 5}', status: 400, field: 'jobs' },
  { name: 'job without id', path: '/save-jobs', body: '{"jobs": [{"prompt": "x"}]}', status: 400, field: 'jobs.0.id' },
  {
    name: 'negative lastJobId',
    path: '/save-jobs',
    body: '{"jobs": [], "lastJobId": -1}',
    status: 400,
    field: 'lastJobId',
  },
  { name: 'wrong content type', path: '/save-jobs', type: 'text/plain', body: '{"jobs": []}', status: 415 },
  {
    name: 'form content type',
    path: '/api/v1/push',
    type: 'application/x-www-form-urlencoded',
    body: 'a=1',
    status: 415,
  },
  { name: 'no content type', path: '/api/v1/jobs', type: '', body: '{}', status: 415 },
  {
    name: 'invalid UTF-8',
    path: '/save-jobs',
    body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    error: 'invalid_utf8',
  },
  {
    name: '__proto__ key',
    path: '/save-jobs',
    body: '{"jobs": [], "__proto__": {"polluted": true}}',
    status: 400,
    error: 'forbidden_key',
  },
  {
    name: 'constructor key in a job',
    path: '/save-jobs',
    body: '{"jobs": [{"id": "job-1", "constructor": {"prototype": {}}}]}',
    status: 400,
    error: 'forbidden_key',
  },
  { name: 'deep nesting', path: '/save-jobs', body: `{"jobs": [], "x": ${deep}}`, status: 400 },
  { name: 'prompt missing', path: '/generate-character', body: '{"width": 64}', status: 400, field: 'prompt' },
  {
    name: 'width too large',
    path: '/generate-character',
    body: '{"prompt": "x", "width": 4000}',
    status: 400,
    field: 'width',
  },
  { name: 'bad seed', path: '/generate-character', body: '{"prompt": "x", "seed": "abc"}', status: 400, field: 'seed' },
  {
    name: 'rotate direction',
    path: '/rotate-character',
    body: '{"image_data_url": "data:image/png;base64,AAAA", "to_direction": "up"}',
    status: 400,
    field: 'to_direction',
  },
  {
    name: 'rotate not a png',
    path: '/rotate-character',
    body: '{"image_data_url": "data:image/png;base64,AAAA", "to_direction": "east"}',
    status: 400,
    field: 'image_data_url',
  },
  { name: 'job empty prompt', path: '/api/v1/jobs', body: '{"prompt": "   "}', status: 400, field: 'prompt' },
  { name: 'job bad id', path: '/api/v1/jobs', body: '{"id": "../../etc", "prompt": "x"}', status: 400, field: 'id' },
  {
    name: 'rotate job without rotate',
    path: '/api/v1/jobs',
    body: '{"kind": "rotate", "prompt": "x"}',
    status: 400,
    field: 'rotate',
  },
  {
    name: 'push without requestId',
    path: '/api/v1/push',
    body: '{"clientId": "c", "changes": []}',
    status: 400,
    field: 'requestId',
  },
  {
    name: 'push job with bad status',
    path: '/api/v1/push',
    body: JSON.stringify({
      requestId: 'r-1234567',
      clientId: 'c',
      changes: [{ id: 'job-2', prompt: 'x', width: 64, height: 64, status: 'exploded', createdAt: 1, updatedAt: 1 }],
    }),
    status: 400,
    field: 'changes.0.status',
  },
  {
    name: 'push image not png',
    path: '/api/v1/push',
    body: JSON.stringify({
      requestId: 'r-1234568',
      clientId: 'c',
      changes: [],
      images: { ['c'.repeat(64)]: 'aGVsbG8=' },
    }),
    status: 400,
  },
  { name: 'pull with bad since', method: 'GET', path: '/api/v1/changes?since=-4', status: 400, field: 'since' },
  { name: 'pull with huge limit', method: 'GET', path: '/api/v1/changes?limit=100000', status: 400, field: 'limit' },
  { name: 'image with bad hash', method: 'GET', path: '/api/v1/images/..%2F..%2Fjob_history.json', status: 400 },
  { name: 'retry unknown job', path: '/api/v1/jobs/job-nope/retry', body: '{}', status: 404 },
  {
    name: 'config out of range',
    method: 'PUT',
    path: '/api/v1/config',
    body: '{"parallelLimit": 99}',
    status: 400,
    field: 'parallelLimit',
  },
  { name: 'unknown route', method: 'GET', path: '/nope', status: 404 },
  {
    name: 'huge body on a small route',
    path: '/generate-character',
    body: JSON.stringify({ prompt: 'x'.repeat(2 * 1024 * 1024) }),
    status: 413,
  },
];

describe('bad input gets the right 4xx with a JSON error, and nothing is written', () => {
  for (const c of cases) {
    it(`${c.name} -> ${c.status}`, async () => {
      const before = await snapshot();
      const headers: Record<string, string> = {};
      if (c.type !== '' && (c.body !== undefined || c.type)) headers['content-type'] = c.type ?? J;
      const res = await rawRequest({
        port: companion.port,
        method: c.method ?? (c.body === undefined ? 'GET' : 'POST'),
        path: c.path,
        headers,
        body: c.body,
      });
      expect(res.status, res.text).toBe(c.status);
      const body = res.json();
      expect(body.status).toBe('error');
      expect(typeof body.message).toBe('string');
      if (c.error) expect(body.error).toBe(c.error);
      if (c.field) expect(body.field).toBe(c.field);
      expect(await snapshot()).toBe(before);
    });
  }

  it('a body over the save limit is refused before it is read whole (413)', async () => {
    const res = await rawRequest({
      port: companion.port,
      method: 'POST',
      path: '/save-jobs',
      headers: { 'content-type': J, 'content-length': String(600 * 1024 * 1024) },
      body: '{}',
    }).catch((e: Error) => e);
    if (res instanceof Error) {
      // The server may close the socket right after answering 413; both show a refusal.
      expect(res.message).toMatch(/socket|ECONNRESET|EPIPE/);
    } else {
      expect(res.status).toBe(413);
    }
  });
});
