/**
 * A sorted list in chunks (each a small sorted array), so inserting or removing in the middle of
 * a large partition moves at most one chunk's elements instead of the whole partition: a param
 * written to a run that holds 100,000 items, or a run added to a big experiment's index
 * partition, costs the same as into an empty one. Positions are global (0…length), as with an
 * array, so Query and Scan slice it the same way.
 *
 * {@link SortedList.moved} counts elements shifted by inserts and removes (the cost guard in
 * `sorted_list_test.ts` asserts on it, no timing).
 *
 * @module
 */

/** Elements per chunk before it splits in two. */
export const CHUNK_SIZE = 512;

/** Elements kept sorted by `compare`, in chunks of at most {@link CHUNK_SIZE}. */
export class SortedList<E> {
  #chunks: E[][] = [];
  // Global position of each chunk's first element; rebuilt lazily after a change.
  #starts: number[] | undefined = [];
  #length = 0;
  /** Elements shifted by inserts and removes since creation (see the module notes). */
  moved = 0;

  constructor(readonly compare: (a: E, b: E) => number) {}

  /** Number of elements. */
  get length(): number {
    return this.#length;
  }

  #offsets(): number[] {
    if (!this.#starts) {
      const starts = new Array<number>(this.#chunks.length);
      let n = 0;
      for (let i = 0; i < this.#chunks.length; i++) {
        starts[i] = n;
        n += this.#chunks[i]!.length;
      }
      this.#starts = starts;
    }
    return this.#starts;
  }

  // Chunk holding global position `i` (0 ≤ i < length) and the position inside it.
  #locate(i: number): [number, number] {
    const starts = this.#offsets();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [lo, i - starts[lo]!];
  }

  /** The element at position `i`, or undefined out of range. */
  at(i: number): E | undefined {
    if (i < 0 || i >= this.#length) return undefined;
    const [c, j] = this.#locate(i);
    return this.#chunks[c]![j];
  }

  /**
   * First position in `[lo, hi)` whose element satisfies `pred`, where `pred` is monotone
   * (false…true) over that range; `hi` when none does.
   */
  partitionPoint(pred: (e: E) => boolean, lo = 0, hi = this.#length): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(this.at(mid)!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  // Chunk where an element comparing like `probe` belongs: the first whose last element is not
  // below it (the last chunk when every element is below it).
  #chunkFor(probe: E): number {
    let lo = 0;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.#chunks[mid]!;
      if (this.compare(chunk[chunk.length - 1]!, probe) >= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #indexIn(chunk: E[], probe: E): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(chunk[mid]!, probe) >= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The element equal to `probe` under `compare`, if any. */
  find(probe: E): E | undefined {
    if (this.#length === 0) return undefined;
    const chunk = this.#chunks[this.#chunkFor(probe)]!;
    const e = chunk[this.#indexIn(chunk, probe)];
    return e !== undefined && this.compare(e, probe) === 0 ? e : undefined;
  }

  /** Inserts `element`, replacing an equal one; returns the replaced element. */
  upsert(element: E): E | undefined {
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    // Appending in key order is the common case (ids and timestamps grow).
    if (last === undefined || this.compare(last[last.length - 1]!, element) < 0) {
      if (last === undefined || last.length >= CHUNK_SIZE) {
        chunks.push([element]);
        this.#starts = undefined;
      } else {
        last.push(element);
      }
      this.#length++;
      return undefined;
    }
    const c = this.#chunkFor(element);
    const chunk = chunks[c]!;
    const i = this.#indexIn(chunk, element);
    const existing = chunk[i];
    if (existing !== undefined && this.compare(existing, element) === 0) {
      chunk[i] = element;
      return existing;
    }
    this.moved += chunk.length - i;
    chunk.splice(i, 0, element);
    this.#length++;
    this.#starts = undefined;
    if (chunk.length > CHUNK_SIZE) {
      const half = chunk.length >>> 1;
      chunks.splice(c + 1, 0, chunk.splice(half));
      this.moved += chunk.length - half;
    }
    return undefined;
  }

  /** Removes the element equal to `probe`; returns it. */
  remove(probe: E): E | undefined {
    if (this.#length === 0) return undefined;
    const c = this.#chunkFor(probe);
    const chunk = this.#chunks[c]!;
    const i = this.#indexIn(chunk, probe);
    const existing = chunk[i];
    if (existing === undefined || this.compare(existing, probe) !== 0) return undefined;
    this.moved += chunk.length - i - 1;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    this.#length--;
    this.#starts = undefined;
    return existing;
  }

  /** Elements of positions `[lo, hi)`, ascending or (`forward` false) descending. */
  *range(lo = 0, hi = this.#length, forward = true): Generator<E> {
    if (lo >= hi) return;
    if (forward) {
      let [c, j] = this.#locate(lo);
      for (let n = hi - lo; n > 0; n--) {
        const chunk = this.#chunks[c]!;
        yield chunk[j]!;
        if (++j >= chunk.length) {
          c++;
          j = 0;
        }
      }
    } else {
      let [c, j] = this.#locate(hi - 1);
      for (let n = hi - lo; n > 0; n--) {
        yield this.#chunks[c]![j]!;
        if (--j < 0) {
          c--;
          j = c >= 0 ? this.#chunks[c]!.length - 1 : 0;
        }
      }
    }
  }

  /** Every element in order. */
  *[Symbol.iterator](): Generator<E> {
    for (const chunk of this.#chunks) yield* chunk;
  }

  /** The elements in order, as a new array. */
  toArray(): E[] {
    return this.#chunks.flat();
  }
}
