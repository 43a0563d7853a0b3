/**
 * The storage structure of tables and indexes: a map from partition key to an array kept sorted by
 * sort key, so a Query touches one partition and binary-searches its range, never the whole table.
 *
 * @module
 */
import { compareNumberStrings } from "./decimal.ts";
import { type AV, compareBytes, compareUtf8 } from "./values.ts";

/** Ordering of key values of one type (S by UTF-8 bytes, N numerically, B by bytes). */
export function keyComparator(type: "S" | "N" | "B"): (a: AV, b: AV) => number {
  switch (type) {
    case "S":
      return (a, b) => compareUtf8(a.S!, b.S!);
    case "N":
      return (a, b) => compareNumberStrings(a.N!, b.N!);
    case "B":
      return (a, b) => compareBytes(a.B!, b.B!);
  }
}

/** First index in `[lo, hi)` whose element satisfies the monotone predicate (false…true). */
export function partitionPoint<E>(
  arr: readonly E[],
  pred: (e: E) => boolean,
  lo = 0,
  hi = arr.length,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(arr[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// FNV-1a: spreads partitions in scan order the way DynamoDB's hashing does, so nothing can rely
// on a Scan returning partitions sorted.
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Partitions of elements, each sorted by `compare`. */
export class SortedPartitions<E> {
  readonly #partitions = new Map<string, E[]>();
  #order: string[] | undefined;
  #size = 0;

  constructor(readonly compare: (a: E, b: E) => number) {}

  /** Number of elements. */
  get size(): number {
    return this.#size;
  }

  /** The sorted elements of one partition (do not modify). */
  partition(key: string): readonly E[] | undefined {
    return this.#partitions.get(key);
  }

  /** The element equal to `probe` under `compare`, if any. */
  find(key: string, probe: E): E | undefined {
    const arr = this.#partitions.get(key);
    if (!arr) return undefined;
    const i = partitionPoint(arr, (e) => this.compare(e, probe) >= 0);
    const e = arr[i];
    return e !== undefined && this.compare(e, probe) === 0 ? e : undefined;
  }

  /** Inserts `element`, replacing an equal one; returns the replaced element. */
  upsert(key: string, element: E): E | undefined {
    let arr = this.#partitions.get(key);
    if (!arr) {
      arr = [];
      this.#partitions.set(key, arr);
      this.#order = undefined;
    }
    // Appending in key order is the common case (ids and timestamps grow).
    const last = arr[arr.length - 1];
    if (last === undefined || this.compare(last, element) < 0) {
      arr.push(element);
      this.#size++;
      return undefined;
    }
    const i = partitionPoint(arr, (e) => this.compare(e, element) >= 0);
    const existing = arr[i];
    if (existing !== undefined && this.compare(existing, element) === 0) {
      arr[i] = element;
      return existing;
    }
    arr.splice(i, 0, element);
    this.#size++;
    return undefined;
  }

  /** Removes the element equal to `probe`; returns it. */
  remove(key: string, probe: E): E | undefined {
    const arr = this.#partitions.get(key);
    if (!arr) return undefined;
    const i = partitionPoint(arr, (e) => this.compare(e, probe) >= 0);
    const existing = arr[i];
    if (existing === undefined || this.compare(existing, probe) !== 0) return undefined;
    arr.splice(i, 1);
    this.#size--;
    if (arr.length === 0) {
      this.#partitions.delete(key);
      this.#order = undefined;
    }
    return existing;
  }

  /** Partition keys in scan order (hashed, then by key). */
  partitionOrder(): readonly string[] {
    if (!this.#order) {
      const keys = [...this.#partitions.keys()].map((k) => [hash32(k), k] as const);
      keys.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      this.#order = keys.map(([, k]) => k);
    }
    return this.#order;
  }

  /** Position of a partition in {@link partitionOrder} (or where it would be). */
  partitionPosition(key: string): number {
    const order = this.partitionOrder();
    const h = hash32(key);
    return partitionPoint(order, (k) => {
      const hk = hash32(k);
      return hk > h || (hk === h && k >= key);
    });
  }

  /** Every element (no particular order). */
  *all(): Generator<E> {
    for (const arr of this.#partitions.values()) yield* arr;
  }

  /** Drops everything. */
  clear(): void {
    this.#partitions.clear();
    this.#order = undefined;
    this.#size = 0;
  }
}

/** The parallel-scan segment (of `total`) a partition belongs to. */
export function segmentOf(partitionKey: string, total: number): number {
  return Math.floor((hash32(partitionKey) * total) / 0x100000000);
}
