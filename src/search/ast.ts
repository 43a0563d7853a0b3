/**
 * The validated filter AST shared by all entities, and the comparator sets MLflow allows.
 *
 * @module
 */

/** Entity types of a clause, named as MLflow names them in its parsed filters. */
export type ClauseType = "metric" | "parameter" | "tag" | "attribute" | "dataset";

/** Comparators after validation (upper-case, canonical). */
export type Comparator =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "LIKE"
  | "ILIKE"
  | "RLIKE"
  | "IN"
  | "NOT IN"
  | "IS NULL"
  | "IS NOT NULL";

/** A clause value: a number, a string, a list of strings (`IN`), or null (`IS [NOT] NULL`). */
export type ClauseValue = number | string | readonly string[] | null;

/**
 * One validated comparison. `key` has quotes removed and aliases resolved where MLflow
 * resolves them (runs: `created` → `start_time`, `run name` → `run_name`).
 */
export interface Clause {
  readonly type: ClauseType;
  readonly key: string;
  readonly comparator: Comparator;
  readonly value: ClauseValue;
}

/**
 * A comparison as MLflow's `parse_search_filter` returns it: comparator text as typed
 * (`like`, `NOT  LIKE`), numbers still as source text, before comparator validation.
 */
export interface ParsedClause {
  readonly type: ClauseType;
  readonly key: string;
  readonly comparator: string;
  readonly value: string | number | readonly string[] | null;
}

/** `VALID_METRIC_COMPARATORS` (also numeric attributes). */
export const NUMERIC_COMPARATORS: readonly Comparator[] = [">", ">=", "!=", "=", "<", "<="];

/** `VALID_PARAM_COMPARATORS` / `VALID_TAG_COMPARATORS` for runs. */
export const PARAM_TAG_COMPARATORS: readonly Comparator[] = [
  "!=",
  "=",
  "LIKE",
  "ILIKE",
  "IS NULL",
  "IS NOT NULL",
];

/** `VALID_STRING_ATTRIBUTE_COMPARATORS` / `VALID_DATASET_COMPARATORS`. */
export const STRING_ATTRIBUTE_COMPARATORS: readonly Comparator[] = [
  "!=",
  "=",
  "LIKE",
  "ILIKE",
  "IN",
  "NOT IN",
];

/** Comparators the SQL stores accept for plain string columns and tags. */
export const BASIC_STRING_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];

/** Narrow a comparator string to one of `allowed`, else null. */
export function asComparator(text: string, allowed: readonly Comparator[]): Comparator | null {
  return (allowed as readonly string[]).includes(text) ? text as Comparator : null;
}

/** Python `float(text)` for the numeric literals the lexer produces. */
export function toNumber(text: string | number): number {
  return typeof text === "number" ? text : Number(text);
}
