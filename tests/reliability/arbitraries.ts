/**
 * fast-check arbitraries for hostile requests: JSON texts that may hold `__proto__`, `constructor`
 * and `prototype` keys at any depth (built as text, so the keys survive), near-valid bodies for each
 * route, invalid UTF-8, deep nesting, huge strings, odd content types and headers.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { makeSprite } from '../fixtures/png';

/** A JSON value as a tree whose objects are entry lists: duplicate and `__proto__` keys stay as written. */
export type Tree = null | boolean | number | string | Tree[] | { entries: [string, Tree][] };

export const FORBIDDEN = ['__proto__', 'constructor', 'prototype'] as const;

const keyArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...FORBIDDEN) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'jobs',
      'id',
      'prompt',
      'changes',
      'images',
      'requestId',
      'clientId',
      'width',
      'height',
      'seq',
      'status',
      'rotate',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'polluted',
      '',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 10, unit: 'grapheme' }) },
);

const leafArb: fc.Arbitrary<Tree> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -0, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 5e-324, -1, 0, 64, 4096, 4097, 2 ** 32),
  fc.string({ maxLength: 20 }),
  fc.string({ maxLength: 12, unit: 'binary' }), // lone surrogates included
);

export const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree; arr: Tree[]; obj: { entries: [string, Tree][] } }>(
  (tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('arr'), tie('obj')),
    arr: fc.array(tie('node'), { maxLength: 4 }),
    obj: fc.array(fc.tuple(keyArb, tie('node')), { maxLength: 4 }).map((entries) => ({ entries })),
  }),
).node;

export function serialize(tree: Tree): string {
  if (tree === null || typeof tree !== 'object') return JSON.stringify(tree) ?? 'null';
  if (Array.isArray(tree)) return `[${tree.map(serialize).join(',')}]`;
  return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
}

/** A plain JS value (from a valid body) as a tree; undefined fields are left out. */
export function toTree(value: unknown): Tree {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value as Tree;
  if (Array.isArray(value)) return value.map(toTree);
  return {
    entries: Object.entries(value as object)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, toTree(v)] as [string, Tree]),
  };
}

/** Inserts `key: value` into the object reached by following `choices` (the outermost when none is found). */
export function injectKey(tree: Tree, key: string, value: Tree, choices: number[]): Tree {
  const objects: { entries: [string, Tree][] }[] = [];
  const walk = (t: Tree) => {
    if (t && typeof t === 'object') {
      if (Array.isArray(t)) t.forEach(walk);
      else {
        objects.push(t);
        for (const [, v] of t.entries) walk(v);
      }
    }
  };
  const copy = JSON.parse(JSON.stringify(tree)) as Tree;
  walk(copy);
  if (objects.length === 0)
    return {
      entries: [
        [key, value],
        ['wrapped', copy],
      ],
    };
  const target = objects[(choices[0] ?? 0) % objects.length]!;
  target.entries.splice((choices[1] ?? 0) % (target.entries.length + 1), 0, [key, value]);
  return copy;
}

/** Real PNGs the companion does not hold yet (so a push or a rotate has to store them), with their hashes. */
export const FRESH_PNGS = Array.from({ length: 40 }, (_, i) => {
  const bytes = makeSprite(8, 8, `fuzz-fresh-${i}`);
  return {
    bytes,
    hash: createHash('sha256').update(bytes).digest('hex'),
    base64: Buffer.from(bytes).toString('base64'),
  };
});
const freshPng = fc.constantFrom(...FRESH_PNGS);
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const someHash = fc.oneof(
  hex64,
  freshPng.map((p) => p.hash),
);
const pngDataUrl = freshPng.map((p) => `data:image/png;base64,${p.base64}`);

type Spec = Record<string, { ok: fc.Arbitrary<unknown>; bad: fc.Arbitrary<unknown>; optional?: boolean }>;

/**
 * A body that is valid field by field, then with up to two fields made wrong (a wrong value of the
 * right kind, a value of another kind, or left out): most inputs get past the first check.
 */
