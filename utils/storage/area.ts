/** The parts of a `browser.storage` area each side uses; Chrome's, Firefox's and fakeBrowser's all satisfy them. */

/** What the background's store and migrations need. */
export interface StorageAreaLike {
  get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  /** Chrome 130+: key names without values (cheaper than get(null) when images are stored). */
  getKeys?: () => Promise<string[]>;
}

export interface StorageChange {
  oldValue?: unknown;
  newValue?: unknown;
}
export type StorageChangeListener = (changes: Record<string, StorageChange>) => void;

/** The read half of an area: what the panel's exports need. */
export interface ReadableStorage {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
}

/** What the panel reads: values and change events, never a write. */
export interface PanelStorage extends ReadableStorage {
  onChanged: {
    addListener(listener: StorageChangeListener): void;
    removeListener(listener: StorageChangeListener): void;
  };
}
