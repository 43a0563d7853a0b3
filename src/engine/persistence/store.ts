/**
 * The durable engine's directory: lock, snapshot + log replay at open, compaction.
 *
 * Files: `LOCK` (held with an exclusive advisory lock while open), `snapshot.jsonl` (see
 * `snapshot.ts`) and `log.<n>.jsonl`, the logs of changes made after that snapshot: the one it
 * names and any later ones, replayed in order. A torn final log line (crash mid-write) is
 * ignored; damage anywhere else refuses to open.
 *
 * Compaction runs at open (when a log is not empty) and whenever the log outgrows `ratio` × the
 * last snapshot (and `minBytes`). It never blocks request handling: it creates the next log and
 * makes its directory entry durable, switches the journal to it between two flushes, captures a
 * point-in-time view of the tables in the same tick, then writes the snapshot asynchronously
 * (temp file, fsync, rename, directory fsync) while requests go on, and only then removes the
 * old logs. A crash at any point leaves a snapshot plus logs that replay to every acknowledged
 * write (log records are full item images, so replaying a record the snapshot already holds
 * changes nothing); a failed compaction loses nothing and is retried once the log has doubled.
 *
 * Every file operation goes through an {@link EngineFs} (`fs.ts`), so tests can simulate a crash
 * that drops unsynced data (`sim_fs.ts`).
 *
 * @module
 */
import { applyRecord, type EngineState } from "../state.ts";
import { stored } from "../table_data.ts";
import { decodeLine } from "./codec.ts";
import { denoFs, type EngineFs } from "./fs.ts";
import { LogJournal } from "./log_journal.ts";
import {
  captureSnapshot,
  installSnapshotAsync,
  readSnapshot,
  removeTempSnapshot,
  writeSnapshot,
  writeSnapshotFileAsync,
} from "./snapshot.ts";

/** Compaction settings. */
export interface StoreOptions {
  /** Compact when the log exceeds this multiple of the last snapshot's size (default 4). */
  ratio?: number;
  /** …and at least this many bytes (default 8 MiB). */
  minBytes?: number;
  /** Longest hold of a flush while gathering writers (default `MAX_GATHER_MS`; tests raise it). */
  maxGatherMs?: number;
}

/** An open data directory. */
export interface Store {
  /** Waits for a running compaction, then compacts now. */
  compact(): Promise<void>;
  /** Resolves when no compaction is running. */
  compacted(): Promise<void>;
  close(): Promise<void>;
}

const LOG_RE = /^log\.(\d+)\.jsonl$/;

/** Raised when the directory is locked by another engine. */
export class DirectoryLockedError extends Error {
  override name = "DirectoryLockedError";
}

function logName(generation: number): string {
  return `log.${generation}.jsonl`;
}

function generationOf(name: string): number {
  const m = LOG_RE.exec(name);
  if (!m) throw new Error(`Unexpected log file name in snapshot: ${name}`);
  return Number(m[1]);
}

/** Generations of the log files in `dir`, ascending. */
function logGenerations(fs: EngineFs, dir: string): number[] {
  return fs.readDirSync(dir).filter((n) => LOG_RE.test(n)).map(generationOf).sort((a, b) => a - b);
}

/** Replays a log; returns whether it held anything (valid or not). */
function replayLog(fs: EngineFs, path: string, state: EngineState): boolean {
  const data = fs.readFileSync(path);
  if (data === undefined) return false;
  let start = 0;
  let damagedAt: number | undefined;
  while (start < data.length) {
    const nl = data.indexOf(10, start);
    if (nl < 0) break; // torn final line
    const records = decodeLine(data.subarray(start, nl));
    if (records === undefined) {
      damagedAt ??= start;
    } else {
      if (damagedAt !== undefined) {
        throw new Error(
          `The engine log ${path} is damaged at byte ${damagedAt} (valid records follow); refusing to open`,
        );
      }
      for (const r of records) applyRecord(state.tables, r);
    }
    start = nl + 1;
  }
  return data.length > 0;
}