function nearValid(spec: Spec): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.keys(spec);
  const valid = fc.record(Object.fromEntries(fields.map((f) => [f, spec[f]!.ok])), {
    requiredKeys: fields.filter((f) => !spec[f]!.optional),
  });
  const wrong = (f: string) =>
    fc.oneof(
      { weight: 4, arbitrary: spec[f]!.bad },
      { weight: 1, arbitrary: leafArb },
      { weight: 1, arbitrary: treeArb },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  const mutations = fc
    .uniqueArray(fc.constantFrom(...fields), { maxLength: 2 })
    .chain((fs) =>
      fs.length
        ? fc.tuple(...fs.map((f) => fc.tuple(fc.constant(f), wrong(f))))
        : fc.constant([] as [string, unknown][]),
    );
  return fc
    .tuple(
      valid,
      fc.oneof({ weight: 2, arbitrary: fc.constant([] as [string, unknown][]) }, { weight: 3, arbitrary: mutations }),
    )
    .map(([v, ms]) => {
      const out: Record<string, unknown> = { ...v };
      for (const [f, w] of ms) {
        if (w === undefined) delete out[f];
        else out[f] = w;
      }
      return out;
    });
}

const jobId = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^job-[a-z0-9]{1,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom('job-1', 'job-2', 'job-fuzz') },
);
const badJobId = fc.constantFrom('../x', '', 'a'.repeat(129), 'job 1', 'job/1', 5, 'job-\u00e9');
const direction = fc.constantFrom('north', 'east', 'south-west', 'north-east');
const badDirection = fc.constantFrom('up', 'EAST', '', 'north east');
const requestSize = fc.oneof(fc.integer({ min: 32, max: 400 }), fc.constantFrom(32, 64, 400));
const badRequestSize = fc.constantFrom(0, 1, 16, 31, 401, 4096, 1.5, -64, '64', 1e308);
const storedSize = fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constantFrom(1, 4096));
const badStoredSize = fc.constantFrom(0, 4097, 1.5, -1, '64');
const time = fc.oneof(fc.nat(), fc.constantFrom(0, 1e15, 1.5, Number.MAX_SAFE_INTEGER, 1e308));
const badTime = fc.constantFrom(-1, '1000', -1e-9);
const seedNumber = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const badSeedNumber = fc.constantFrom(-1, 2 ** 32, 1.5, '7');
const rotateInput = fc.record(
  { toDirection: direction, fromDirection: fc.option(direction), sourceImage: someHash },
  { requiredKeys: ['toDirection', 'sourceImage'] },
);
const badRotateInput = fc.oneof(
  fc.record({ toDirection: badDirection, sourceImage: someHash }),
  fc.record({ toDirection: direction, sourceImage: fc.constantFrom('abc', 'A'.repeat(64)) }),
  fc.constant({}),
);

const jobSpec: Spec = {
  id: { ok: jobId, bad: badJobId },
  kind: { ok: fc.constantFrom('generate', 'rotate'), bad: fc.constantFrom('paint', ''), optional: true },
  prompt: { ok: fc.string({ maxLength: 40 }), bad: fc.constantFrom('x'.repeat(10_001), 5, null) },
  width: { ok: storedSize, bad: badStoredSize },
  height: { ok: storedSize, bad: badStoredSize },
  seed: { ok: seedNumber, bad: badSeedNumber, optional: true },
  status: {
    ok: fc.constantFrom('idle', 'queued', 'running', 'success', 'error'),
    bad: fc.constantFrom('exploded', 'Success', ''),
  },
  error: { ok: fc.option(fc.string({ maxLength: 20 })), bad: fc.constantFrom('e'.repeat(10_001), 5), optional: true },
  image: { ok: fc.option(someHash), bad: fc.constantFrom('abc', 'A'.repeat(64), 5), optional: true },
  rotate: { ok: fc.option(rotateInput), bad: badRotateInput, optional: true },
  groupId: { ok: fc.option(fc.string({ maxLength: 10 })), bad: fc.constantFrom('g'.repeat(129), 5), optional: true },
  startTime: { ok: fc.option(time), bad: badTime, optional: true },
  duration: {
    ok: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true })),
    bad: fc.constantFrom(-1, 'x'),
    optional: true,
  },
  createdAt: { ok: time, bad: badTime },
  updatedAt: { ok: time, bad: badTime },
  deleted: { ok: fc.boolean(), bad: fc.constantFrom('true', 1, null), optional: true },
  seq: { ok: fc.integer({ min: 1, max: 1000 }), bad: fc.constantFrom(-1, 0, 1.5), optional: true },
  extraField: { ok: fc.jsonValue({ maxDepth: 2 }), bad: fc.constant(undefined), optional: true },
};

