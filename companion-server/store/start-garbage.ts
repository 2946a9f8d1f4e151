import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Full collections at the few moments a large history leaves much garbage behind. A start at 100,000 jobs
 * leaves tens of MB of dead objects in the old generation and the file's bytes (44 MB) outside the heap, and an
 * idle companion never collects them (RSS stayed at 308 MB; one collection brought it to 234 MB); a 20 s
 * /load-jobs promotes its short-lived objects faster than V8 decides to collect them. V8 offers no call for
 * this besides `gc`, which it exposes only to contexts made after the flag is set (as jest's leak detector does).
 */
export const LARGE_HISTORY = 20_000;
const AFTER_MS = 500;

let gc: (() => void) | null | undefined;

/** One full collection now (about 100 ms at 100,000 jobs); nothing when V8 refuses to expose it. */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null; // Only memory: without it the garbage stays until V8 collects it on its own.
    }
  }
  gc?.();
}

/** One full collection shortly after a large history loaded. */
export function collectStartGarbage(): void {
  setTimeout(collectGarbage, AFTER_MS).unref();
}

/** Quiet time after a large request before its garbage is collected. */
const IDLE_MS = 200;
let idleTimer: NodeJS.Timeout | null = null;

/**
 * One full collection once the companion has been quiet a moment after a large request (a 60 MB /save-jobs, a
 * streamed /load-jobs): V8 otherwise collected a save's garbage during the next request (a /load-jobs after a
 * save spent 30-120 ms in an incremental mark of it, most of the load's CPU), and kept RSS up meanwhile.
 */
export function collectWhenQuiet(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    collectGarbage();
  }, IDLE_MS);
  idleTimer.unref();
}
