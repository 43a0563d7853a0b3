/**
 * One table's data: items by primary key and every secondary index, kept in step on each write.
 * Stored items are never mutated; a write replaces the whole item object.
 *
 * String sort keys are compared as cached order keys on the stored items (`rk`, `hk`, `ik`:
 * the table's range and hash keys, the first string index's range key; see `orderKey` in
 * `values.ts`): inserting into a large partition and its index partition costs ~20 native
 * string comparisons each, with no attribute read by name and no surrogate test (issue #11: a
 * 100-param batch spent a quarter of its engine time in these searches).
 *
 * @module
 */
import { attributesSize, itemSize } from "./item_size.ts";
import { type IndexSchema, inIndex, projectedAttributes, type TableSchema } from "./schema.ts";
import { keyComparator, SortedPartitions } from "./sorted_partitions.ts";
import { compareUtf8, type Item, keyString, orderKey } from "./values.ts";

/** An item with its size, as kept in the table. */
export interface Stored {
  readonly item: Item;
  readonly size: number;
  /** Journal sequence of the commit that wrote it (0: durable before this process wrote). */
  seq?: number;
  /**
   * Its table's (string) sort key, cached by the table's order on first comparison: a binary
   * search compares it ~17 times, and reading `item[name]` on items of many shapes is a slow,
   * megamorphic lookup. Never stale: stored items are replaced, never changed.
   */
  rk?: string;
  /** Its table's (string) hash key, cached like {@link rk} by the index orders that use it. */
  hk?: string;
  /** The first string-keyed index's range key, cached like {@link rk} by that index's order. */
  ik?: string;
}

/** Wraps a (private, validated) item for storage; `size` when already known. */
export function stored(item: Item, size = itemSize(item)): Stored {
  return { item, size, seq: 0, rk: undefined, hk: undefined, ik: undefined };
}

/**
 * A search probe for a key (or a paging position): shaped as {@link stored} makes items, so the
 * orders' cached-key reads see one object shape, not a second one per search.
 */
export function probe(item: Item): Stored {
  return stored(item, 0);
}

type KeyAttr = { name: string; type: "S" | "N" | "B" };

/** Which cached field of {@link Stored} holds an attribute's string (none: read the item). */
type Cache = "rk" | "hk" | "ik" | undefined;

/**
 * Reads string attribute `n` of a stored item as its {@link orderKey} (natively comparable),
 * through its cache field when it has one.
 */
function stringKey(n: string, cache: Cache): (s: Stored) => string {
  switch (cache) {
    case "rk":
      return (s) => s.rk ??= orderKey(s.item[n]!.S!);
    case "hk":
      return (s) => s.hk ??= orderKey(s.item[n]!.S!);
    case "ik":
      return (s) => s.ik ??= orderKey(s.item[n]!.S!);
    default:
      return (s) => orderKey(s.item[n]!.S!);
  }
}

/**
 * The order of an index whose key attributes are all strings (ours: GSI1's range key, then the
 * table's hash and range keys): each attribute is read through its cache on {@link Stored}, so
 * the ~20 comparisons of an insert into a large index partition read no item attribute by name
 * (a slow, megamorphic lookup on items of many shapes), and equal parts cost no call.
 */
