/**
 * A progress bar per imported entity (experiments, runs, artifacts, …) with counts, elapsed time
 * and ETA, in the style of `deno task gc`'s progress line. The command rewrites the line in
 * place on a terminal and prints it (throttled) otherwise.
 *
 * @module
 */

/** Where progress lines go. */
export type ProgressSink = (line: string, final: boolean) => void;

const WIDTH = 20;

/** One entity's progress. */
export class Progress {
  done = 0;
  skipped = 0;
  readonly #start: number;
  #lastPrint = 0;

  constructor(
    readonly label: string,
    public total: number,
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {
    this.#start = now();
  }

  /** One more entity finished (`skipped`: it was already there). */
  tick(skipped = false): void {
    this.done++;
    if (skipped) this.skipped++;
    const t = this.now();
    if (t - this.#lastPrint >= 200 || this.done === this.total) {
      this.#lastPrint = t;
      this.sink(this.line(), false);
    }
  }

  finish(): void {
    this.sink(this.line(), true);
  }

  line(): string {
    const elapsed = (this.now() - this.#start) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(frac * WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    const eta = this.done > 0 ? ((this.total - this.done) * elapsed) / this.done : 0;
    const skipped = this.skipped > 0 ? `, ${this.skipped} already there` : "";
    return `${this.label.padEnd(18)} [${bar}] ${this.done}/${this.total}${skipped}; ` +
      `${elapsed.toFixed(1)}s elapsed, ETA ${Math.max(0, eta).toFixed(1)}s`;
  }
}
