/**
 * `createEngine()`: the in-process DynamoDB behind {@link DynamoPort}, in memory or durable in a
 * directory.
 *
 * @module
 */
import type { DynamoPort } from "../dynamo/port.ts";
import type { EngineStats } from "./capacity.ts";
import type { Faults, OperationName } from "./faults.ts";
import { batchGetItem, batchWriteItem } from "./ops/batch.ts";
import { deleteItem, getItem, putItem, updateItem } from "./ops/item_ops.ts";
import { query } from "./ops/query.ts";
import { scan } from "./ops/scan.ts";
import { createTable, deleteTable, describeTable, updateTimeToLive } from "./ops/table_ops.ts";
import { TokenCache, transactGetItems, transactWriteItems } from "./ops/transact.ts";
import type { EngineFs } from "./persistence/fs.ts";
import { openStore, type StoreOptions } from "./persistence/store.ts";
import { EngineState } from "./state.ts";

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /**
   * Directory to keep the data in. Without it the engine is memory-only. The directory must
   * exist; the engine locks it, so a second engine (in any process) cannot open it.
   */
  path?: string;
  /** Clock in epoch milliseconds (TTL expiry, CreationDateTime); default `Date.now`. */
  now?: () => number;
  /** Compaction settings of a durable engine. */
  compaction?: StoreOptions;
  /** The file system of a durable engine; tests pass a simulated one (`persistence/sim_fs.ts`). */
  fs?: EngineFs;
}

/** The engine: a {@link DynamoPort} plus capacity counters and fault injection. */
export interface Engine extends DynamoPort {
  /** Capacity units and call counts since start or the last `stats.reset()`. */
  readonly stats: EngineStats;
  /** Fault injection; see {@link Faults}. */
  readonly faults: Faults;
  /** Rewrites the snapshot and empties the log now (no-op in memory). */
  compact(): Promise<void>;
  /** Resolves when no background compaction is running (at once in memory). */
  compacted(): Promise<void>;
  /**
   * Commits made durable and the flushes (one log write + fsync each) that carried them since
   * open (zeros in memory): with concurrent writers a flush carries many commits (group commit).
   */
  durability(): { commits: number; flushes: number };
}

/**
 * Creates an engine.
 *
 * In memory (`createEngine()`) it is the fast fake for tests. With `path` it is the embedded
 * database: every acknowledged mutation is in an fsynced append-only log before the call
 * resolves, the log is replayed on open and compacted into a snapshot in the background (requests
 * go on meanwhile). The whole database lives in memory; the directory is for durability only.
 *
 * Methods are own properties, so wrappers that enumerate the port (retries) keep working.
 *
 * @example
 * ```ts
 * const engine = createEngine();
 * await engine.createTable(tableDefinition("t1"));
 * await engine.putItem({ TableName: "t1", Item: { pk: { S: "a" }, sk: { S: "b" } } });
 * engine.stats.writeUnits; // 1
 * await engine.close();
 * ```
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const state = new EngineState(options.now ?? Date.now);
  const store = options.path === undefined
    ? undefined
    : openStore(options.path, state, options.compaction, options.fs);
  const tokens = new TokenCache();
  let closing: Promise<void> | undefined;
  // Faults injected with `after: true` replace the answer of an applied operation.
  const after = async <T>(op: OperationName, result: Promise<T>): Promise<T> => {
    const out = await result;
    state.faults.checkAfter(op);
    return out;
  };
  return {
    stats: state.stats,
    faults: state.faults,
    getItem: (input) => after("getItem", getItem(state, input)),
    putItem: (input) => after("putItem", putItem(state, input)),
    updateItem: (input) => after("updateItem", updateItem(state, input)),
    deleteItem: (input) => after("deleteItem", deleteItem(state, input)),
    query: (input) => after("query", query(state, input)),
    scan: (input) => after("scan", scan(state, input)),
    batchGetItem: (input) => after("batchGetItem", batchGetItem(state, input)),
    batchWriteItem: (input) => after("batchWriteItem", batchWriteItem(state, input)),
    transactWriteItems: (input) =>
      after("transactWriteItems", transactWriteItems(state, tokens, input)),
    transactGetItems: (input) => after("transactGetItems", transactGetItems(state, input)),
    createTable: (input) => after("createTable", createTable(state, input)),
    describeTable: (input) => after("describeTable", describeTable(state, input)),
    deleteTable: (input) => after("deleteTable", deleteTable(state, input)),
    updateTimeToLive: (input) => after("updateTimeToLive", updateTimeToLive(state, input)),
    compact: () => store ? store.compact() : Promise.resolve(),
    compacted: () => store ? store.compacted() : Promise.resolve(),
    durability: () => ({
      commits: state.journal?.commits ?? 0,
      flushes: state.journal?.flushes ?? 0,
    }),
    close: () => {
      closing ??= (async () => {
        state.closed = true;
        await store?.close();
      })();
      return closing;
    },
  };
}