const seedJobSpec: Spec = {
  id: {
    ok: fc.oneof(jobId, fc.integer({ min: 0, max: 1e6 }), fc.constantFrom('job 1', '../x', '')),
    bad: fc.constantFrom(null, true, {}, []),
  },
  prompt: { ok: fc.string({ maxLength: 40 }), bad: fc.constantFrom(5, null, { a: 1 }), optional: true },
  width: {
    ok: fc.oneof(storedSize, fc.constantFrom('64', '0', '-5', 'x', 1e9)),
    bad: fc.constantFrom(null, {}),
    optional: true,
  },
  height: { ok: storedSize, bad: fc.constantFrom(null, {}), optional: true },
  seed: { ok: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), bad: fc.constantFrom({}, []), optional: true },
  status: {
    ok: fc.constantFrom('completed', 'failed', 'pending', 'processing', 'weird', 'success', 'queued', 'running'),
    bad: fc.constantFrom(5, null, {}),
    optional: true,
  },
  result: {
    ok: fc.oneof(
      pngDataUrl,
      fc.constant(null),
      pngDataUrl.map((u) => ({ image_data_url: u, seed: 3 })),
    ),
    bad: fc.constantFrom(
      'data:image/png;base64,AAAA',
      'data:image/png;base64,iVBORw0KGgo=',
      { image_data_url: 'data:image/png;base64,!!' },
      5,
    ),
    optional: true,
  },
  isRotation: { ok: fc.boolean(), bad: fc.constantFrom('yes', 1), optional: true },
  rotationData: {
    ok: fc.record(
      {
        toDirection: direction,
        fromDirection: direction,
        imageDataUrl: pngDataUrl,
        sourceJobId: fc.oneof(jobId, fc.constant('bad id!')),
      },
      { requiredKeys: ['toDirection', 'imageDataUrl'] },
    ),
    bad: fc.constantFrom(
      { toDirection: 'up', imageDataUrl: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' },
      'x',
      null,
    ),
    optional: true,
  },
  createdAt: {
    ok: fc.oneof(fc.nat(), fc.constantFrom('2024-01-01T00:00:00Z', 'not a date', -5)),
    bad: fc.constantFrom({}, []),
    optional: true,
  },
  updatedAt: {
    ok: fc.oneof(fc.nat(), fc.constant('2024-01-01T00:00:00Z')),
    bad: fc.constantFrom({}, -1),
    optional: true,
  },
  deleted: { ok: fc.boolean(), bad: fc.constantFrom('x'), optional: true },
  seq: { ok: fc.integer({ min: 1, max: 100 }), bad: fc.constantFrom(-1, 'x'), optional: true },
};

const imageEntry = fc.oneof(
  { weight: 4, arbitrary: freshPng.map((p) => [p.hash, p.base64] as [string, string]) },
  { weight: 1, arbitrary: fc.tuple(freshPng, freshPng).map(([a, b]) => [a.hash, b.base64] as [string, string]) }, // bytes of another image
  {
    weight: 1,
    arbitrary: fc.tuple(
      someHash,
      fc.oneof(fc.base64String({ maxLength: 40 }), fc.constantFrom('!!', 'iVBORw0KGgo=', '', 'aGVsbG8=')),
    ),
  },
);

export type Route = { method: string; path: string };

