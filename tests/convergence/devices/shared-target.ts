import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openSyncTarget, type SyncCredentials } from '../../../companion-server/device-sync/targets/open';
import { parseSyncUrl, type RemoteSpec } from '../../../companion-server/device-sync/targets/sync-url';
import { LOG_FILE } from '../../../companion-server/device-sync/targets/types';
import {
  type RemoteServer,
  S3_KEY,
  startS3Server,
  startWebDavServer,
  WEBDAV_PASSWORD,
  WEBDAV_USER,
} from '../../helpers/remote-servers';
import { seededRandom } from '../../helpers/seeded-random';
import { CloudClient, type CloudCounts, NO_FAULTS, type TickFaults } from './cloud-client';
import {
  type FaultProxy,
  NO_PROXY_FAULTS,
  newProxyCounts,
  type ProxyCounts,
  type ProxyFaults,
  startFaultProxy,
  type WriteLog,
} from './fault-proxy';

/**
 * Where the model's companions meet (issue 22), with the faults that fit it:
 * - `folder`: each device its own view of a synced folder, a sync client (cloud-client.ts) between the views and
 *   the cloud that delays, reorders, cuts files short, makes conflict copies and carries hand deletions;
 * - `webdav` (`rclone serve webdav`) and `s3` (s3rver): one real server, each device behind its own fault proxy
 *   (fault-proxy.ts) that delays, reorders, refuses, cuts requests and answers, fails after applying, and (S3)
 *   lets listings lag new objects. Partial files and conflict copies are a sync client's doing, not a server's:
 *   a PUT is whole or absent.
 * A device going offline, and a user deleting a device's file by hand (in a view; through the server's web UI),
 * fit every kind.
 */
export type TargetKind = 'folder' | 'webdav' | 's3';

export const FOLDER_FAULTS: TickFaults = { hold: 0.4, partial: 0.15, conflict: 0.06 };
/** Per request: about one in 25 fails one way or another; a pass of about 20 requests fails about half the time. */
export const NETWORK_FAULTS: ProxyFaults = {
  delay: 0.3,
  delayMs: 120,
  refuse: 0.01,
  dropRequest: 0.01,
  failAfter: 0.01,
  dropResponse: 0.01,
  listingLagMs: 0,
};
export const S3_FAULTS: ProxyFaults = { ...NETWORK_FAULTS, listingLagMs: 1500 };

/** The fault mix of a kind, as a test name says it. */
export function describeFaults(kind: TargetKind): string {
  if (kind === 'folder')
    return `synced folder, sync client holding back ${pct(FOLDER_FAULTS.hold)} of transfers, cutting ${pct(FOLDER_FAULTS.partial)} of downloads short, ${pct(FOLDER_FAULTS.conflict)} conflict copies, hand deletions`;
  const f = kind === 's3' ? S3_FAULTS : NETWORK_FAULTS;
  return (
    `${kind === 's3' ? 'S3 (s3rver)' : 'WebDAV (rclone serve webdav)'}, proxy delaying ${pct(f.delay)} of requests up to ${f.delayMs} ms, ` +
    `${pct(f.refuse)} 503s, ${pct(f.dropRequest)} cut mid-request, ${pct(f.failAfter)} 500s after applying, ${pct(f.dropResponse)} cut mid-response` +
    `${f.listingLagMs ? `, listings ${f.listingLagMs / 1000} s behind new objects` : ''}, hand deletions`
  );
}
const pct = (p: number) => `${Math.round(p * 100)}%`;

export interface Coverage {
  cloud: Omit<CloudCounts, 'uploads' | 'downloads'>;
  proxy: ProxyCounts;
}

export interface SharedTarget {
  kind: TargetKind;
  /** The flags and environment of device i's companion. */
  companion(i: number): { args: string[]; env: Record<string, string> };
  /**
   * After the first companion started alone and made the target's sync.json (encryption), before the others start
   * (the README's rule): the folder's client carries it to every view; a server holds it already.
   */
  shareFirst(): Promise<void>;
  /** Starts the faults (a folder's sync client runs from here on). */
  start(): void;
  /** Where the target's bytes are at rest, read directly: the cloud and every view; the server's backing dir. */
  storageDirs: string[];
  /** Takes device i's machine offline or back; returns whether it is offline now. */
  toggleOffline(i: number): boolean;
  isOffline(i: number): boolean;
  /** A user deletes one of a device's files by hand; returns its name, or null when there was none. */
  removeByHand(pick: <T>(items: readonly T[]) => T, view: number): Promise<string | null>;
  /** Faults off, every device online; the folder's client no longer runs on its own (see settleStep). */
  heal(): Promise<void>;
  /** One step of the heal: the folder's client moves what is due; remote targets have nothing to do. */
  settleStep(): Promise<void>;
  /** Whether nothing is left in transit (the folder's views equal the cloud). */
  inStep(): Promise<boolean>;
  addCounts(into: Coverage): void;
  close(): Promise<void>;
}

export const newTargetCoverage = (): Coverage => ({
  cloud: { held: 0, partial: 0, conflictCopies: 0, deletions: 0 },
  proxy: newProxyCounts(),
});

/** A remote target is only polled (every 5 s): the model's companions poll it this often (fast-poll.mjs). */
export const MODEL_POLL_MS = 750;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function openSharedTarget(kind: TargetKind, root: string, names: string[], seed: number) {
  return kind === 'folder' ? openFolder(root, names, seed) : openRemote(kind, names, seed);
}

