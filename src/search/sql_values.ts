/**
 * Value semantics of MLflow's SQL store, which the evaluators and comparators copy:
 * NULL never matches, `=` and `LIKE` are case-sensitive, `ILIKE` is not, text sorts by code
 * point (SQLite's BINARY collation on UTF-8), numbers sort before text.
 *
 * @module
 */

import type { Comparator } from "./ast.ts";

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

const regexCache = new Map<string, RegExp>();

/** The regular expression for a SQL LIKE pattern: `%` any run, `_` one character, no escape. */
export function likeRegExp(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    let source = "^";
    for (const ch of pattern) {
      if (ch === "%") source += "[\\s\\S]*";
      else if (ch === "_") source += "[\\s\\S]";
      else source += ch.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
    }
    re = new RegExp(source + "$", "u");
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** `value LIKE pattern`, case-sensitive (MLflow turns on `case_sensitive_like`). */
export function sqlLike(value: string, pattern: string): boolean {
  return likeRegExp(pattern).test(value);
}

/** SQLite's `lower()`: only ASCII letters change case. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * `value ILIKE pattern`: `lower(value) LIKE lower(pattern)`, with SQLite's ASCII-only
 * `lower()` (the reference server's default database), so `É` and `é` differ.
 */
export function sqlILike(value: string, pattern: string): boolean {
  return likeRegExp(asciiLower(pattern)).test(asciiLower(value));
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

/**
 * `lhs <comparator> rhs` with SQL semantics; a NULL `lhs` never matches. `IS [NOT] NULL`
 * are answered from `lhs` alone.
 */
export function sqlCompare(
  lhs: SqlValue,
  comparator: Comparator,
  rhs: string | number | readonly string[] | null,
): boolean {
  if (comparator === "IS NULL") return lhs === undefined || lhs === null;
  if (comparator === "IS NOT NULL") return lhs !== undefined && lhs !== null;
  if (lhs === undefined || lhs === null || rhs === null) return false;
  if (Array.isArray(rhs)) {
    const found = rhs.some((x) => compareValues(lhs, x) === 0);
    if (comparator === "IN") return found;
    if (comparator === "NOT IN") return !found;
    return false;
  }
  const value = rhs as string | number;
  switch (comparator) {
    case "LIKE":
      return sqlLike(String(lhs), String(value));
    case "ILIKE":
      return sqlILike(String(lhs), String(value));
    case "IN":
      return compareValues(lhs, value) === 0;
    case "NOT IN":
      return compareValues(lhs, value) !== 0;
  }
  const d = typeof lhs === "number" ? compareValues(lhs, numericAffinity(value)) : compareValues(
    lhs,
    value,
  );
  switch (comparator) {
    case "=":
      return d === 0;
    case "!=":
      return d !== 0;
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
    case ">":
      return d > 0;
    case ">=":
      return d >= 0;
  }
}
