/**
 * A small bounded cache whose entries expire after a fixed time: the auth layer's user and grant
 * lookups, so an authenticated request does not pay its DynamoDB reads on every call.
 *
 * A drop wins over a load in flight: when `deletePrefix` covers a key whose `getOr` load is still
 * running (it may have read the store before the write that caused the drop), that load's answer
 * goes to its caller but is not stored, so a grant written through this process is seen at once.
 *
 * @module
 */

/** Entries live `ttlMs`; beyond `maxSize` the oldest entry is dropped. `ttlMs` 0 disables it. */
export class TtlCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();
  /** The `getOr` loads in flight; `deletePrefix` marks those it covers as stale. */
  private readonly loading = new Set<{ key: string; stale: boolean }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxSize = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live value for `key`, or `undefined`. */
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return hit.value;
  }

  /** Stores `value` for `key`. */
  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + this.ttlMs });
    if (this.map.size > this.maxSize) this.map.delete(this.map.keys().next().value!);
  }

  /** Drops every key that starts with `prefix` (all of them when it is empty). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.map.keys()]) if (key.startsWith(prefix)) this.map.delete(key);
    for (const load of this.loading) if (load.key.startsWith(prefix)) load.stale = true;
  }

  /** The value for `key`, computed by `load` when absent or expired. */
  async getOr(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.map.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const inFlight = { key, stale: false };
    this.loading.add(inFlight);
    try {
      const value = await load();
      if (!inFlight.stale) this.set(key, value);
      return value;
    } finally {
      this.loading.delete(inFlight);
    }
  }
}
