/**
 * A Map that forgets its least recently used entries beyond `limit` (the panel's image cache).
 * Hand-written: 30 lines with exact LRU order; quick-lru evicts a whole generation at once and so holds up
 * to twice `limit` images, and lru-cache brings features (TTL, sizes, fetch) this cache does not use.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  has(key: K): boolean {
    return this.map.has(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}
