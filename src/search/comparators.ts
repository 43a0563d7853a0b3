/**
 * MLflow's search comparators, once for every entity (runs, experiments, registered models
 * and versions, logged models, datasets, traces and their spans, issues), with the semantics
 * of its SQL store on SQLite, the reference server's default database (`SearchUtils.
 * get_sql_comparison_func`): a NULL column never matches (not even `!=`), `=` and `LIKE` are
 * case-sensitive (MLflow turns on `case_sensitive_like`), `ILIKE` lowers ASCII only,
 * `RLIKE` is Python's `re.search` (the REGEXP function MLflow registers; a bad pattern matches
 * nothing), `IN` takes a list (a lone string compares as `=`), a numeric column compares with
 * text that reads as a number as that number. The filters validate which comparators an
 * identifier allows; this module only answers them.
 *
 * @module
 */

import type { Comparator } from "./ast.ts";
import { reSearch } from "./py_regex.ts";
import { compareValues, numericAffinity, type SqlValue } from "./sql_values.ts";

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
    case "RLIKE":
      return reSearch(String(value), String(lhs));
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
