/**
 * Capacity units by DynamoDB's rules, per call (`Tally`, reported as `ConsumedCapacity`) and
 * accumulated over the engine's life (`EngineStats`).
 *
 * - Reads: 4 KB units, rounded up, at least one; eventually consistent reads cost half.
 *   GetItem and BatchGetItem round each item; Query and Scan round the sum of everything read.
 * - Writes: 1 KB units of the larger of the old and new item, rounded up, at least one.
 * - Transactions cost double.
 * - Each secondary index whose entry changes costs writes of the projected entry (see
 *   {@link indexWriteUnits}).
 *
 * @module
 */
import type { ConsumedCapacity, ReturnConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { IndexData, Stored } from "./table_data.ts";
import { inIndex } from "./schema.ts";
import { itemsEqual, valuesEqual } from "./values.ts";

/** Read units for `bytes` read in one rounding. */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/** Write units for an item of `bytes`. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/**
 * Write units a table write costs in one secondary index: a new entry costs its projected size,
 * a removed entry its old size, a changed index key a delete plus a put, a changed projection the
 * larger size, and an unchanged entry (or no entry before and after) nothing.
 */
export function indexWriteUnits(ix: IndexData, before?: Stored, after?: Stored): number {
  const wasIn = before !== undefined && inIndex(ix.schema, before.item);
  const isIn = after !== undefined && inIndex(ix.schema, after.item);
  if (!wasIn && !isIn) return 0;
  if (!wasIn) return writeUnits(ix.projectedSize(after!));
  if (!isIn) return writeUnits(ix.projectedSize(before!));
  const keys = [ix.schema.hash.name, ...(ix.schema.range ? [ix.schema.range.name] : [])];
  const keyChanged = keys.some((k) => !valuesEqual(before!.item[k]!, after!.item[k]!));
  if (keyChanged) {
    return writeUnits(ix.projectedSize(before!)) + writeUnits(ix.projectedSize(after!));
  }
  if (itemsEqual(ix.project(before!.item), ix.project(after!.item))) return 0;
  return writeUnits(Math.max(ix.projectedSize(before!), ix.projectedSize(after!)));
}

interface Units {
  read: number;
  write: number;
}

interface TableUnits {
  table: Units;
  indexes: Map<string, Units & { kind: "GSI" | "LSI" }>;
}

/** Capacity consumed by one call, per table and index. */
export class Tally {
  readonly tables = new Map<string, TableUnits>();

  #entry(table: string): TableUnits {
    let e = this.tables.get(table);
    if (!e) {
      e = { table: { read: 0, write: 0 }, indexes: new Map() };
      this.tables.set(table, e);
    }
    return e;
  }

  /** Charges the base table. */
  table(table: string, read: number, write: number): void {
    const e = this.#entry(table).table;
    e.read += read;
    e.write += write;
  }

  /** Charges an index. */
  index(table: string, index: string, kind: "GSI" | "LSI", read: number, write: number): void {
    const indexes = this.#entry(table).indexes;
    let e = indexes.get(index);
    if (!e) {
      e = { read: 0, write: 0, kind };
      indexes.set(index, e);
    }
    e.read += read;
    e.write += write;
  }

  /** Charges a table write and its index writes for one item changing from `before` to `after`. */
  write(
    table: string,
    indexes: Iterable<IndexData>,
    before: Stored | undefined,
    after: Stored | undefined,
    factor = 1,
  ): void {
    this.table(table, 0, factor * writeUnits(Math.max(before?.size ?? 0, after?.size ?? 0)));
    for (const ix of indexes) {
      const units = indexWriteUnits(ix, before, after);
      if (units > 0) this.index(table, ix.schema.name, ix.schema.kind, 0, factor * units);
    }
  }

  /** `ConsumedCapacity` entries in the requested detail, one per table touched. */
  consumed(mode: ReturnConsumedCapacity | string | undefined): ConsumedCapacity[] | undefined {
    if (mode !== "TOTAL" && mode !== "INDEXES") return undefined;
    return [...this.tables].map(([name, t]) => {
      let read = t.table.read;
      let write = t.table.write;
      const gsis: Record<string, { CapacityUnits: number }> = {};
      const lsis: Record<string, { CapacityUnits: number }> = {};
      for (const [ix, u] of t.indexes) {
        read += u.read;
        write += u.write;
        (u.kind === "GSI" ? gsis : lsis)[ix] = units(u);
      }
      const out: ConsumedCapacity = { TableName: name, CapacityUnits: read + write };
      if (read > 0) out.ReadCapacityUnits = read;
      if (write > 0) out.WriteCapacityUnits = write;
      if (mode === "INDEXES") {
        out.Table = units(t.table);
        if (Object.keys(gsis).length) out.GlobalSecondaryIndexes = gsis;
        if (Object.keys(lsis).length) out.LocalSecondaryIndexes = lsis;
      }
      return out;
    });
  }
}

function units(
  u: Units,
): { CapacityUnits: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number } {
  return {
    CapacityUnits: u.read + u.write,
    ...(u.read > 0 ? { ReadCapacityUnits: u.read } : {}),
    ...(u.write > 0 ? { WriteCapacityUnits: u.write } : {}),
  };
}

/** Read and write units of one table or index. */
export interface UnitCounter {
  readUnits: number;
  writeUnits: number;
}

/**
 * Capacity and call counters accumulated since the engine started or since {@link reset}.
 * `readUnits`/`writeUnits` include index units; `tables` holds the base-table part per table and
 * `indexes` the part per index name; `calls` counts calls per operation (failed ones included).
 */
export class EngineStats {
  readUnits = 0;
  writeUnits = 0;
  tables: Record<string, UnitCounter> = {};
  indexes: Record<string, UnitCounter> = {};
  calls: Record<string, number> = {};

  /** Zeroes every counter. */
  reset(): void {
    this.readUnits = 0;
    this.writeUnits = 0;
    this.tables = {};
    this.indexes = {};
    this.calls = {};
  }

  /** Counts one call of `op`. */
  call(op: string): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
  }

  /** Adds a call's tally. */
  add(tally: Tally): void {
    for (const [name, t] of tally.tables) {
      add(this.tables, name, t.table);
      this.readUnits += t.table.read;
      this.writeUnits += t.table.write;
      for (const [ix, u] of t.indexes) {
        add(this.indexes, ix, u);
        this.readUnits += u.read;
        this.writeUnits += u.write;
      }
    }
  }
}

function add(into: Record<string, UnitCounter>, key: string, u: Units): void {
  const c = into[key] ?? (into[key] = { readUnits: 0, writeUnits: 0 });
  c.readUnits += u.read;
  c.writeUnits += u.write;
}
