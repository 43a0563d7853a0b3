/**
 * A generic multi-key comparator with SQL ordering rules.
 *
 * @module
 */

import { compareValues } from "./sql_values.ts";

/** A sort value; `undefined` is SQL NULL. */
export type SortValue = string | number | undefined;

/** One sort key. */
export interface SortKey<T> {
  /** The value to sort by. */
  readonly value: (record: T) => SortValue;
  readonly ascending: boolean;
  /**
   * An explicit group, always sorted ascending before `value` (MLflow's `CASE WHEN ... IS
   * NULL THEN 1 ELSE 0` trick). Without it NULL sorts as SQLite does: first when ascending,
   * last when descending.
   */
  readonly group?: (record: T) => number;
}

function compareNullable(a: SortValue, b: SortValue): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return compareValues(a, b);
}

/** `(a, b) => number` ordering records by the keys, in turn. */
export function compareBy<T>(keys: readonly SortKey<T>[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const k of keys) {
      if (k.group !== undefined) {
        const g = k.group(a) - k.group(b);
        if (g !== 0) return g < 0 ? -1 : 1;
      }
      const d = compareNullable(k.value(a), k.value(b));
      if (d !== 0) return k.ascending ? d : -d;
    }
    return 0;
  };
}

/** Group for "present first, missing last". */
export function presentFirst<T>(value: (r: T) => SortValue): (r: T) => number {
  return (r) => value(r) === undefined ? 1 : 0;
}
