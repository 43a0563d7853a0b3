/**
 * `order_by` for runs and experiments: parsing (with MLflow's errors) and comparators
 * (with the SQL store's ordering, defaults and tie-breakers).
 *
 * @module
 */

import { invalidParameter, MlflowError } from "../errors.ts";
import type { ClauseType } from "./ast.ts";
import { compareBy, type SortKey, type SortValue } from "./compare.ts";
import { EXPERIMENT_ORDER_ATTRIBUTES, experimentStyleIdentifier } from "./experiments_filter.ts";
import { parseOrderByString, pyStrip } from "./order_syntax.ts";
import { reprStrList } from "./py_repr.ts";
import type { ExperimentRecord, RunRecord } from "./records.ts";
import { RUN_ORDER_ATTRIBUTES, runIdentifier, translateRunKeyAlias } from "./runs_filter.ts";
import { storedMetricValue } from "./sql_values.ts";

/**
 * MLflow raises its duplicate-field error without an error code, so the reference server answers
 * HTTP 500 `INTERNAL_ERROR`, which the client retries for minutes. It is bad input: we answer
 * MLflow's message with 400 `INVALID_PARAMETER_VALUE` (issue #8: bad input is never a 500).
 */
export function duplicateOrderBy(orderBy: readonly string[]): MlflowError {
  return new MlflowError(
    "INVALID_PARAMETER_VALUE",
    `\`order_by\` contains duplicate fields: ${reprStrList(orderBy)}`,
  );
}

/** One parsed run `order_by` clause. */
export interface RunOrderKey {
  readonly type: Exclude<ClauseType, "dataset">;
  /** Aliases resolved (`created` → `start_time`). */
  readonly key: string;
  readonly ascending: boolean;
}

/** Parse run `order_by` clauses (`_get_orderby_clauses`). */
export function parseRunOrderBy(orderBy: readonly string[] | null | undefined): RunOrderKey[] {
  const keys: RunOrderKey[] = [];
  const seen = new Set<string>();
  for (const clause of orderBy ?? []) {
    const { field, ascending } = parseOrderByString(clause);
    const id = runIdentifier(pyStrip(field), RUN_ORDER_ATTRIBUTES);
    const key = translateRunKeyAlias(id.key);
    if (id.type === "dataset") throw invalidParameter(`Invalid identifier type '${id.type}'`);
    const seenKey = `${id.type}\u0000${key}`;
    if (seen.has(seenKey)) throw duplicateOrderBy(orderBy ?? []);
    seen.add(seenKey);
    keys.push({ type: id.type, key, ascending });
  }
  return keys;
}

function runAttributeForSort(r: RunRecord, key: string): SortValue {
  switch (key) {
    case "run_id":
      return r.runId;
    case "run_name":
      return r.runName;
    case "user_id":
      return r.userId;
    case "status":
      return r.status;
    case "artifact_uri":
      return r.artifactUri;
    case "start_time":
      return r.startTime;
    case "end_time":
      return r.endTime;
    default:
      return undefined;
  }
}

function own<V>(map: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function runSortKey(k: RunOrderKey): SortKey<RunRecord> {
  switch (k.type) {
    case "metric":
      return {
        ascending: k.ascending,
        group: (r) => {
          const v = own(r.metrics, k.key);
          return v === undefined ? 2 : Number.isNaN(v) ? 1 : 0;
        },
        value: (r) => {
          const v = own(r.metrics, k.key);
          return v === undefined ? undefined : storedMetricValue(v);
        },
      };
    case "parameter":
    case "tag": {
      const value = (r: RunRecord) => own(k.type === "tag" ? r.tags : r.params, k.key);
      return { ascending: k.ascending, group: (r) => value(r) === undefined ? 1 : 0, value };
    }
    case "attribute": {
      const value = (r: RunRecord) => runAttributeForSort(r, k.key);
      return { ascending: k.ascending, group: (r) => value(r) === undefined ? 1 : 0, value };
    }
  }
}

/**
 * Order runs by `keys`: in each key present values first, then (metrics) NaN, then missing,
 * whatever the direction; then `start_time DESC` unless ordered by start time; then
 * `run_id ASC`.
 */
export function runComparator(
  keys: readonly RunOrderKey[],
): (a: RunRecord, b: RunRecord) => number {
  const sortKeys = keys.map(runSortKey);
  if (!keys.some((k) => k.type === "attribute" && k.key === "start_time")) {
    sortKeys.push({ ascending: false, value: (r) => r.startTime });
  }
  sortKeys.push({ ascending: true, value: (r) => r.runId });
  return compareBy(sortKeys);
}

/** One parsed experiment `order_by` clause. */
export interface ExperimentOrderKey {
  readonly key: "name" | "experiment_id" | "creation_time" | "last_update_time";
  readonly ascending: boolean;
}

/** Default experiment order. */
export const DEFAULT_EXPERIMENT_ORDER_BY: readonly string[] = [
  "creation_time DESC",
  "experiment_id ASC",
];

/**
 * Parse experiment `order_by` clauses; empty means `creation_time DESC, experiment_id ASC`.
 * Unless ordered by `experiment_id`, `experiment_id DESC` is appended as the tie-breaker.
 */
export function parseExperimentOrderBy(
  orderBy: readonly string[] | null | undefined,
): ExperimentOrderKey[] {
  const clauses = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_EXPERIMENT_ORDER_BY;
  const keys: ExperimentOrderKey[] = clauses.map((clause) => {
    const { field, ascending } = parseOrderByString(clause);
    const id = experimentStyleIdentifier(pyStrip(field), EXPERIMENT_ORDER_ATTRIBUTES);
    if (id.type !== "attribute") throw invalidParameter(`Invalid order_by entity: ${id.type}`);
    return { key: id.key as ExperimentOrderKey["key"], ascending };
  });
  if (!keys.some((k) => k.key === "experiment_id")) {
    keys.push({ key: "experiment_id", ascending: false });
  }
  return keys;
}

function experimentIdValue(id: string): SortValue {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/** Order experiments by parsed keys. */
export function experimentComparator(
  keys: readonly ExperimentOrderKey[],
): (a: ExperimentRecord, b: ExperimentRecord) => number {
  return compareBy(keys.map((k): SortKey<ExperimentRecord> => ({
    ascending: k.ascending,
    value: (e) => {
      switch (k.key) {
        case "name":
          return e.name;
        case "experiment_id":
          return experimentIdValue(e.experimentId);
        case "creation_time":
          return e.creationTime;
        case "last_update_time":
          return e.lastUpdateTime;
      }
    },
  })));
}
