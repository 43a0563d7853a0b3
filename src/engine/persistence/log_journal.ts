/**
 * The append-only log with group commit: commits queue their line, one writer appends every
 * queued line and fsyncs (`syncData`), then resolves all of their promises together, so no commit
 * is acknowledged before it is durable (`durability_test.ts` checks the order through the file
 * seam).
 *
 * Gathering: with concurrent writers, starting the next flush as soon as one commit is queued
 * splits them into two halves that alternate (the half just acknowledged comes back while the
 * other half's flush is in flight), so each fsync carries half of them and each commit waits for
 * up to two flushes. The writer therefore holds the next flush until as many commits are queued
 * as the last round had writers (those acknowledged by the last flush plus those queued while it
 * ran), or for at most {@link MAX_GATHER_MS} (and never longer than the last flush took), so one
 * fsync carries every concurrent writer. A lone writer never waits (its round has one writer).
 * Holding pays only while the writers come back faster than a flush takes: it is skipped when
 * the last gathering took more than half the last flush (the writers' own work dominates, and
 * starting at once overlaps it with the fsync), and re-measured every 16th round. The cost: when
 * a writer of the last round does not come back (it stopped, or reads first), the queued commits
 * wait up to that bound before their flush starts.
 *
 * A failed write or fsync stops the journal for good (the engine then refuses every call), since
 * memory is ahead of disk. Compaction switches it to a new log between two flushes
 * ({@link LogJournal.rotate}).
 *
 * @module
 */
import type { Journal, LogRecord } from "../state.ts";
import { encodeLine } from "./codec.ts";
import type { EngineFile } from "./fs.ts";

/** Longest hold of a flush while gathering the writers of the last round (see the module notes). */
export const MAX_GATHER_MS = 1;

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A {@link Journal} over an open log file. */
export class LogJournal implements Journal {
  #file: EngineFile;
  #bytes: number;
  #pending: Uint8Array[] = [];
  #appended = 0;
  #durable = 0;
  #waiters: Waiter[] = [];
  #running: Promise<void> | undefined;
  #failure: Error | undefined;
  #closed = false;
  #rotation: { file: EngineFile; resolve: () => void; reject: (e: Error) => void } | undefined;
  #gather: { target: number; done: () => void } | undefined;
  #flushes = 0;
  #gatherTarget = 0;
  #lastFlushMs = 0;
  #lastGatherMs = 0;
  #skipped = 0;

  /**
   * @param file the log, positioned at its end
   * @param bytes its current size
   * @param afterFlush called after each flush, once its commits are acknowledged; must not throw
   *   for anything but a fatal error (compaction runs on its own, see {@link rotate})
   * @param maxGatherMs the longest hold while gathering writers
   */
  constructor(
    file: EngineFile,
    bytes: number,
    private readonly afterFlush: () => void,
    private readonly maxGatherMs = MAX_GATHER_MS,
  ) {
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

  /** Flushes (one write and one fsync each) since creation (cost guard for tests). */
  get flushes(): number {
    return this.#flushes;
  }

  /** Commits appended since creation. */
  get commits(): number {
    return this.#appended;
  }

  append(records: LogRecord[]): number {
    if (this.#closed) throw new Error("The engine journal is closed");
    const line = encodeLine(records);
    this.#pending.push(line);
    this.#bytes += line.length;
    if (this.#gather && this.#pending.length >= this.#gather.target) this.#gather.done();
    return ++this.#appended;
  }

  get durableSeq(): number {
    return this.#durable;
  }

  durable(): Promise<void> {
    return this.durableUpTo(this.#appended);
  }

  durableUpTo(seq: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#durable >= seq) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq, resolve, reject });
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
   * Makes `file` (an empty, new log whose directory entry is durable) the log for every line not
   * yet written. The switch happens between two flushes, even under constant load: every line
   * written to the old log was applied in memory before it, every later line goes to the new
   * log. Resolves once switched; the caller removes the old file.
   */
  rotate(file: EngineFile): Promise<void> {
    if (this.#closed || this.#failure) {
      return Promise.reject(this.#failure ?? new Error("The engine journal is closed"));
    }
    const p = new Promise<void>((resolve, reject) => {
      this.#rotation?.reject(new Error("superseded by a later rotation"));
      this.#rotation = { file, resolve, reject };
    });
    if (!this.#running) this.#switchNow();
    return p;
  }

  #switchNow(): void {
    const r = this.#rotation;
    if (!r) return;
    this.#rotation = undefined;
    this.#file.close();
    this.#file = r.file;
    this.#bytes = this.#pending.reduce((n, l) => n + l.length, 0);
    r.resolve();
  }

  #kick(): void {
    if (this.#running || this.#failure) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (!this.#failure) this.#switchNow();
      if (this.#pending.length > 0 && !this.#failure) this.#kick();
    });
  }

  /**
   * Holding pays while gathering takes less than the flush it saves: when the writers need more
   * time to come back than a flush takes (their CPU work dominates), starting at once overlaps
   * that work with the fsync instead. Re-measured every 16th round.
   */
  #worthHolding(): boolean {
    if (this.#lastGatherMs <= this.#lastFlushMs / 2 || ++this.#skipped >= 16) {
      this.#skipped = 0;
      return true;
    }
    return false;
  }

  /** Resolves once `target` commits are queued, or after `ms`. */
  #hold(target: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#gather = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#gather = { target, done };
    });
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0) {
      if (this.#pending.length < this.#gatherTarget && this.#worthHolding()) {
        const held = performance.now();
        await this.#hold(this.#gatherTarget, Math.min(this.maxGatherMs, this.#lastFlushMs));
        this.#lastGatherMs = performance.now() - held;
      }
      this.#switchNow();
      const batch = this.#pending;
      this.#pending = [];
      const upTo = this.#appended;
      const started = performance.now();
      try {
        const data = concat(batch);
        let off = 0;
        while (off < data.length) off += await this.#file.write(data.subarray(off));
        await this.#file.syncData();
      } catch (e) {
        this.#fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.#flushes++;
      this.#lastFlushMs = performance.now() - started;
      // The writers of this round: those acknowledged now and those queued meanwhile.
      this.#gatherTarget = batch.length + this.#pending.length;
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
    this.#rotation?.file.close();
    this.#rotation?.reject(e);
    this.#rotation = undefined;
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
