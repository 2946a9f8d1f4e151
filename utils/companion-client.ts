import { z } from 'zod';
import {
  type ApiKeyResponse,
  apiKeyResponseSchema,
  base64ToBytes,
  bytesToBase64,
  bytesToPngDataUrl,
  type CreateJobRequest,
  type DeviceSyncStatus,
  deviceSyncStatusSchema,
  errorMessage,
  errorResponseSchema,
  type HealthResponse,
  healthResponseSchema,
  imageBatchResponseSchema,
  isPng,
  type JobOptions,
  type LedgerResponse,
  ledgerResponseSchema,
  type PairClaimResponse,
  type PairRequestResponse,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  pairClaimResponseSchema,
  pairConfirmResponseSchema,
  pairRequestResponseSchema,
  pairRevokeResponseSchema,
  pngDataUrlToBytes,
  pullResponseSchema,
  pushResponseSchema,
  type RetryJobRequest,
  type SpendResponse,
  SYNC_API_VERSION,
  type SyncedJob,
  seedJobSchema,
  sha256Hex,
  spendResponseSchema,
  syncedJobSchema,
} from '@/utils/domain';

export type CompanionErrorKind = 'offline' | 'unauthorized' | 'bad-response' | 'http';

/** Every failure of a companion call: what kind, the HTTP status, the server's code and plain message. */
export class CompanionError extends Error {
  override readonly name = 'CompanionError';
  constructor(
    readonly kind: CompanionErrorKind,
    message: string,
    readonly status: number | null = null,
    /** The companion's error code (`image_required`, `not_found`, ...), when it sent one. */
    readonly code: string | null = null,
    readonly field: string | null = null,
    /** The companion's own plain words, without the path in front. */
    readonly serverMessage: string | null = null,
  ) {
    super(message);
  }
}

export function isCompanionError(err: unknown, kind?: CompanionErrorKind): err is CompanionError {
  return err instanceof CompanionError && (kind === undefined || err.kind === kind);
}

const jobReplySchema = z.object({ job: syncedJobSchema });
const configSchema = z.object({ parallelLimit: z.number().int() });
export const loadJobsResponseSchema = z.looseObject({
  status: z.literal('ok'),
  jobs: z.array(seedJobSchema),
  lastJobId: z.number().int().nonnegative().optional(),
  savedAt: z.string().nullable().optional(),
  message: z.string().optional(),
});
export const saveJobsResponseSchema = z.looseObject({
  status: z.literal('ok'),
  message: z.string().optional(),
  savedAt: z.string().nullable().optional(),
  fileSize: z.number().optional(),
});

export interface CreateJobInput extends Omit<CreateJobRequest, 'id' | 'options'> {
  id: string;
  /** PixelLab's options (utils/domain/options.ts); absent or null: PixelLab's defaults. */
  options?: JobOptions | null;
  /** Base64 PNG of a rotate's source, sent when the companion answered `image_required`. */
  sourceImageData?: string;
  /** Base64 PNGs by sha-256: every image the job names that the companion answered `image_required` for. */
  imageData?: Record<string, string>;
}

export interface CompanionClient {
  readonly baseUrl: string;
  health(): Promise<HealthResponse>;
  /**
   * One page of changes, asked in sync version `v` (default SYNC_API_VERSION). `syncVersion`: the version the
   * companion answered in (a companion before version 2 sends no `records` and ignores `v`).
   */
  changes(since: number, limit: number, v?: number): Promise<PullResponse & Answered>;
  /** Sent in sync version SYNC_API_VERSION; a companion before it passes `v` and `records` over. */
  push(request: PushRequest): Promise<PushResponse>;
  /** 202 when queued, 200 when the id already existed (`created` false). */
  createJob(input: CreateJobInput): Promise<{ job: SyncedJob; created: boolean }>;
  /**
   * 202 queued again. `clientUpdatedAt`: the caller's (idle) version, which the queued one is stamped above;
   * with it, a job already queued or running is answered 200 with that version instead of 409.
   */
  retryJob(id: string, options?: RetryJobRequest): Promise<SyncedJob>;
  getJob(id: string): Promise<SyncedJob | null>;
  /** The PNG as a data URL, or null when the companion does not have it (404). */
  getImage(hash: string): Promise<string | null>;
  /**
   * Up to MAX_IMAGE_BATCH images in one request, each checked (a PNG whose bytes match its hash).
   * `missing`: the companion does not hold them; `broken`: the answer for them failed the check.
   * Null when the companion has no batch route (answers 404), so the caller asks one by one.
   */
  getImageBatch(hashes: readonly string[]): Promise<ImageBatch | null>;
  /** Today's spend and the spending limits; null when the companion keeps no spending record (404, older). */
  getSpend(): Promise<SpendResponse | null>;
  /** Where every-device sync stands (target, devices, state); null when the companion does not sync (404, older). */
  getDeviceSync(): Promise<DeviceSyncStatus | null>;
  getConfig(): Promise<{ parallelLimit: number }>;
  putConfig(config: { parallelLimit: number }): Promise<{ parallelLimit: number }>;
  loadJobs(): Promise<z.infer<typeof loadJobsResponseSchema>>;
  saveJobs(body: { jobs: unknown[]; lastJobId?: number }): Promise<z.infer<typeof saveJobsResponseSchema>>;
  /** The cost ledger's rows with `from <= at < to` (ms), oldest first. */
  ledger(range?: { from?: number; to?: number }): Promise<LedgerResponse>;
  /** Asks for a pairing code; the companion prints it on its console. */
  pairRequest(clientName: string): Promise<PairRequestResponse>;
  /** Trades the printed code for a token. */
  pairConfirm(requestId: string, code: string): Promise<{ token: string }>;
  /** Collects the token once the user approved the request on the companion's page (or with `<bin> pair`). */
  pairClaim(requestId: string): Promise<PairClaimResponse>;
  /** Makes the companion forget this client's token. */
  pairRevoke(): Promise<{ revoked: boolean }>;
  /** Hands the companion a PixelLab key, once; it checks the key with PixelLab before keeping it. */
  putApiKey(apiKey: string): Promise<ApiKeyResponse>;
  /** Makes the companion forget the key set from the panel. */
  deleteApiKey(): Promise<ApiKeyResponse>;
}