/** Near-valid bodies for each body-taking route (most fields right, some wrong, some missing). */
export const bodyForRoute: Record<string, fc.Arbitrary<unknown>> = {
  '/save-jobs': nearValid({
    jobs: { ok: fc.array(nearValid(seedJobSpec), { maxLength: 4 }), bad: fc.constantFrom({}, 'x', [1], [null]) },
    lastJobId: { ok: fc.nat(), bad: fc.constantFrom(-1, 1.5, 2 ** 53, '5'), optional: true },
  }),
  '/generate-character': nearValid({
    prompt: {
      ok: fc.string({ minLength: 1, maxLength: 30 }).filter((p) => p.trim().length > 0),
      bad: fc.constantFrom('', '   ', 'x'.repeat(1001), 5),
    },
    width: { ok: requestSize, bad: badRequestSize, optional: true },
    height: { ok: requestSize, bad: badRequestSize, optional: true },
    seed: {
      ok: fc.oneof(fc.constant(null), fc.nat(), fc.constantFrom('', '12', ' 7 ')),
      bad: fc.constantFrom('abc', -1, 2 ** 32, 1.5, '1e3'),
      optional: true,
    },
  }),
  '/rotate-character': nearValid({
    image_data_url: {
      ok: pngDataUrl,
      bad: fc.constantFrom(
        'data:image/png;base64,AAAA',
        'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==',
        'data:image/jpeg;base64,AAAA',
        'data:image/png;base64,%%%',
        '',
      ),
    },
    to_direction: { ok: direction, bad: badDirection },
    from_direction: { ok: fc.option(direction), bad: badDirection, optional: true },
    width: { ok: requestSize, bad: badRequestSize, optional: true },
    height: { ok: requestSize, bad: badRequestSize, optional: true },
  }),
  '/api/v1/jobs': fc
    .tuple(
      nearValid({
        id: { ok: jobId, bad: badJobId, optional: true },
        kind: { ok: fc.constantFrom('generate', 'rotate'), bad: fc.constantFrom('paint', ''), optional: true },
        prompt: {
          ok: fc.string({ minLength: 1, maxLength: 30 }).filter((p) => p.trim().length > 0),
          bad: fc.constantFrom('', '  ', 'x'.repeat(1001)),
        },
        width: { ok: requestSize, bad: badRequestSize, optional: true },
        height: { ok: requestSize, bad: badRequestSize, optional: true },
        seed: { ok: seedNumber, bad: badSeedNumber, optional: true },
        rotate: { ok: fc.option(rotateInput), bad: badRotateInput, optional: true },
        groupId: { ok: fc.option(fc.string({ maxLength: 10 })), bad: fc.constantFrom('g'.repeat(129)), optional: true },
        createdAt: { ok: time, bad: badTime, optional: true },
      }),
      fc.option(fc.oneof(freshPng, fc.constantFrom('!!!', '====', 'iVBORw0KGgo=', '\u00e9', 'aGVsbG8=', ''))),
    )
    .map(([body, source]) => {
      if (source === null) return body;
      // The image to rotate, sent along: the right one, another PNG, or not base64 at all.
      if (typeof source === 'string') return { ...body, sourceImageData: source };
      const rotate =
        body.rotate && typeof body.rotate === 'object'
          ? { ...(body.rotate as object), sourceImage: source.hash }
          : { toDirection: 'east', sourceImage: source.hash };
      return { ...body, kind: 'rotate', rotate, sourceImageData: source.base64 };
    }),
  '/api/v1/push': nearValid({
    requestId: {
      ok: fc.string({ minLength: 8, maxLength: 20 }),
      bad: fc.constantFrom('short', '', 'r'.repeat(129), 5),
    },
    clientId: { ok: fc.string({ minLength: 1, maxLength: 10 }), bad: fc.constantFrom('', 'c'.repeat(129)) },
    changes: { ok: fc.array(nearValid(jobSpec), { maxLength: 4 }), bad: fc.constantFrom({}, [null], 'x') },
    images: {
      ok: fc.array(imageEntry, { maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
      bad: fc.constantFrom({ abc: 'x' }, [], 'x'),
      optional: true,
    },
  }),
  '/api/v1/config': nearValid({
    parallelLimit: { ok: fc.integer({ min: 1, max: 10 }), bad: fc.constantFrom(0, 11, 1.5, '3', -1) },
  }),
  '/clear-history': fc.constant({}),
};

export const routes: Route[] = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/balance' },
  { method: 'GET', path: '/load-jobs' },
  { method: 'POST', path: '/save-jobs' },
  { method: 'POST', path: '/clear-history' },
  { method: 'POST', path: '/generate-character' },
  { method: 'POST', path: '/rotate-character' },
  { method: 'POST', path: '/api/v1/jobs' },
  { method: 'POST', path: '/api/v1/jobs/job-1/retry' },
  { method: 'GET', path: '/api/v1/jobs/job-1' },
  { method: 'GET', path: `/api/v1/images/${'0'.repeat(64)}` },
  { method: 'GET', path: `/api/v1/images?hashes=${'0'.repeat(64)},${'1'.repeat(64)}` },
  { method: 'GET', path: '/api/v1/changes' },
  { method: 'POST', path: '/api/v1/push' },
  { method: 'GET', path: '/api/v1/config' },
  { method: 'PUT', path: '/api/v1/config' },
];

export const routeArb = fc.constantFrom(...routes);
export const methodArb = fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS', 'DELETE', 'PATCH');

/** The route's own method most of the time, another one sometimes. */
export const callTargetArb = fc
  .tuple(
    routeArb,
    fc.option(methodArb, { freq: 5 }),
    fc.option(
      fc.constantFrom(
        '/nope',
        '/api/v1/jobs//retry',
        '/api/v1/images/..%2F..%2Fjob_history.json',
        '/api/v1/jobs/%00',
        '/HEALTH',
        '/api/v1/changes/',
        '/save-jobs/',
      ),
      { freq: 12 },
    ),
  )
  .map(([route, method, odd]) => ({
    method: method ?? route.method,
    path: odd ?? route.path,
    route: odd ?? route.path,
  }));

export const contentTypeArb = fc.constantFrom<string | null>(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-16',
  'APPLICATION/JSON',
  'application/json ; charset="latin1"',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/jsonx',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/json, text/plain',
  '',
  null,
);

const INVALID_UTF8: number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
];

