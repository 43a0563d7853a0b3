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
import { readSnapshot, removeTempSnapshot, syncDirectory, writeSnapshot } from "./snapshot.ts";

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
      generation++;
      snapshotBytes = writeSnapshot(dir, state.tables, logName(generation), state.now());
    }
    for (const entry of Deno.readDirSync(dir)) {
      if (LOG_RE.test(entry.name) && entry.name !== logName(generation)) {
        Deno.removeSync(`${dir}/${entry.name}`);
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
      if (journal.bytes > Math.max(minBytes, ratio * snapshotBytes)) compactNow();
    });
  } catch (e) {
    lock.close();
    throw e;
  }

  function compactNow(): void {
    const next = generation + 1;
    const file = Deno.openSync(`${dir}/${logName(next)}`, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      // Expired items are left out of the snapshot; drop them from memory too.
      const now = state.now();
      for (const table of state.tables.values()) {
        const expired = [...table.primary.all()].filter((s) => table.isExpired(s, now));
        for (const s of expired) table.delete(s.item);
      }
      snapshotBytes = writeSnapshot(dir, state.tables, logName(next), now);
    } catch (e) {
      file.close();
      throw e;
    }
    journal.switchTo(file);
    Deno.removeSync(`${dir}/${logName(generation)}`);
    generation = next;
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
