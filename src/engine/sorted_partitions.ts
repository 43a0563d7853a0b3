/**
 * The storage structure of tables and indexes: a map from partition key to a list kept sorted by
 * sort key ({@link SortedList}, in chunks, so a write into a large partition moves one chunk, not
 * the partition), so a Query touches one partition and binary-searches its range, never the whole
 * table.
 *
 * @module
 */
import { compareNumberStrings } from "./decimal.ts";
import { SortedList } from "./sorted_list.ts";
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
  readonly #partitions = new Map<string, SortedList<E>>();
  #order: string[] | undefined;
  #size = 0;
  #moved = 0;

  constructor(readonly compare: (a: E, b: E) => number) {}

  /** Number of elements. */
  get size(): number {
    return this.#size;
  }

  /** Elements shifted by writes in all partitions (see {@link SortedList.moved}). */
  get moved(): number {
    return this.#moved;
  }

  /** The sorted elements of one partition (do not modify). */
  partition(key: string): SortedList<E> | undefined {
    return this.#partitions.get(key);
  }

  /** The element equal to `probe` under `compare`, if any. */
  find(key: string, probe: E): E | undefined {
    return this.#partitions.get(key)?.find(probe);
  }

  /** Inserts `element`, replacing an equal one; returns the replaced element. */
  upsert(key: string, element: E): E | undefined {
    let list = this.#partitions.get(key);
    if (!list) {
      list = new SortedList(this.compare);
      this.#partitions.set(key, list);
      this.#order = undefined;
    }
    const before = list.moved;
    const old = list.upsert(element);
    this.#moved += list.moved - before;
    if (!old) this.#size++;
    return old;
  }

  /** Removes the element equal to `probe`; returns it. */
  remove(key: string, probe: E): E | undefined {
    const list = this.#partitions.get(key);
    if (!list) return undefined;
    const before = list.moved;
    const existing = list.remove(probe);
    this.#moved += list.moved - before;
    if (existing === undefined) return undefined;
    this.#size--;
    if (list.length === 0) {
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
    for (const list of this.#partitions.values()) yield* list;
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
