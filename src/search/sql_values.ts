/**
 * Value semantics of MLflow's SQL store, which the comparators (`comparators.ts`) and the
 * sort keys copy: text sorts by code point (SQLite's BINARY collation on UTF-8), numbers sort
 * before text, text that reads as a number compares as one with a numeric column, metric
 * values are stored as the SQL store stores them.
 *
 * @module
 */

/** A column value; `undefined`/`null` is SQL NULL. */
export type SqlValue = string | number | undefined | null;

/** Compare two strings by code point (the byte order of their UTF-8 encodings). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

/** Compare two non-NULL values: numbers before text, numbers numerically, text by code point. */
export function compareValues(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return compareText(a, b);
}

const SQLITE_NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** SQLite's numeric affinity: text that reads as a number becomes that number. */
export function numericAffinity(v: string | number): string | number {
  return typeof v === "string" && SQLITE_NUMBER.test(v) ? Number(v) : v;
}

/** How the SQL store keeps a metric value: NaN as 0, ±Infinity as ±max double. */
export function storedMetricValue(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v === Infinity) return Number.MAX_VALUE;
  if (v === -Infinity) return -Number.MAX_VALUE;
  return v;
}
