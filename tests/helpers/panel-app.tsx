import { render } from '@testing-library/preact';
import { vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { App, type PanelServices } from '@/entrypoints/sidepanel/App';
import type { Job } from '@/utils/domain/job';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { createPanelData } from '@/utils/panel/data';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { toIndexEntry } from '@/utils/storage/layout';

/**
 * The panel's App over the fake browser's storage, as the App tests use it: jobs seeded the way the background
 * writes them, the real panel data, and services that record the intents sent.
 */

/** A PNG data URL's first bytes: enough for a thumbnail's `src` (the decoder is never asked). */
export const PNG = 'data:image/png;base64,iVBORw0KGgo=';

/** A finished job as the background stores it: `stored prompt <n>`, 48x40, its own image hash. */
export function storedJob(n: number, overrides: Partial<Job> = {}): Job {
  return {
    id: `job-${n}`,
    kind: 'generate',
    prompt: `stored prompt ${n}`,
    width: 48,
    height: 40,
    seed: n,
    status: 'success',
    error: null,
    image: n.toString(16).padStart(64, '0'),
    rotate: null,
    groupId: null,
    startTime: 1,
    endTime: 2,
    duration: 1.5,
    createdAt: Date.now() - n * 1000,
    updatedAt: 2,
    deleted: false,
    ...overrides,
  };
}

/** Writes the jobs, their index, stats, an online sync state and their images (PNG) into storage. */
export async function seedPanel(jobs: Job[], extra: Record<string, unknown> = {}) {
  const items: Record<string, unknown> = {
    [keys.head]: jobs.map((j) => j.id),
    ...indexItems(jobs.map((j) => toIndexEntry(j))),
    [keys.stats]: {
      total: jobs.length,
      idle: 0,
      queued: 0,
      running: 0,
      success: jobs.length,
      error: 0,
      avgDuration: 1.5,
    },
    [keys.sync]: { online: true, apiKeyDetected: true, lastSyncAt: Date.now() },
    [keys.outbox]: [],
    ...extra,
  };
  for (const j of jobs) {
    items[keys.job(j.id)] = j;
    if (j.image) items[keys.image(j.image)] = PNG;
  }
  await fakeBrowser.storage.local.set(items);
}

/** Renders App; `replies` answer intents by type (`{ok: true}` otherwise); `intents()` lists those sent. */
export function renderPanel(replies: Partial<Record<IntentInput['type'], IntentReply>> = {}) {
  const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, {
    afterPaint: (run) => setTimeout(run, 0),
  });
  const send = vi.fn(async (intent: IntentInput): Promise<IntentReply> => replies[intent.type] ?? { ok: true });
  const services: PanelServices = {
    data,
    send,
    exportJson: vi.fn(async () => ['{"jobs":[]}']),
    exportCsv: vi.fn(async () => 'id\r\n'),
    downloadBlob: vi.fn(),
    downloadPng: vi.fn(() => true),
    copyText: vi.fn(async () => {}),
    onFirstRowsPainted: vi.fn(),
  };
  void data.start();
  render(<App services={services} />);
  const intents = () => send.mock.calls.map((c) => c[0]).filter((i) => i.type !== 'panelOpen');
  return { data, send, services, intents };
}