/** Valid JSON text with invalid UTF-8 bytes spliced in (inside a string or between tokens). */
export const invalidUtf8Arb = fc
  .tuple(fc.string({ maxLength: 30 }), fc.constantFrom(...INVALID_UTF8), fc.nat(), fc.boolean())
  .map(([s, bad, at, inString]) => {
    const text = inString ? `{"jobs":[],"x":${JSON.stringify(s)}}` : `{"jobs":[${JSON.stringify(s)}]}`;
    const bytes = new TextEncoder().encode(text);
    const cut = inString ? Math.max(1, bytes.length - 3) : at % (bytes.length + 1);
    return new Uint8Array([...bytes.slice(0, cut), ...bad, ...bytes.slice(cut)]);
  });

/** Deep nesting just over and far over the limit, and a huge string. */
export const heavyBodyArb = fc.oneof(
  fc
    .constantFrom(63, 64, 65, 1000, 100_000)
    .chain((n) =>
      fc
        .constantFrom('[', '{"a":')
        .map((open) => (open === '[' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n))),
    ),
  fc.constantFrom(900 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024).map((n) => `{"prompt":"${'x'.repeat(n)}","jobs":[]}`),
);

const headerChars = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

export const hostArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('127.0.0.1:8787', 'localhost:8787', '[::1]:8787', '127.0.0.1') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'evil.com',
      '127.0.0.1.evil.com:8787',
      'localhost.:8787',
      '10.0.0.1:8787',
      '0.0.0.0:8787',
      '',
      'a@127.0.0.1',
      '127.0.0.1:8787/x',
      '127.0.0.256',
      '[::ffff:127.0.0.1]',
      'localhost.evil.com',
      '127.0.0.1 evil.com',
      '2130706433',
    ),
  },
  { weight: 1, arbitrary: headerChars },
);
export const originArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string | null>(null) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen',
      'moz-extension://2f1c0d55-1111-4222-8333-944455556666',
      'http://localhost:5500',
      'null',
      'https://evil.com',
      'http://127.0.0.1:9999',
      'chrome-extension://x/../',
      'http://localhost:5500/',
      'HTTP://LOCALHOST:5500',
      'chrome-extension://',
    ),
  },
  { weight: 1, arbitrary: headerChars },
);
export const authArb = (token: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant<string | null>(`Bearer ${token}`) },
    {
      weight: 4,
      arbitrary: fc.constantFrom<string | null>(
        null,
        'Bearer',
        `Bearer ${token}x`,
        token,
        `bearer ${token}`,
        `Bearer  ${token} `,
        `Basic ${token}`,
        `Bearer ${token.slice(1)}`,
      ),
    },
    { weight: 1, arbitrary: headerChars },
  );
/** Content-Length values that lie about the body (absurd, negative, not a number, or small). */
export const contentLengthArb = fc.option(
  fc.constantFrom('0', '1', '5', '-1', 'abc', '99999999999', String(600 * 1024 * 1024), '1e3', '18446744073709551616'),
  { freq: 4 },
);
