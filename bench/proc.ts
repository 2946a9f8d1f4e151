/**
 * What Linux says about a process the bench started: resident memory (/proc/<pid>/status) and the bytes it
 * wrote (/proc/<pid>/io). Linux only, as the bench machine; elsewhere the figures read NaN.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since start or since the last resetPeak, bytes. */
  peak: number;
}

export function memoryOf(pid: number): Memory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (writing 5 to clear_refs); false where not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface IoCounters {
  /** Bytes the process caused to be written to storage: pages it dirtied (4 KB granularity), before writeback. */
  writeBytes: number;
  /** Bytes passed to write()-family calls, files and sockets alike. */
  wchar: number;
  /** Bytes dirtied and then dropped before writeback (a file truncated or removed in time). */
  cancelledWriteBytes: number;
}

export function ioOf(pid: number): IoCounters {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? NaN);
    return {
      writeBytes: field('write_bytes'),
      wchar: field('wchar'),
      cancelledWriteBytes: field('cancelled_write_bytes'),
    };
  } catch {
    return { writeBytes: NaN, wchar: NaN, cancelledWriteBytes: NaN };
  }
}

export function ioDelta(before: IoCounters, after: IoCounters): IoCounters {
  return {
    writeBytes: after.writeBytes - before.writeBytes,
    wchar: after.wchar - before.wchar,
    cancelledWriteBytes: after.cancelledWriteBytes - before.cancelledWriteBytes,
  };
}

/** Samples a process's RSS every `everyMs` while `work` runs; resolves with its result and the highest sample. */
export async function withRssSampling<T>(
  pid: number,
  work: () => Promise<T>,
  everyMs = 20,
): Promise<{ result: T; maxRss: number }> {
  let maxRss = memoryOf(pid).rss;
  const timer = setInterval(() => {
    const { rss } = memoryOf(pid);
    if (rss > maxRss) maxRss = rss;
  }, everyMs);
  try {
    const result = await work();
    maxRss = Math.max(maxRss, memoryOf(pid).rss);
    return { result, maxRss };
  } finally {
    clearInterval(timer);
  }
}
