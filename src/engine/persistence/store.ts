/**
 * The durable engine's directory: lock, snapshot + log replay at open, compaction.
 *
 * Files: `LOCK` (held with an exclusive advisory lock while open), `snapshot.jsonl` (see
 * {@link writeSnapshot}) and `log.<n>.jsonl`, the log of changes made after that snapshot. A
 * torn final log line (crash mid-write) is ignored; damage anywhere else refuses to open.
 *
 * Compaction writes a new snapshot naming a new, empty log, renames it into place and deletes the
 * old log. It runs at open (when the log is not empty) and whenever the log outgrows
 * `ratio` × the last snapshot (and `minBytes`). Log records are full item images, so records
 * replayed over a snapshot that already contains them leave it unchanged.
 *
 * @module
 */
import { applyRecord, type EngineState } from "../state.ts";
import { stored } from "../table_data.ts";
import { decodeLine } from "./codec.ts";
import { LogJournal } from "./log_journal.ts";
import {
  installSnapshot,
  readSnapshot,
  removeTempSnapshot,
  syncDirectory,
  writeSnapshot,
  writeSnapshotFile,
} from "./snapshot.ts";

/** Compaction settings. */
export interface StoreOptions {
  /** Compact when the log exceeds this multiple of the last snapshot's size (default 4). */
  ratio?: number;
  /** …and at least this many bytes (default 8 MiB). */
  minBytes?: number;
}

/** An open data directory. */
export interface Store {
  compact(): Promise<void>;
  close(): Promise<void>;
}

const LOG_RE = /^log\.(\d+)\.jsonl$/;

/** A compaction that failed without changing anything on disk. */
class CompactionSkipped extends Error {
  override name = "CompactionSkipped";
  constructor(cause: unknown) {
    super(`Compaction skipped: ${cause instanceof Error ? cause.message : cause}`, { cause });
  }
}

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

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Replays a log; returns whether it held anything (valid or not). */
function replayLog(path: string, state: EngineState): boolean {
  let data: Uint8Array;
  try {
    data = Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
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
export function openStore(dir: string, state: EngineState, options: StoreOptions = {}): Store {
  const ratio = options.ratio ?? 4;
  const minBytes = options.minBytes ?? 8 * 1024 * 1024;
  Deno.mkdirSync(dir, { recursive: true });
  const lock = Deno.openSync(`${dir}/LOCK`, { read: true, write: true, create: true });
  if (!lock.tryLockSync(true)) {
    lock.close();
    throw new DirectoryLockedError(
      `The engine data directory ${dir} is in use by another process or engine (lock on ${dir}/LOCK)`,
    );
  }
  let journal: LogJournal;
  let generation: number;
  let snapshotBytes: number;
  let failedAtBytes = 0;
  try {
    removeTempSnapshot(dir);
    const snapshot = readSnapshot(dir);
    for (const schema of snapshot?.tables ?? []) {
      applyRecord(state.tables, { op: "createTable", schema });
    }
    for (const [table, item] of snapshot?.items ?? []) state.tables.get(table)?.put(stored(item));
    generation = snapshot ? generationOf(snapshot.log) : 0;
    const hadLog = replayLog(`${dir}/${logName(generation)}`, state);
    snapshotBytes = snapshot?.bytes ?? 0;
    if (hadLog || !snapshot) {
      removeIfPresent(`${dir}/${logName(generation + 1)}`);
      snapshotBytes = writeSnapshot(dir, state.tables, logName(generation + 1), state.now());
      generation++;
    }
    for (const entry of Deno.readDirSync(dir)) {
      if (LOG_RE.test(entry.name) && entry.name !== logName(generation)) {
        removeIfPresent(`${dir}/${entry.name}`);
      }
    }
    const file = Deno.openSync(`${dir}/${logName(generation)}`, {
      write: true,
      create: true,
      append: true,
    });
    const size = file.statSync().size;
    syncDirectory(dir);
    journal = new LogJournal(file, size, () => {
      const threshold = Math.max(minBytes, ratio * snapshotBytes, 2 * failedAtBytes);
      if (journal.bytes <= threshold) return;
      try {
        compactNow();
      } catch (e) {
        // A compaction that failed before the new snapshot was installed loses nothing: the
        // current log stays in use. Try again once the log has doubled.
        if (!(e instanceof CompactionSkipped)) throw e;
        failedAtBytes = journal.bytes;
      }
    });
  } catch (e) {
    lock.close();
    throw e;
  }

  /**
   * Snapshot, then switch to a new log. Throws {@link CompactionSkipped} while nothing has
   * changed on disk; any later failure is fatal for the journal, since records acknowledged from
   * the new log would be lost if the snapshot naming it were not durable.
   */
  function compactNow(): void {
    const next = generation + 1;
    const nextLog = `${dir}/${logName(next)}`;
    let file: Deno.FsFile | undefined;
    let bytes: number;
    try {
      file = Deno.openSync(nextLog, { write: true, create: true, truncate: true });
      // Expired items are left out of the snapshot; drop them from memory too.
      const now = state.now();
      for (const table of state.tables.values()) {
        const expired = [...table.primary.all()].filter((s) => table.isExpired(s, now));
        for (const s of expired) table.delete(s.item);
      }
      bytes = writeSnapshotFile(dir, state.tables, logName(next), now);
      installSnapshot(dir);
    } catch (e) {
      file?.close();
      throw new CompactionSkipped(e);
    }
    syncDirectory(dir);
    journal.switchTo(file);
    generation = next;
    snapshotBytes = bytes;
    try {
      Deno.removeSync(`${dir}/${logName(next - 1)}`);
    } catch {
      // A stale log is removed at the next open.
    }
  }

  state.journal = journal;
  let closed = false;
  return {
    async compact() {
      await journal.idle();
      if (!closed && !journal.failure) compactNow();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await journal.close();
      } finally {
        lock.close();
      }
    },
  };
}
