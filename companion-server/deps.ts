import type { Direction } from '../utils/domain';
import type { JobStore } from './store/types';

/** What the routes need of PixelLab (companion-server/pixellab/client.ts implements it). */
export interface PixelLab {
  generate(input: { prompt: string; width: number; height: number; seed: number | null }): Promise<{ png: Uint8Array; usd: number | null; seed: number | null }>;
  rotate(input: { png: Uint8Array; width: number; height: number; fromDirection: Direction | null; toDirection: Direction }): Promise<{ png: Uint8Array; usd: number | null }>;
  balance(): Promise<{ usd: number }>;
}

/** What the routes need of the job queue (companion-server/runner.ts implements it). */
export interface Runner {
  enqueue(id: string): void;
  setLimit(n: number): void;
  readonly limit: number;
  readonly running: number;
}

export interface CompanionConfig {
  allowOrigins: string[];
  token: string | null;
  apiKeyDetected: boolean;
  /** Byte limits per kind of body. */
  limits: { json: number; push: number; saveJobs: number };
  version: string;
  /** Milliseconds a balance answer is reused by /health. */
  balanceTtlMs: number;
}

export const defaultLimits: CompanionConfig['limits'] = {
  json: 1024 * 1024,
  push: 64 * 1024 * 1024,
  saveJobs: 512 * 1024 * 1024,
};

export interface CompanionDeps {
  store: JobStore;
  pixellab: PixelLab;
  runner: Runner;
  config: CompanionConfig;
  now?: () => number;
  log?: (line: string) => void;
}
