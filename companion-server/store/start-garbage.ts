import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full collection shortly after a large history loaded. The load leaves tens of MB of dead objects in the
 * old generation and the file's bytes (44 MB at 100,000 jobs) outside the heap, and an idle companion never
 * collects them: RSS stayed at 308 MB, and one collection brought it to 234 MB. V8 offers no call for this
 * besides `gc`, which it exposes only to contexts made after the flag is set (as jest's leak detector does).
 */
export const LARGE_HISTORY = 20_000;
const AFTER_MS = 500;

export function collectStartGarbage(): void {
  setTimeout(() => {
    try {
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
    } catch {
      // Only memory: without it the garbage stays until V8 collects it on its own.
    }
  }, AFTER_MS).unref();
}
