/**
 * The engine's state: tables, counters, faults and the journal. Every mutation goes through
 * {@link EngineState.commit}, which applies log records to memory synchronously and hands them to
 * the journal, so live writes and replay share one code path.
 *
 * @module
 */
import { EngineStats } from "./capacity.ts";
import { internalServerError, resourceNotFound } from "./errors.ts";
import { Faults, type OperationName } from "./faults.ts";
import { checkName, type TableSchema, type TtlSpec } from "./schema.ts";
import { type Stored, stored, TableData } from "./table_data.ts";
import type { Item } from "./values.ts";

/** One logged mutation; items are full images, so replaying a record twice is harmless. */
export type LogRecord =
  | { op: "put"; table: string; item: Item }
  | { op: "delete"; table: string; key: Item }
  | { op: "createTable"; schema: TableSchema }
  | { op: "deleteTable"; table: string }
  | { op: "ttl"; table: string; ttl: TtlSpec };

/** Where committed records go to become durable. */
export interface Journal {
  /** Queues records that were just applied in memory (one atomic unit); returns its sequence. */
  append(records: LogRecord[]): number;
  /** Resolves when everything appended so far is on disk. */
  durable(): Promise<void>;
  /** Resolves when every unit up to sequence `seq` is on disk. */
  durableUpTo(seq: number): Promise<void>;
  /** The sequence of the last unit on disk. */
  readonly durableSeq: number;
  /** Commits appended and flushes (one write + fsync each) since it was opened. */
  readonly commits: number;
  readonly flushes: number;
  /** The error that stopped the journal, if any. */
  readonly failure: Error | undefined;
  close(): Promise<void>;
}

/**
 * Applies one record to `tables`; `prepared` reuses an already sized item. `seq` (the journal
 * sequence of a live commit) is stamped on the written item, and on the table when the record
 * created it or deleted or replaced an item.
 */
export function applyRecord(
  tables: Map<string, TableData>,
  r: LogRecord,
  prepared?: Stored,
  seq = 0,
): void {
  switch (r.op) {
    case "put": {
      const t = tables.get(r.table);
      const s = prepared ?? stored(r.item);
      s.seq = seq;
      if (t?.put(s) && seq > t.removalSeq) t.removalSeq = seq;
      return;
    }
    case "delete": {
      const t = tables.get(r.table);
      if (t?.delete(r.key) && seq > t.removalSeq) t.removalSeq = seq;
      return;
    }
    case "createTable": {
      // Until the table itself is durable, reads of it wait (its existence is the write).
      const t = new TableData(r.schema);
      t.removalSeq = seq;
      tables.set(r.schema.name, t);
      return;
    }
    case "deleteTable":
      tables.delete(r.table);
      return;
    case "ttl": {
      const t = tables.get(r.table);
      if (t) t.schema = { ...t.schema, ttl: r.ttl };
      return;
    }
  }
}

/** Tables, counters, faults and the journal of one engine. */
export class EngineState {
  readonly tables = new Map<string, TableData>();
  readonly stats = new EngineStats();
  readonly faults = new Faults();
  journal: Journal | undefined;
  closed = false;

  constructor(readonly now: () => number = Date.now) {}

  /** Starts an operation: counts it, refuses after close or storage failure, fires faults. */
  begin(op: OperationName, actions = 1): void {
    if (this.closed) throw internalServerError("The engine is closed");
    const failure = this.journal?.failure;
    if (failure) throw internalServerError(`Engine storage failed: ${failure.message}`);
    this.stats.call(op);
    this.faults.check(op, actions);
  }

  /** The table, or ResourceNotFoundException (ValidationException for an invalid name). */
  table(name: string | undefined): TableData {
    const t = name === undefined ? undefined : this.tables.get(name);
    if (!t) {
      checkName(name);
      throw resourceNotFound();
    }
    return t;
  }

  /**
   * Applies records in memory now and journals them as one unit; the promise resolves once they
   * are durable. Callers must have validated everything before calling (no partial commits).
   */
  commit(records: LogRecord[], prepared?: (Stored | undefined)[]): Promise<void> {
    if (!this.journal || records.length === 0) {
      records.forEach((r, i) => applyRecord(this.tables, r, prepared?.[i]));
      return Promise.resolve();
    }
    // Appended first (it encodes the records, nothing else), so the items carry its sequence.
    const seq = this.journal.append(records);
    records.forEach((r, i) => applyRecord(this.tables, r, prepared?.[i], seq));
    return this.journal.durable();
  }

  /** Resolves when every earlier commit is durable, so reads never return undurable data. */
  settled(): Promise<void> {
    return this.journal ? this.journal.durable() : Promise.resolve();
  }

  /**
   * Resolves when a read of `table` that saw items up to sequence `seq` reflects only durable
   * data: those items, and any delete or replacement in the table it may reflect by their
   * absence, are on disk. A read of data that was durable already does not wait for unrelated
   * writes in flight (it is ordered before them).
   */
  settledFor(table: TableData, seq: number): Promise<void> {
    const j = this.journal;
    if (!j) return Promise.resolve();
    const needed = Math.max(seq, table.removalSeq);
    return needed <= j.durableSeq ? Promise.resolve() : j.durableUpTo(needed);
  }
}
