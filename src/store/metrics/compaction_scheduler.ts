/**
 * Runs history compaction (`history_compaction.ts`) in the background, off every request's
 * path: a logging call or a history read only counts and, past a threshold, queues the run;
 * a bounded worker pool per table compacts queued runs one round at a time.
 *
 * Triggers: this process appended {@link COMPACT_AFTER_CHUNKS} raw chunks to a run since its
 * last compaction; or the run's logging went idle ({@link IDLE_MS} without an append from this
 * process) with at least {@link IDLE_MIN_CHUNKS} chunks or {@link IDLE_MIN_POINTS} points
 * appended since (so what a run logged last is compacted a moment after it stops, before a
 * user reads it, and small tails are not cut into tiny chunks); or a history read met a raw tail
 * of {@link COMPACT_TAIL_CHUNKS} or more (a restart, another server's writes, data written before
 * compaction existed). Idle runs are found by one unreferenced timer per table (it never keeps the
 * process alive), armed only while some run holds enough to compact. Bounds: at most
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
/** A run is idle this long after this process's last append to it. */
export const IDLE_MS = 1000;
/** An idle run is compacted from this many raw chunks (10-key calls: 32-point key chunks)… */
export const IDLE_MIN_CHUNKS = 32;
/** …or this many points (one full key chunk's worth for a one-key run). */
export const IDLE_MIN_POINTS = 1000;
const WORKERS = 2;
const QUEUE_LIMIT = 10_000;
const ROUNDS_PER_TURN = 4;
/** Runs whose appended-chunk count is kept, at most this many (oldest forgotten). */
const COUNTED_LIMIT = 10_000;

/** What this process appended to one run since its last compaction. */
interface Appended {
  chunks: number;
  points: number;
  /** `Date.now()` of the last append. */
  at: number;
}

/** True when an idle run holding `a` is worth compacting. */
const enoughForIdle = (a: Appended) => a.chunks >= IDLE_MIN_CHUNKS || a.points >= IDLE_MIN_POINTS;

interface TableState {
  db: Db;
  appended: Map<string, Appended>;
  /** Runs of `appended` holding enough to compact once idle. */
  due: Set<string>;
  /** The idle sweep's timer, while one is armed. */
  timer?: ReturnType<typeof setTimeout>;
  /** Resolved after each idle sweep ({@link compactionSettled}). */
  swept: (() => void)[];
  queue: Set<string>;
  running: Set<string>;
  workers: number;
  idle: (() => void)[];
  enabled: boolean;
}

const states = new WeakMap<DynamoPort, Map<string, TableState>>();
/** Tables with an idle sweep armed. */
const armed = new Set<TableState>();
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
      due: new Set(),
      swept: [],
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

/**
 * Called after a raw chunk of `points` points was appended to `runId`; queues the run past the
 * threshold, else arms the idle sweep.
 */
export function noteAppended(db: Db, runId: string, points = 1): void {
  const s = stateFor(db);
  const before = s.appended.get(runId);
  s.appended.delete(runId);
  const now: Appended = {
    chunks: (before?.chunks ?? 0) + 1,
    points: (before?.points ?? 0) + points,
    at: Date.now(),
  };
  if (now.chunks >= COMPACT_AFTER_CHUNKS) return enqueue(s, runId);
  if (s.appended.size >= COUNTED_LIMIT) forget(s, s.appended.keys().next().value!);
  s.appended.set(runId, now);
  if (!s.enabled || !enoughForIdle(now)) return;
  s.due.add(runId);
  armSweep(s, IDLE_MS);
}

/** Stops counting `runId` (compacted, or the oldest of too many); no sweep without a due run. */
function forget(s: TableState, runId: string): void {
  s.appended.delete(runId);
  if (s.due.delete(runId) && s.due.size === 0) cancelSweep(s);
}

function armSweep(s: TableState, delay: number): void {
  if (s.timer !== undefined) return;
  const timer = setTimeout(() => sweep(s), delay);
  holdsProcess(timer, false);
  s.timer = timer;
  armed.add(s);
}

/** Node's timers (what `setTimeout` is once `node:` modules are loaded) or the web's. */
function holdsProcess(timer: ReturnType<typeof setTimeout>, hold: boolean): void {
  if (typeof timer === "number") hold ? Deno.refTimer(timer) : Deno.unrefTimer(timer);
  else hold ? timer.ref() : timer.unref();
}

/** Queues the runs idle for {@link IDLE_MS} that hold enough raw points; re-arms if needed. */
function sweep(s: TableState): void {
  s.timer = undefined;
  armed.delete(s);
  const now = Date.now();
  let next = Infinity;
  for (const runId of [...s.due]) {
    const idleAt = s.appended.get(runId)!.at + IDLE_MS;
    if (idleAt <= now) enqueue(s, runId);
    else next = Math.min(next, idleAt - now);
  }
  if (Number.isFinite(next) && s.enabled) armSweep(s, next);
  for (const resolve of s.swept.splice(0)) resolve();
}

/** Called by a history read that met `chunks` raw chunks of `runId`. */
export function noteTail(db: Db, runId: string, chunks: number): void {
  if (chunks >= COMPACT_TAIL_CHUNKS) enqueue(stateFor(db), runId);
}

/** Turns background compaction on or off for a table (tests measuring request costs). */
export function setAutoCompaction(db: Db, enabled: boolean): void {
  const s = stateFor(db);
  s.enabled = enabled;
  if (!enabled) cancelSweep(s);
}

function cancelSweep(s: TableState): void {
  if (s.timer !== undefined) clearTimeout(s.timer);
  s.timer = undefined;
  armed.delete(s);
  for (const resolve of s.swept.splice(0)) resolve();
}

/**
 * Resolves once the idle sweeps due for this table's runs have run and the compactions they
 * queued are done: what a reader finds after logging stopped for {@link IDLE_MS} and the
 * compaction it started finished.
 */
export async function compactionSettled(db: Db): Promise<void> {
  const s = stateFor(db);
  while (s.timer !== undefined) {
    holdsProcess(s.timer, true); // someone waits for it
    await new Promise<void>((resolve) => s.swept.push(resolve));
  }
  await idle(s);
}

/**
 * Forgets the idle sweeps of every table (their runs stay raw until a later trigger): for tests
 * that close their table right after logging.
 */
export function cancelIdleSweeps(): void {
  for (const s of [...armed]) cancelSweep(s);
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
  forget(s, runId);
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
