import type { Direction, JobOptions, OptionsOf } from '../utils/domain';
import type { DeviceSync } from './device-sync/device-sync';
import type { PaidCallInfo, SpendingGuard } from './paid/spending-guard';
import type { AnimateRequest, AnimateResult } from './pixellab/client';
import type { PixelLabPlan } from './pixellab/plan';
import type { ImagesByHash } from './pixellab/requests';
import type { PixelLabV2Client } from './pixellab/v2-client';
import type { ApiKeyHolder } from './secrets/api-key';
import type { CostLedger } from './store/cost-ledger';
import type { PairingStore } from './store/pairing-store';
import type { JobStore } from './store/types';

/** What the routes need of PixelLab (companion-server/pixellab/client.ts implements it). */
export interface PixelLab {
  generate(input: {
    prompt: string;
    width: number;
    height: number;
    seed: number | null;
    /** Transparent background (PixelLab's `no_background`); the old API always asked for it. */
    noBackground?: boolean;
    /** PixelLab's options (pixflux, bitforge or inpaint); their images by hash in `images`. */
    options?: JobOptions | null;
    images?: ImagesByHash;
  }): Promise<{ png: Uint8Array; usd: number | null; seed: number | null }>;
  rotate(input: {
    png: Uint8Array;
    width: number;
    height: number;
    fromDirection: Direction | null;
    toDirection: Direction;
    seed?: number | null;
    options?: OptionsOf<'rotate'> | null;
  }): Promise<{ png: Uint8Array; usd: number | null }>;
  /** /animate-with-text; absent in test doubles that do not animate. */
  animate?(input: AnimateRequest): Promise<AnimateResult>;
  balance(): Promise<{ usd: number }>;
  /** PixelLab v2's character in 4 or 8 directions; absent when not configured. */
  v2?: PixelLabV2Client;
}

/** What the routes need of the job queue (companion-server/runner.ts implements it). */
export interface Runner {
  enqueue(id: string): void;
  /** The queue record (paused, order: records.ts) changed: look at it again. */
  queueChanged?(): void;
  setLimit(n: number): void;
  readonly limit: number;
  readonly running: number;
  /**
   * Makes one ad-hoc paid call (the old API's) within the parallel limit, taking turns with queued jobs, and
   * within the spending guard (rejects with PaidCallRefused); its image is stored, or kept until the disk takes it.
   * Test doubles that run nothing leave it out, and the old API's generation routes then answer 503.
   */
  slot?<R extends { png: Uint8Array; usd: number | null }>(
    call: PaidCallInfo,
    pay: () => Promise<R>,
  ): Promise<SlotResult<R>>;
}

/** A paid call made through `Runner.slot`. */
export interface SlotResult<R> {
  result: R;
  /** What it cost (PixelLab's figure, or the guard's estimate when PixelLab named none). */
  usd: number;
  /** sha-256 of the image. */
  image: string;
  /** False while the image waits for the disk (kept in memory and in the recovery spool). */
  saved: boolean;
  saveError: string | null;
}

export interface CompanionConfig {
  allowOrigins: string[];
  /** --allow-extension values (parseAllowedExtension): trusted besides the project's own extension. */
  allowExtensions?: string[];
  /** The old dashboard's folder, served at /dashboard/ (its real path, from openDashboardDir), or null. */
  dashboardDir?: string | null;
  token: string | null;
  /** Every route but /health and the pairing routes needs a token issued by pairing (or `token`). */
  requirePairing?: boolean;
  apiKeyDetected: boolean;
  /** Byte limits per kind of body. */
  limits: { json: number; push: number; saveJobs: number };
  version: string;
  /** Milliseconds a balance answer is reused by /health. */
  balanceTtlMs: number;
  /** --author: stamped on the jobs this companion accepts (issue 22); absent or null: none. */
  author?: string | null;
}

export const defaultLimits: CompanionConfig['limits'] = {
  json: 1024 * 1024,
  push: 64 * 1024 * 1024,
  // Past what any real history's old-API save needs before a load (10,000 jobs with images: 58 MB); after a
  // /load-jobs, a save may be twice that answer (routes/seed.ts).
  saveJobs: 128 * 1024 * 1024,
};

export interface CompanionDeps {
  store: JobStore;
  pixellab: PixelLab;
  runner: Runner;
  config: CompanionConfig;
  /** Paired clients' token hashes; in memory when not given (index.ts passes the data dir's). */
  pairings?: PairingStore;
  /** The user's PixelLab plan (its area cap), kept in the data dir; in memory and unknown when not given. */
  plan?: PixelLabPlan;
  /**
   * The PixelLab key as it can change while the companion runs (set from the panel), and how a new key is
   * checked (PixelLab's balance, with that key). Without it the key is fixed (`config.apiKeyDetected`) and the
   * key routes answer 404.
   */
  apiKey?: { holder: ApiKeyHolder; check(key: string): Promise<{ usd: number }> };
  /** Today's spend and the limits, for `GET /api/v1/spend`; that route answers 404 without it. */
  spending?: SpendingGuard;
  /** The cost ledger, for `GET /api/v1/ledger`; that route answers 404 without it. */
  ledger?: Pick<CostLedger, 'read'>;
  /** Every-device sync (device-sync/device-sync.ts), for `GET /api/v1/device-sync`; that route answers 404 without it. */
  deviceSync?: Pick<DeviceSync, 'status'>;
  now?: () => number;
  log?: (line: string) => void;
}
