/**
 * Runs history compaction (`history_compaction.ts`) in the background, off every request's
 * path: a logging call or a history read only counts and, past a threshold, queues the run;
 * a bounded worker pool per table compacts queued runs one round at a time.
 *
 * Triggers: this process appended {@link COMPACT_AFTER_CHUNKS} raw chunks to a run since its
 * last compaction, or a history read met a raw tail of {@link COMPACT_TAIL_CHUNKS} or more (a
 * run that stopped logging, a restart, data written before compaction existed). Bounds: at most
 * {@link WORKERS} runs compacted at once per table, at most {@link QUEUE_LIMIT} runs waiting
 * (more are dropped: their next write or read queues them again), at most
 * {@link ROUNDS_PER_TURN} rounds of ≤ 1 MB per turn before the run goes to the back of the
 * queue. A failed round is logged and dropped; the raw chunks stay readable.
 *
 * @module
 */
import type { DynamoPort } from "../../dynamo/port.ts";
import type { Db } from "../db.ts";
import { compactRound } from "./history_compaction.ts";
import { outsideRequest } from "../../util/request_cost.ts";

export const COMPACT_AFTER_CHUNKS = 128;
export const COMPACT_TAIL_CHUNKS = 16;
const WORKERS = 2;
const QUEUE_LIMIT = 10_000;
const ROUNDS_PER_TURN = 4;
/** Runs whose appended-chunk count is kept, at most this many (oldest forgotten). */
const COUNTED_LIMIT = 10_000;

interface TableState {
  db: Db;
  appended: Map<string, number>;
  queue: Set<string>;
  running: Set<string>;
  workers: number;
  idle: (() => void)[];
  enabled: boolean;
}

const states = new WeakMap<DynamoPort, Map<string, TableState>>();
/** Tables with a compaction queued or running. */
const busy = new Set<TableState>();

function stateFor(db: Db): TableState {
  let byTable = states.get(db.port);
  if (!byTable) states.set(db.port, byTable = new Map());
  let s = byTable.get(db.table);
  if (!s) {
    s = {
      db,
      appended: new Map(),
      queue: new Set(),
      running: new Set(),
      workers: 0,
      idle: [],
      enabled: true,
    };
    byTable.set(db.table, s);
  }
  return s;
}

/** Called after a raw chunk was appended to `runId`; queues the run past the threshold. */
export function noteAppended(db: Db, runId: string): void {
  const s = stateFor(db);
  const n = (s.appended.get(runId) ?? 0) + 1;
  s.appended.delete(runId);
  if (n < COMPACT_AFTER_CHUNKS) {
    if (s.appended.size >= COUNTED_LIMIT) s.appended.delete(s.appended.keys().next().value!);
    s.appended.set(runId, n);
    return;
  }
  enqueue(s, runId);
}

/** Called by a history read that met `chunks` raw chunks of `runId`. */
export function noteTail(db: Db, runId: string, chunks: number): void {
  if (chunks >= COMPACT_TAIL_CHUNKS) enqueue(stateFor(db), runId);
}

/** Turns background compaction on or off for a table (tests measuring request costs). */
export function setAutoCompaction(db: Db, enabled: boolean): void {
  stateFor(db).enabled = enabled;
}

/** Resolves once no compaction of this table is queued or running. */
export function compactionIdle(db: Db): Promise<void> {
  return idle(stateFor(db));
}

/** Resolves once no compaction of any table is queued or running (shutdown, tests). */
export async function allCompactionsIdle(): Promise<void> {
  while (busy.size > 0) await Promise.all([...busy].map(idle));
}

function idle(s: TableState): Promise<void> {
  if (s.workers === 0 && s.queue.size === 0) return Promise.resolve();
  return new Promise((resolve) => s.idle.push(resolve));
}

function enqueue(s: TableState, runId: string): void {
  s.appended.delete(runId);
  if (!s.enabled || s.running.has(runId) || s.queue.has(runId)) return;
  if (s.queue.size >= QUEUE_LIMIT) return;
  s.queue.add(runId);
  if (s.workers < WORKERS) {
    s.workers++;
    busy.add(s);
    // Not in the request's cost: the request does not wait for it (docs/operations.md).
    outsideRequest(() => void work(s));
  }
}

async function work(s: TableState): Promise<void> {
  // Let the request that queued the run finish first.
  await Promise.resolve();
  for (;;) {
    const runId = s.queue.values().next().value;
    if (runId === undefined) break;
    s.queue.delete(runId);
    s.running.add(runId);
    let more = false;
    try {
      for (let round = 0; round < ROUNDS_PER_TURN; round++) {
        more = (await compactRound(s.db, runId)).more;
        if (!more) break;
      }
    } catch (e) {
      more = false;
      console.error(`history compaction of run ${runId} failed (will retry later): ${e}`);
    } finally {
      s.running.delete(runId);
    }
    if (more && s.enabled) s.queue.add(runId);
  }
  s.workers--;
  if (s.workers > 0) return;
  busy.delete(s);
  for (const resolve of s.idle.splice(0)) resolve();
}
