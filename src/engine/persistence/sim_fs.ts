/**
 * A simulated file system for durability tests: it keeps, besides what a reader sees now, only
 * what a sync made durable, and {@link SimFs.crash} returns the file system a power cut would
 * leave behind: file contents as of their last `sync`/`syncData`, directory entries (created,
 * renamed, removed files) as of their directory's last sync. That is the least POSIX promises,
 * so a write acknowledged before its fsync, or a log whose directory entry was never synced, is
 * lost here even where a real disk would often keep it.
 *
 * It also records every operation in {@link SimFs.events} (to assert the order of writes, syncs
 * and acknowledgements) and lets a test hold an asynchronous operation with {@link SimFs.hold}.
 * Paths are treated as strings; a directory is everything before the last `/`.
 *
 * @module
 */
import type { EngineFile, EngineFs, OpenMode } from "./fs.ts";

interface Inode {
  /** What a reader sees now. */
  data: Uint8Array;
  /** What survives a crash. */
  durable: Uint8Array;
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

function append(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function notFound(path: string): Error {
  return new Deno.errors.NotFound(`No such file: ${path}`);
}

/** The simulated file system. */
export class SimFs implements EngineFs {
  /** Every operation, as `"<op> <file name>"`, in order. */
  readonly events: string[] = [];
  /** Called after every operation (a test can take a {@link crash} image at each one). */
  onEvent: (() => void) | undefined;
  #entries = new Map<string, Inode>();
  #durableEntries = new Map<string, Inode>();
  #dirs = new Set<string>();
  #locks = new Set<string>();
  #holds: { op: string; match: (path: string) => boolean; gate: Promise<void> }[] = [];
  #delays = new Map<string, number>();

  /**
   * Makes every later asynchronous `op` ("write", "sync", "syncData", "rename", "syncDir",
   * "open") on a path for which `match` holds wait for `gate`.
   */
  hold(op: string, match: (path: string) => boolean, gate: Promise<void>): void {
    this.#holds.push({ op, match, gate });
  }

  /** Makes every later asynchronous `op` take at least `ms` (a slow disk). */
  delay(op: string, ms: number): void {
    this.#delays.set(op, ms);
  }

  /** The file system a crash would leave now (a new, unlocked one). */
  crash(): SimFs {
    const after = new SimFs();
    for (const d of this.#dirs) after.#dirs.add(d);
    for (const [path, inode] of this.#durableEntries) {
      const copy = { data: inode.durable.slice(), durable: inode.durable.slice() };
      after.#entries.set(path, copy);
      after.#durableEntries.set(path, copy);
    }
    return after;
  }

  /** The current text of a file (for assertions), or `undefined`. */
  text(path: string): string | undefined {
    const inode = this.#entries.get(path);
    return inode && new TextDecoder().decode(inode.data);
  }

  async #gate(op: string, path: string): Promise<void> {
    const ms = this.#delays.get(op);
    if (ms !== undefined) await new Promise((r) => setTimeout(r, ms));
    for (const h of this.#holds) {
      if (h.op === op && h.match(path)) await h.gate;
    }
  }

  #log(op: string, path: string): void {
    this.events.push(`${op} ${baseOf(path)}`);
    this.onEvent?.();
  }

  #file(path: string, inode: Inode): EngineFile {
    let closed = false;
    const check = () => {
      if (closed) throw new Deno.errors.BadResource("File is closed");
    };
    const writeNow = (data: Uint8Array) => {
      check();
      inode.data = append(inode.data, data);
      this.#log("write", path);
      return data.length;
    };
    const syncNow = (op: string) => {
      check();
      inode.durable = inode.data.slice();
      this.#log(op, path);
    };
    return {
      write: async (data) => {
        await this.#gate("write", path);
        return writeNow(data);
      },
      writeSync: writeNow,
      syncData: async () => {
        await this.#gate("syncData", path);
        syncNow("syncData");
      },
      sync: async () => {
        await this.#gate("sync", path);
        syncNow("sync");
      },
      syncSync: () => syncNow("sync"),
      close: () => {
        closed = true;
      },
    };
  }

  mkdirSync(dir: string): void {
    this.#dirs.add(dir);
  }

  lockSync(path: string): { close(): void } | undefined {
    if (this.#locks.has(path)) return undefined;
    this.#locks.add(path);
    return { close: () => this.#locks.delete(path) };
  }

  readFileSync(path: string): Uint8Array | undefined {
    return this.#entries.get(path)?.data.slice();
  }

  readDirSync(dir: string): string[] {
    if (!this.#dirs.has(dir)) throw notFound(dir);
    return [...this.#entries.keys()].filter((p) => dirOf(p) === dir).map(baseOf);
  }

  removeSync(path: string): void {
    this.#entries.delete(path);
    this.#log("remove", path);
  }

  openSync(path: string, mode: OpenMode): { file: EngineFile; size: number } {
    if (!this.#dirs.has(dirOf(path))) throw notFound(path);
    let inode = this.#entries.get(path);
    if (!inode) {
      inode = { data: new Uint8Array(), durable: new Uint8Array() };
      this.#entries.set(path, inode);
    } else if (mode === "truncate") {
      inode.data = new Uint8Array();
    }
    this.#log(`open-${mode}`, path);
    return { file: this.#file(path, inode), size: inode.data.length };
  }

  async open(path: string, mode: OpenMode): Promise<EngineFile> {
    await this.#gate("open", path);
    return this.openSync(path, mode).file;
  }

  renameSync(from: string, to: string): void {
    const inode = this.#entries.get(from);
    if (!inode) throw notFound(from);
    this.#entries.delete(from);
    this.#entries.set(to, inode);
    this.#log("rename", to);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#gate("rename", to);
    this.renameSync(from, to);
  }

  syncDirSync(dir: string): void {
    for (const path of [...this.#durableEntries.keys()]) {
      if (dirOf(path) === dir) this.#durableEntries.delete(path);
    }
    for (const [path, inode] of this.#entries) {
      if (dirOf(path) === dir) this.#durableEntries.set(path, inode);
    }
    this.#log("syncDir", dir);
  }

  async syncDir(dir: string): Promise<void> {
    await this.#gate("syncDir", dir);
    this.syncDirSync(dir);
  }
}