/** Opens (and locks) `dir`, loading its data into `state` and attaching the journal. */
export function openStore(
  dir: string,
  state: EngineState,
  options: StoreOptions = {},
  fs: EngineFs = denoFs,
): Store {
  const ratio = options.ratio ?? 4;
  const minBytes = options.minBytes ?? 8 * 1024 * 1024;
  fs.mkdirSync(dir);
  const lock = fs.lockSync(`${dir}/LOCK`);
  if (!lock) {
    throw new DirectoryLockedError(
      `The engine data directory ${dir} is in use by another process or engine (lock on ${dir}/LOCK)`,
    );
  }
  let journal: LogJournal;
  let generation: number;
  let snapshotBytes: number;
  let failedAtBytes = 0;
  let running: Promise<void> | undefined;
  let closed = false;
  try {
    removeTempSnapshot(dir, fs);
    const snapshot = readSnapshot(dir, fs);
    for (const schema of snapshot?.tables ?? []) {
      applyRecord(state.tables, { op: "createTable", schema });
    }
    for (const [table, item] of snapshot?.items ?? []) state.tables.get(table)?.put(stored(item));
    const first = snapshot ? generationOf(snapshot.log) : 0;
    // The snapshot's log and every later one (a compaction that crashed before installing its
    // snapshot leaves two), in order.
    const logs = logGenerations(fs, dir).filter((g) => g >= first);
    let hadLog = false;
    for (const g of logs) hadLog = replayLog(fs, `${dir}/${logName(g)}`, state) || hadLog;
    generation = Math.max(first, ...logs);
    snapshotBytes = snapshot?.bytes ?? 0;
    if (hadLog || !snapshot) {
      fs.removeSync(`${dir}/${logName(generation + 1)}`);
      snapshotBytes = writeSnapshot(dir, state.tables, logName(generation + 1), state.now(), fs);
      generation++;
    }
    for (const g of logGenerations(fs, dir)) {
      if (g !== generation) fs.removeSync(`${dir}/${logName(g)}`);
    }
    const { file, size } = fs.openSync(`${dir}/${logName(generation)}`, "append");
    fs.syncDirSync(dir);
    journal = new LogJournal(file, size, () => {
      const threshold = Math.max(minBytes, ratio * snapshotBytes, 2 * failedAtBytes);
      if (running || closed || journal.bytes <= threshold) return;
      startCompaction();
    }, options.maxGatherMs);
  } catch (e) {
    lock.close();
    throw e;
  }

  function startCompaction(): Promise<void> {
    running = compactNow().catch(() => {
      // Nothing acknowledged is lost (see the module docs); retry once the log has doubled.
      failedAtBytes = journal.bytes;
    }).finally(() => {
      running = undefined;
    });
    return running;
  }

  /** Rotates the log, then writes and installs a snapshot naming the new log. */
  async function compactNow(): Promise<void> {
    const next = generation + 1;
    const file = await fs.open(`${dir}/${logName(next)}`, "truncate");
    try {
      await fs.syncDir(dir);
    } catch (e) {
      file.close();
      throw e;
    }
    await journal.rotate(file);
    generation = next;
    // Everything in the old logs is in memory now, so in the view (later changes are in the new
    // log too, and replaying them over the snapshot is harmless).
    const now = state.now();
    for (const table of state.tables.values()) {
      const expired = [...table.primary.all()].filter((s) => table.isExpired(s, now));
      for (const s of expired) table.delete(s.item);
    }
    const view = captureSnapshot(state.tables, now);
    const bytes = await writeSnapshotFileAsync(fs, dir, view, logName(next));
    await installSnapshotAsync(fs, dir);
    snapshotBytes = bytes;
    failedAtBytes = 0;
    try {
      for (const g of logGenerations(fs, dir)) {
        if (g < next) fs.removeSync(`${dir}/${logName(g)}`);
      }
      await fs.syncDir(dir);
    } catch {
      // A stale log is ignored and removed at the next open.
    }
  }

  state.journal = journal;
  return {
    async compact() {
      await journal.idle();
      while (running) await running;
      if (closed || journal.failure) return;
      // Registered as running, so a compaction triggered by the journal cannot overlap it.
      const p = compactNow();
      running = p.then(() => {}, () => {}).finally(() => {
        running = undefined;
      });
      await p;
    },
    async compacted() {
      while (running) await running;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        while (running) await running;
        await journal.close();
      } finally {
        lock.close();
      }
    },
  };
}
