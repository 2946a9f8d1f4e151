import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Pairing requests per client (source and client name) a minute: each prints a line and is one more code to guess. */
export const MAX_PAIR_REQUESTS_PER_MINUTE = 10;
/** Pairing requests per source a minute, whatever names it gives: a source cannot flood the console by renaming itself. */
export const MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE = 30;
/** Sources and clients remembered at once; the least recently seen are forgotten past this. */
const MAX_TRACKED = 1000;
const MINUTE_MS = 60_000;

/**
 * Where a pairing request comes from: its Origin (each extension has its own), else the remote address
 * (every origin-less local client shares one, as they are all local processes).
 */
export function pairingSource(c: Context): string {
  const origin = c.req.header('origin');
  if (origin) return `origin ${origin}`;
  try {
    return `address ${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    // app.request() in tests has no socket.
    return 'address local';
  }
}

/**
 * Sliding one-minute windows per client and per source, so one page or client that asks too often is
 * refused on its own, and pairing stays open to everyone else.
 */
export function createPairingLimiter() {
  const windows = new Map<string, number[]>();

  function recent(key: string, at: number): number[] {
    const times = (windows.get(key) ?? []).filter((t) => t > at - MINUTE_MS);
    windows.delete(key);
    windows.set(key, times); // re-inserted: the Map's order is least recently seen first
    while (windows.size > MAX_TRACKED) windows.delete(windows.keys().next().value!);
    return times;
  }

  return {
    /** Counts a request; returns why it is refused, or null when it may go ahead. */
    take(source: string, clientName: string, at: number): string | null {
      const bySource = recent(`source\n${source}`, at);
      const byClient = recent(`client\n${source}\n${clientName}`, at);
      if (byClient.length >= MAX_PAIR_REQUESTS_PER_MINUTE) {
        return `Too many pairing requests from this client in the last minute (${MAX_PAIR_REQUESTS_PER_MINUTE} at most); wait a minute and try again`;
      }
      if (bySource.length >= MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE) {
        return `Too many pairing requests from this origin or address in the last minute (${MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE} at most); wait a minute and try again`;
      }
      bySource.push(at);
      byClient.push(at);
      return null;
    },
  };
}
