// Small TTL + size-bounded cache with fail2ban's Utils.Cache eviction: when full, entries are
// dropped oldest-first until one still-valid entry has been dropped.

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly maxCount: number,
    private readonly maxTime: number,
    private readonly now: () => number,
  ) {}

  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires > this.now()) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V): void {
    const t = this.now();
    if (this.entries.size >= this.maxCount) {
      for (const [k, e] of this.entries) {
        this.entries.delete(k);
        if (e.expires > t && this.entries.size < this.maxCount) break;
      }
    }
    const old = this.entries.get(key);
    // like a Python dict, re-setting a key keeps its insertion position
    if (old) {
      old.value = value;
      old.expires = t + this.maxTime;
    } else this.entries.set(key, { value, expires: t + this.maxTime });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Every entry with its expiry, oldest first (a filter worker's state travels between threads). */
  dump(): [K, V, number][] {
    return [...this.entries].map(([k, e]) => [k, e.value, e.expires]);
  }

  /** Replaces the contents with a dump(). */
  load(entries: readonly [K, V, number][]): void {
    this.entries.clear();
    for (const [k, value, expires] of entries) this.entries.set(k, { value, expires });
  }

  get size(): number {
    return this.entries.size;
  }
}
