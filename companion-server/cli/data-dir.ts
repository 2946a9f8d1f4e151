import path from 'node:path';
import type { ServerConfig } from '../config';

/** Which data dir a start uses, and why, in words for its first lines. */
export interface DataDirChoice {
  path: string;
  source: 'flag' | 'env' | 'cwd' | 'platform';
  /** Why, in words for the start line: "from --data-dir", "the platform data folder". */
  reason: string;
  /** An offer to take a ./data history into the platform folder, printed after the start line. */
  offer: string | null;
}

/** What the choice needs to know of the disk (store/adoptions.ts answers). */
export interface DataDirProbe {
  holdsHistory(dir: string): Promise<boolean>;
  wasAdopted(dataDir: string, source: string): Promise<boolean>;
}

/**
 * The data dir: the one named (--data-dir, COMPANION_DATA_DIR); else ./data when it holds a history that was
 * not taken into the platform folder yet, so an existing ./data keeps working; else the platform data folder.
 * Importing ./data itself (--import ./data) starts on the platform folder it goes into.
 */
export async function chooseDataDir(options: {
  given: ServerConfig['dataDir'];
  cwd: string;
  platformData: string;
  importPath: string | null;
  bin: string;
  probe: DataDirProbe;
}): Promise<DataDirChoice> {
  const { given, cwd, platformData, importPath, bin, probe } = options;
  if (given) {
    const how = given.source === 'flag' ? '--data-dir' : 'COMPANION_DATA_DIR';
    return { ...given, reason: `from ${how}`, offer: null };
  }
  const local = path.resolve(cwd, 'data');
  const importingLocal = importPath !== null && [local, path.join(local, 'job_history.json')].includes(importPath);
  if (local !== platformData && (await probe.holdsHistory(local))) {
    if (await probe.wasAdopted(platformData, local)) {
      return {
        path: platformData,
        source: 'platform',
        reason: 'the platform data folder; ./data here was taken into it before and is left as it was',
        offer: null,
      };
    }
    if (!importingLocal) {
      return {
        path: local,
        source: 'cwd',
        reason: 'a ./data folder with a history, found in the current folder',
        offer: `To use this history from any folder and from the service, take it into ${platformData} (merged; ./data is left as it was): ${bin} --import ./data`,
      };
    }
  }
  return { path: platformData, source: 'platform', reason: 'the platform data folder', offer: null };
}