function stringOrder(keys: ((s: Stored) => string)[]): (a: Stored, b: Stored) => number {
  const [k0, k1, k2] = keys;
  if (keys.length === 2) {
    return (a, b) => {
      let x = k0!(a);
      let y = k0!(b);
      if (x !== y) return x < y ? -1 : 1;
      x = k1!(a);
      y = k1!(b);
      return x === y ? 0 : x < y ? -1 : 1;
    };
  }
  if (keys.length === 3) {
    return (a, b) => {
      let x = k0!(a);
      let y = k0!(b);
      if (x !== y) return x < y ? -1 : 1;
      x = k1!(a);
      y = k1!(b);
      if (x !== y) return x < y ? -1 : 1;
      x = k2!(a);
      y = k2!(b);
      return x === y ? 0 : x < y ? -1 : 1;
    };
  }
  return (a, b) => {
    for (const k of keys) {
      const x = k(a);
      const y = k(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

/**
 * The order of stored items by key attributes. String keys (all of ours) compare their strings
 * directly, equal ones (the index key shared by a run's items) without a call; the other types
 * go through {@link keyComparator}.
 */
function orderBy(attrs: KeyAttr[], cacheKey = false): (a: Stored, b: Stored) => number {
  if (cacheKey && attrs.length === 1 && attrs[0]!.type === "S") {
    // Only the table's own order caches (`Stored.rk` holds one attribute: the sort key), as its
    // orderKey: a native comparison each.
    const key = stringKey(attrs[0]!.name, "rk");
    return (a, b) => {
      const x = key(a);
      const y = key(b);
      return x === y ? 0 : x < y ? -1 : 1;
    };
  }
  const parts = attrs.map(({ name, type }) => ({
    name,
    type,
    compare: keyComparator(type),
  }));
  return (a, b) => {
    for (const { name, type, compare } of parts) {
      const x = a.item[name]!;
      const y = b.item[name]!;
      if (type === "S") {
        if (x.S !== y.S) return compareUtf8(x.S!, y.S!);
        continue;
      }
      const c = compare(x, y);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** A secondary index: entries partitioned by the index hash key, sorted by index range key. */
export class IndexData {
  readonly entries: SortedPartitions<Stored>;
  readonly projected: Set<string> | undefined;
  sizeBytes = 0;

  /** `cachesRange`: this index's (string) range key may use {@link Stored.ik}. */
  constructor(readonly schema: IndexSchema, table: TableSchema, cachesRange = false) {
    const order: KeyAttr[] = [];
    if (schema.range) order.push(schema.range);
    // Ties on the index key are ordered by the table's primary key, so paging is stable.
    order.push(table.hash);
    if (table.range) order.push(table.range);
    const caches: Cache[] = [];
    if (schema.range) caches.push(cachesRange ? "ik" : undefined);
    caches.push("hk");
    if (table.range) caches.push("rk");
    this.entries = new SortedPartitions(
      order.every((a) => a.type === "S")
        ? stringOrder(order.map((a, i) => stringKey(a.name, caches[i])))
        : orderBy(order),
    );
    this.projected = projectedAttributes(table, schema);
  }

  /** Partition key string of an item in this index. */
  partitionOf(item: Item): string {
    return keyString(item[this.schema.hash.name]!);
  }

  /** Size of the item as projected into the index. */
  projectedSize(s: Stored): number {
    return this.projected ? attributesSize(s.item, this.projected) : s.size;
  }

  /** The item as the index stores it. */
  project(item: Item): Item {
    if (!this.projected) return item;
    const out: Item = {};
    for (const k of this.projected) if (item[k] !== undefined) out[k] = item[k]!;
    return out;
  }

  add(s: Stored): void {
    if (!inIndex(this.schema, s.item)) return;
    this.entries.upsert(this.partitionOf(s.item), s);
    this.sizeBytes += this.projectedSize(s);
  }

  delete(s: Stored): void {
    if (!inIndex(this.schema, s.item)) return;
    if (this.entries.remove(this.partitionOf(s.item), s)) this.sizeBytes -= this.projectedSize(s);
  }
}

/** A table's items and indexes. */
export class TableData {
  readonly primary: SortedPartitions<Stored>;
  readonly indexes = new Map<string, IndexData>();
  sizeBytes = 0;
  /**
   * Journal sequence of the last commit that deleted or replaced an item here: a read may
   * reflect it without returning any item that carries it (see `EngineState.settledFor`).
   */
  removalSeq = 0;

  constructor(public schema: TableSchema) {
    this.primary = new SortedPartitions(
      schema.range ? orderBy([schema.range], true) : () => 0,
    );
    // Only one index may cache its range key on the stored items (`Stored.ik`): the first one.
    let cacher = schema.indexes.find((ix) => ix.range?.type === "S");
    for (const ix of schema.indexes) {
      this.indexes.set(ix.name, new IndexData(ix, schema, ix === cacher));
      if (ix === cacher) cacher = undefined;
    }
  }

  /** Partition key string of an item or key. */
  partitionOf(item: Item): string {
    return keyString(item[this.schema.hash.name]!);
  }

  /** The stored item with this primary key (expired or not). */
  get(key: Item): Stored | undefined {
    return this.primary.find(this.partitionOf(key), probe(key));
  }

  /** Stores an item, replacing the one with the same key; returns the old one. */
  put(s: Stored): Stored | undefined {
    const old = this.primary.upsert(this.partitionOf(s.item), s);
    if (old) {
      this.sizeBytes -= old.size;
      for (const ix of this.indexes.values()) ix.delete(old);
    }
    this.sizeBytes += s.size;
    for (const ix of this.indexes.values()) ix.add(s);
    return old;
  }

  /** Deletes the item with this key; returns it. */
  delete(key: Item): Stored | undefined {
    const old = this.primary.remove(this.partitionOf(key), probe(key));
    if (old) {
      this.sizeBytes -= old.size;
      for (const ix of this.indexes.values()) ix.delete(old);
    }
    return old;
  }

  /** True when TTL is enabled and the item's TTL attribute (epoch seconds) is in the past. */
  isExpired(s: Stored, nowMs: number): boolean {
    const ttl = this.schema.ttl;
    if (!ttl?.enabled) return false;
    const v = s.item[ttl.attributeName]?.N;
    if (v === undefined) return false;
    return Number(v) * 1000 < nowMs;
  }

  /** The live (present and unexpired) item with this key. */
  live(key: Item, nowMs: number): Stored | undefined {
    const s = this.get(key);
    return s && !this.isExpired(s, nowMs) ? s : undefined;
  }

  /** Item and size counts for DescribeTable. */
  counts(): { itemCount: number; sizeBytes: number; indexCounts: Map<string, [number, number]> } {
    const indexCounts = new Map<string, [number, number]>();
    for (const [name, ix] of this.indexes) indexCounts.set(name, [ix.entries.size, ix.sizeBytes]);
    return { itemCount: this.primary.size, sizeBytes: this.sizeBytes, indexCounts };
  }
}