async function openFolder(root: string, names: string[], seed: number): Promise<SharedTarget> {
  const views = names.map((n) => path.join(root, `view-${n}`));
  for (const v of views) await mkdir(v, { recursive: true });
  const cloud = new CloudClient(path.join(root, 'cloud'), views, seededRandom(seed ^ 0x5eed));
  let pumping = false;
  let pump: Promise<void> = Promise.resolve();
  return {
    kind: 'folder',
    companion: (i) => ({ args: ['--sync-dir', views[i]!], env: {} }),
    async shareFirst() {
      do await cloud.tick(NO_FAULTS);
      while (!(await cloud.inStep()));
    },
    storageDirs: [path.join(root, 'cloud'), ...views],
    start() {
      pumping = true;
      pump = (async () => {
        while (pumping) {
          await cloud.tick(FOLDER_FAULTS);
          await sleep(30);
        }
      })();
    },
    toggleOffline(i) {
      if (cloud.offline.has(i)) cloud.offline.delete(i);
      else cloud.offline.add(i);
      return cloud.offline.has(i);
    },
    isOffline: (i) => cloud.offline.has(i),
    async removeByHand(pick, view) {
      const files = (await cloud.filesOf(view)).filter((f) => f.startsWith('devices'));
      if (files.length === 0) return null;
      const file = pick(files);
      await cloud.removeByHand(view, file);
      return file;
    },
    async heal() {
      pumping = false;
      await pump;
      cloud.offline.clear();
    },
    settleStep: () => cloud.tick(NO_FAULTS).then(() => undefined),
    inStep: () => cloud.inStep(),
    addCounts(into) {
      into.cloud.held += cloud.counts.held;
      into.cloud.partial += cloud.counts.partial;
      into.cloud.conflictCopies += cloud.counts.conflictCopies;
      into.cloud.deletions += cloud.counts.deletions;
    },
    async close() {
      pumping = false;
      await pump.catch(() => undefined);
    },
  };
}

async function openRemote(kind: 'webdav' | 's3', names: string[], seed: number): Promise<SharedTarget> {
  const server: RemoteServer & { endpoint?: string } =
    kind === 'webdav' ? await startWebDavServer() : await startS3Server();
  const upstream = kind === 'webdav' ? new URL(server.syncUrl.replace(/^webdav/, 'http')).origin : server.endpoint!;
  const writes: WriteLog | undefined = kind === 's3' ? new Map() : undefined;
  const proxies: FaultProxy[] = [];
  for (const [i] of names.entries())
    proxies.push(await startFaultProxy({ upstream, random: seededRandom((seed ^ 0x9e0f) + i), writes }));
  const faults = kind === 's3' ? S3_FAULTS : NETWORK_FAULTS;
  const credentials: SyncCredentials = {
    webdav: { user: WEBDAV_USER, password: WEBDAV_PASSWORD },
    s3: S3_KEY,
  };
  /** The user's own access to the server, past every proxy (a web UI, a bucket browser). */
  const direct = (): RemoteSpec =>
    kind === 'webdav'
      ? parseSyncUrl(server.syncUrl)
      : parseSyncUrl(server.syncUrl, { endpoint: server.endpoint ?? null });
  const fastPoll = { MODEL_SYNC_POLL_MS: String(MODEL_POLL_MS) };
  const hand = (deviceId: string) => openSyncTarget({ remote: direct(), deviceId, credentials, log: () => undefined });
  return {
    kind,
    companion(i) {
      const via = proxies[i]!.url;
      if (kind === 'webdav') {
        const { pathname } = new URL(server.syncUrl.replace(/^webdav/, 'http'));
        return {
          args: ['--sync-url', `${via.replace(/^http/, 'webdav')}${pathname}`],
          env: { ...fastPoll, COMPANION_SYNC_USER: WEBDAV_USER, COMPANION_SYNC_PASSWORD: WEBDAV_PASSWORD },
        };
      }
      return {
        args: ['--sync-url', server.syncUrl, '--sync-s3-endpoint', via],
        env: { ...fastPoll, AWS_ACCESS_KEY_ID: S3_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_KEY.secretAccessKey },
      };
    },
    shareFirst: async () => undefined,
    storageDirs: [server.dir],
    start() {
      for (const p of proxies) p.faults = faults;
    },
    toggleOffline(i) {
      proxies[i]!.offline = !proxies[i]!.offline;
      return proxies[i]!.offline;
    },
    isOffline: (i) => proxies[i]!.offline,
    async removeByHand(pick) {
      const devices = await (await hand('d-0000000000000000')).devices();
      if (devices.length === 0) return null;
      const device = pick(devices);
      const target = await hand(device);
      const files = (await target.list(device)).filter(
        (f) => LOG_FILE.test(f.name) || f.name.startsWith('snapshot-') || f.name === 'head.json',
      );
      if (files.length === 0) return null;
      const file = pick(files).name;
      await target.deleteOwn(file);
      return `devices/${device}/${file}`;
    },
    async heal() {
      for (const p of proxies) {
        p.faults = NO_PROXY_FAULTS;
        p.offline = false;
      }
    },
    settleStep: async () => undefined,
    inStep: async () => true,
    addCounts(into) {
      for (const p of proxies)
        for (const key of Object.keys(into.proxy) as (keyof ProxyCounts)[]) into.proxy[key] += p.counts[key];
    },
    async close() {
      for (const p of proxies) await p.close();
      await server.close();
    },
  };
}
