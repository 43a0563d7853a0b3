/**
 * The file-system seam of the durable engine: every file operation of the journal, the snapshot
 * and the data directory goes through {@link EngineFs}, so a test can put a file system there
 * that records the order of writes and syncs, or that drops everything not yet synced on a
 * simulated crash (`sim_fs.ts`). {@link denoFs} is the real one.
 *
 * Operations used while opening the directory are synchronous (the engine opens synchronously);
 * operations used while serving (log appends, compaction) are asynchronous, so they never block
 * the event loop for longer than one chunk.
 *
 * @module
 */

/** An open file: the subset of `Deno.FsFile` the engine uses. */
export interface EngineFile {
  write(data: Uint8Array): Promise<number>;
  writeSync(data: Uint8Array): number;
  /** Makes the written data durable (fdatasync). */
  syncData(): Promise<void>;
  /** Makes data and metadata durable (fsync). */
  sync(): Promise<void>;
  syncSync(): void;
  close(): void;
}

/** How {@link EngineFs.openSync} opens a file. */
export type OpenMode = "append" | "truncate";

/** The file operations of the durable engine. Absent files are never an error where noted. */
export interface EngineFs {
  mkdirSync(dir: string): void;
  /** Takes an exclusive lock on `path` (created if absent); `undefined` when someone holds it. */
  lockSync(path: string): { close(): void } | undefined;
  /** The file's bytes, or `undefined` when it does not exist. */
  readFileSync(path: string): Uint8Array | undefined;
  /** Names of the entries of `dir`. */
  readDirSync(dir: string): string[];
  /** Removes a file or directory (recursively); an absent one is fine. */
  removeSync(path: string): void;
  /** Opens (creating) a file for writing, at its end or emptied; returns it and its size. */
  openSync(path: string, mode: OpenMode): { file: EngineFile; size: number };
  open(path: string, mode: OpenMode): Promise<EngineFile>;
  renameSync(from: string, to: string): void;
  rename(from: string, to: string): Promise<void>;
  /** Makes the directory's entries (new, renamed, removed files) durable. */
  syncDirSync(dir: string): void;
  syncDir(dir: string): Promise<void>;
}

function openOptions(mode: OpenMode): Deno.OpenOptions {
  return mode === "append"
    ? { write: true, create: true, append: true }
    : { write: true, create: true, truncate: true };
}

/** The real file system (Deno's API). */
export const denoFs: EngineFs = {
  mkdirSync(dir) {
    Deno.mkdirSync(dir, { recursive: true });
  },
  lockSync(path) {
    const lock = Deno.openSync(path, { read: true, write: true, create: true });
    if (!lock.tryLockSync(true)) {
      lock.close();
      return undefined;
    }
    return lock;
  },
  readFileSync(path) {
    try {
      return Deno.readFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  },
  readDirSync(dir) {
    return [...Deno.readDirSync(dir)].map((e) => e.name);
  },
  removeSync(path) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  },
  openSync(path, mode) {
    const file = Deno.openSync(path, openOptions(mode));
    return { file, size: file.statSync().size };
  },
  open: (path, mode) => Deno.open(path, openOptions(mode)),
  renameSync: (from, to) => Deno.renameSync(from, to),
  rename: (from, to) => Deno.rename(from, to),
  syncDirSync(dir) {
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } finally {
      d.close();
    }
  },
  async syncDir(dir) {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  },
};