/** The sync protocol an answer came in (utils/domain/sync.ts). */
export interface Answered {
  syncVersion: number;
}

export interface ImageBatch {
  /** sha-256 -> PNG data URL. */
  images: Map<string, string>;
  missing: string[];
  broken: string[];
  /** Held by the companion but left out of this answer to keep it small: ask again. */
  deferred: string[];
}

export interface CompanionClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof globalThis.fetch;
  /** Below the 30 s after which Chrome stops a worker waiting on one fetch. */
  timeoutMs?: number;
}

/** The typed HTTP client of the companion (docs/API-CONTRACT.md); every answer is parsed with its zod schema. */
export function createCompanionClient(options: CompanionClientOptions): CompanionClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 20_000;

  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (err) {
      const reason = controller.signal.aborted
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : errorMessage(err);
      throw new CompanionError('offline', `The companion at ${baseUrl} is not reachable (${reason})`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Turns a non-2xx answer into a CompanionError with the server's own words. */
  async function failure(res: Response, path: string): Promise<CompanionError> {
    const text = await res.text().catch(() => '');
    let parsed: z.infer<typeof errorResponseSchema> | null = null;
    try {
      parsed = errorResponseSchema.safeParse(JSON.parse(text)).data ?? null;
    } catch {
      parsed = null;
    }
    const message = parsed?.message ?? (text.trim().slice(0, 300) || `${res.status} ${res.statusText}`.trim());
    const kind: CompanionErrorKind = res.status === 401 || res.status === 403 ? 'unauthorized' : 'http';
    return new CompanionError(
      kind,
      `${path}: ${message}`,
      res.status,
      parsed?.error ?? null,
      parsed?.field ?? null,
      parsed?.message ?? null,
    );
  }

  async function parse<S extends z.ZodType>(res: Response, path: string, schema: S): Promise<z.infer<S>> {
    return (await parseRaw(res, path, schema)).data;
  }

  /** A GET whose 404 means "this companion has none" (a route older companions lack, or a feature that is off). */
  async function getOrNull<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S> | null> {
    const res = await send('GET', path);
    if (res.status === 404) return null;
    if (!res.ok) throw await failure(res, path);
    return parse(res, path, schema);
  }

  /** The answer parsed with its schema, and the JSON as sent (to see which fields a companion sends at all). */
  async function parseRaw<S extends z.ZodType>(
    res: Response,
    path: string,
    schema: S,
  ): Promise<{ data: z.infer<S>; raw: unknown }> {
    let value: unknown;
    try {
      value = await res.json();
    } catch (err) {
      throw new CompanionError('bad-response', `${path}: the answer is not JSON (${errorMessage(err)})`, res.status);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.map(String).join('.') || 'body'}: ${issue.message}` : 'unexpected shape';
      throw new CompanionError(
        'bad-response',
        `${path}: unexpected answer (${where}); is this the PixelLab companion?`,
        res.status,
      );
    }
    return { data: parsed.data, raw: value };
  }

  /** A sync answer with the protocol version it came in: version 2 sends `field`, version 1 never does. */
  async function callSync<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    field: string,
  ): Promise<z.infer<S> & Answered> {
    const res = await send(method, path);
    if (!res.ok) throw await failure(res, path);
    const { data, raw } = await parseRaw(res, path, schema);
    const sent = !!raw && typeof raw === 'object' && Array.isArray((raw as Record<string, unknown>)[field]);
    return { ...(data as object), syncVersion: sent ? SYNC_API_VERSION : 1 } as z.infer<S> & Answered;
  }

  async function call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const res = await send(method, path, body);
    if (!res.ok) throw await failure(res, path);
    return parse(res, path, schema);
  }

  return {
    baseUrl,
    health: () => call('GET', '/health', healthResponseSchema),
    changes: (since, limit, v = SYNC_API_VERSION) =>
      callSync('GET', `/api/v1/changes?since=${since}&limit=${limit}&v=${v}`, pullResponseSchema, 'records'),
    push: (request) => call('POST', '/api/v1/push', pushResponseSchema, { v: SYNC_API_VERSION, ...request }),

    async createJob(input) {
      const path = '/api/v1/jobs';
      const res = await send('POST', path, input);
      if (!res.ok) throw await failure(res, path);
      const { job } = await parse(res, path, jobReplySchema);
      return { job, created: res.status === 202 || res.status === 201 };
    },

    async retryJob(id, options) {
      return (await call('POST', `/api/v1/jobs/${encodeURIComponent(id)}/retry`, jobReplySchema, options ?? {})).job;
    },

    getSpend: () => getOrNull('/api/v1/spend', spendResponseSchema),
    getDeviceSync: () => getOrNull('/api/v1/device-sync', deviceSyncStatusSchema),

    async getJob(id) {
      const path = `/api/v1/jobs/${encodeURIComponent(id)}`;
      const res = await send('GET', path);
      if (res.status === 404) return null;
      if (!res.ok) throw await failure(res, path);
      return (await parse(res, path, jobReplySchema)).job;
    },

    async getImage(hash) {
      const path = `/api/v1/images/${encodeURIComponent(hash)}`;
      const res = await send('GET', path);
      if (res.status === 404) return null;
      if (!res.ok) throw await failure(res, path);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        throw new CompanionError('offline', `${path}: the answer broke off (${errorMessage(err)})`);
      }
      if (!isPng(bytes)) throw new CompanionError('bad-response', `${path}: the answer is not a PNG`, res.status);
      if (sha256Hex(bytes) !== hash)
        throw new CompanionError('bad-response', `${path}: the bytes do not match their sha-256`, res.status);
      return bytesToPngDataUrl(bytes);
    },

    async getImageBatch(hashes) {
      const path = `/api/v1/images?hashes=${hashes.join(',')}`;
      const res = await send('GET', path);
      if (res.status === 404) return null;
      if (!res.ok) throw await failure(res, '/api/v1/images');
      const answer = await parse(res, '/api/v1/images', imageBatchResponseSchema);
      const batch: ImageBatch = { images: new Map(), missing: [], broken: [], deferred: [] };
      const deferred = new Set(answer.deferred);
      const checks: Promise<{ hash: string; base64: string; ok: boolean }>[] = [];
      for (const hash of hashes) {
        const base64 = answer.images[hash];
        if (base64 === undefined) {
          (deferred.has(hash) ? batch.deferred : batch.missing).push(hash);
          continue;
        }
        let bytes: Uint8Array | null = null;
        try {
          bytes = base64ToBytes(base64);
        } catch {
          bytes = null;
        }
        checks.push(
          (bytes && isPng(bytes) ? digestHex(bytes) : Promise.resolve(null)).then((digest) => ({
            hash,
            base64,
            ok: digest === hash,
          })),
        );
      }
      // In the order asked for.
      for (const { hash, base64, ok } of await Promise.all(checks)) {
        if (ok) batch.images.set(hash, `data:image/png;base64,${base64}`);
        else batch.broken.push(hash);
      }
      return batch;
    },

    getConfig: () => call('GET', '/api/v1/config', configSchema),
    putConfig: (config) => call('PUT', '/api/v1/config', configSchema, config),
    loadJobs: () => call('GET', '/load-jobs', loadJobsResponseSchema),
    saveJobs: (body) => call('POST', '/save-jobs', saveJobsResponseSchema, body),
    ledger(range = {}) {
      const query = new URLSearchParams();
      if (range.from !== undefined) query.set('from', String(Math.max(0, Math.floor(range.from))));
      if (range.to !== undefined) query.set('to', String(Math.max(0, Math.floor(range.to))));
      const search = query.size > 0 ? `?${query}` : '';
      return call('GET', `/api/v1/ledger${search}`, ledgerResponseSchema);
    },
    pairRequest: (clientName) => call('POST', '/pair/request', pairRequestResponseSchema, { clientName }),
    pairConfirm: (requestId, code) => call('POST', '/pair/confirm', pairConfirmResponseSchema, { requestId, code }),
    pairClaim: (requestId) => call('POST', '/pair/claim', pairClaimResponseSchema, { requestId }),
    pairRevoke: () => call('POST', '/pair/revoke', pairRevokeResponseSchema, {}),
    putApiKey: (apiKey) => call('PUT', '/api/v1/key', apiKeyResponseSchema, { apiKey }),
    deleteApiKey: () => call('DELETE', '/api/v1/key', apiKeyResponseSchema),
  };
}

/**
 * SHA-256 as hex: WebCrypto's native digest where there is one (a first sync checks thousands of images;
 * it is several times faster than @noble/hashes there), else the pure one.
 */
async function digestHex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return sha256Hex(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Base64 of a PNG data URL's bytes (for `sourceImageData` and push `images`), or null if it is not one. */
export function dataUrlToBase64(dataUrl: string): string | null {
  const bytes = pngDataUrlToBytes(dataUrl);
  return bytes ? bytesToBase64(bytes) : null;
}
