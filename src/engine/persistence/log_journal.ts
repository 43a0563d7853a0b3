/**
 * The append-only log with group commit: commits queue their line, one writer appends every
 * queued line and fsyncs, then resolves all of their promises together. A failed write or fsync
 * stops the journal for good (the engine then refuses every call), since memory is ahead of disk.
 *
 * @module
 */
import type { Journal, LogRecord } from "../state.ts";
import { encodeLine } from "./codec.ts";

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A {@link Journal} over an open log file. */
export class LogJournal implements Journal {
  #file: Deno.FsFile;
  #bytes: number;
  #pending: Uint8Array[] = [];
  #appended = 0;
  #durable = 0;
  #waiters: Waiter[] = [];
  #running: Promise<void> | undefined;
  #failure: Error | undefined;
  #closed = false;

  /**
   * @param file the log, positioned at its end
   * @param bytes its current size
   * @param afterFlush called between flushes (never during a write); may {@link switchTo} a new log
   */
  constructor(file: Deno.FsFile, bytes: number, private readonly afterFlush: () => void) {
    this.#file = file;
    this.#bytes = bytes;
  }

  /** Size of the current log file in bytes, including queued lines. */
  get bytes(): number {
    return this.#bytes;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  append(records: LogRecord[]): void {
    if (this.#closed) throw new Error("The engine journal is closed");
    const line = encodeLine(records);
    this.#pending.push(line);
    this.#bytes += line.length;
    this.#appended++;
  }

  durable(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#durable >= this.#appended) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq: this.#appended, resolve, reject });
    });
    this.#kick();
    return p;
  }

  /** Resolves when no write is in flight and nothing is queued. */
  async idle(): Promise<void> {
    while (this.#running || (this.#pending.length > 0 && !this.#failure)) {
      this.#kick();
      await this.#running;
    }
  }

  /**
   * Makes `file` (an empty, new log) the log for every later line. Only call from `afterFlush`
   * or while idle; the caller removes the old file.
   */
  switchTo(file: Deno.FsFile): void {
    this.#file.close();
    this.#file = file;
    this.#bytes = this.#pending.reduce((n, l) => n + l.length, 0);
  }

  #kick(): void {
    if (this.#running || this.#failure) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#pending.length > 0 && !this.#failure) this.#kick();
    });
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      const upTo = this.#appended;
      try {
        const data = concat(batch);
        let off = 0;
        while (off < data.length) off += await this.#file.write(data.subarray(off));
        await this.#file.syncData();
      } catch (e) {
        this.#fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.#durable = upTo;
      const ready = this.#waiters.filter((w) => w.seq <= upTo);
      this.#waiters = this.#waiters.filter((w) => w.seq > upTo);
      for (const w of ready) w.resolve();
      try {
        this.afterFlush();
      } catch (e) {
        this.#fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
  }

  #fail(e: Error): void {
    this.#failure = e;
    for (const w of this.#waiters) w.reject(e);
    this.#waiters = [];
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.idle();
    this.#closed = true;
    this.#file.close();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
