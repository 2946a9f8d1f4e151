/**
 * HTTP from the bench to the companion over loopback, measured at the socket:
 *   bytes: what really crossed the wire both ways (request line, headers and body; status line, headers and body);
 *   e2eMs: from the call (after the caller serialized its body) until the last byte of the answer arrived;
 *   serverMs: from the last request byte handed to the socket until the answer's headers arrived, i.e. the
 *             companion's time to read, parse, apply, write to disk and start answering.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';

export interface Exchange {
  status: number;
  body: Buffer;
  bytesSent: number;
  bytesReceived: number;
  e2eMs: number;
  serverMs: number;
}

export interface RequestOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** A keep-alive agent; without one each request gets a fresh socket (exact byte counts). */
  agent?: http.Agent;
}

export function request(url: string, options: RequestOptions = {}): Promise<Exchange> {
  const started = performance.now();
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? Buffer.from(options.body)
        : options.body;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (body) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(body.length);
    }
    const req = http.request(url, {
      method: options.method ?? (body ? 'POST' : 'GET'),
      headers,
      agent: options.agent ?? false,
    });
    let sentAt = started;
    let writtenBefore = 0;
    let readBefore = 0;
    req.on('socket', (socket) => {
      writtenBefore = socket.bytesWritten;
      readBefore = socket.bytesRead;
    });
    req.on('finish', () => {
      sentAt = performance.now();
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const headersAt = performance.now();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const done = performance.now();
        const socket = req.socket;
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks),
          bytesSent: (socket?.bytesWritten ?? 0) - writtenBefore,
          bytesReceived: (socket?.bytesRead ?? 0) - readBefore,
          e2eMs: done - started,
          serverMs: headersAt - sentAt,
        });
      });
    });
    req.end(body);
  });
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await request(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.body.toString().slice(0, 300)}`);
  return JSON.parse(res.body.toString()) as T;
}

/** CPU time (user + system) a process used so far, in ms; 10 ms resolution (clock ticks). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] is utime, fields[12] stime (the 14th and 15th fields of /proc/pid/stat).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
