/**
 * `order_by` for registered models, model versions and logged models: parsing (with
 * MLflow's errors) and comparators (with the SQL stores' defaults and tie-breakers).
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import { compareBy, presentFirst, type SortKey, type SortValue } from "./compare.ts";
import { experimentStyleIdentifier } from "./experiments_filter.ts";
import { duplicateOrderBy } from "./order_by.ts";
import { parseOrderByString, pyStrip } from "./order_syntax.ts";
import { reprStrSet } from "./py_repr.ts";
import type { LoggedModelRecord, ModelVersionRecord, RegisteredModelRecord } from "./records.ts";
import { storedMetricValue } from "./sql_values.ts";

// ---------------------------------------------------------------------------------------------
// Registered models

/** One parsed registered-model `order_by` clause. */
export interface RegisteredModelOrderKey {
  readonly field: "name" | "last_updated_timestamp";
  readonly ascending: boolean;
}

const RM_KEYS = new Set(["timestamp", "last_updated_timestamp", "name"]);

/**
 * Parse registered-model `order_by` clauses (`name`, `timestamp` or
 * `last_updated_timestamp`, no entity prefix); `name ASC` is appended unless present.
 */
export function parseRegisteredModelOrderBy(
  orderBy: readonly string[] | null | undefined,
): RegisteredModelOrderKey[] {
  const keys: RegisteredModelOrderKey[] = [];
  for (const clause of orderBy ?? []) {
    const { field, ascending } = parseOrderByString(clause);
    const token = pyStrip(field);
    if (!RM_KEYS.has(token)) {
      throw invalidParameter(
        `Invalid order by key '${token}' specified. Valid keys are '${
          reprStrSet(["name", "timestamp"])
        }'`,
      );
    }
    const f = token === "name" ? "name" : "last_updated_timestamp";
    if (keys.some((k) => k.field === f)) throw duplicateOrderBy(orderBy ?? []);
    keys.push({ field: f, ascending });
  }
  if (!keys.some((k) => k.field === "name")) keys.push({ field: "name", ascending: true });
  return keys;
}

/** Order registered models by parsed keys. */
export function registeredModelComparator(
  keys: readonly RegisteredModelOrderKey[],
): (a: RegisteredModelRecord, b: RegisteredModelRecord) => number {
  return compareBy(keys.map((k): SortKey<RegisteredModelRecord> => ({
    ascending: k.ascending,
    value: (m) => k.field === "name" ? m.name : m.lastUpdatedTimestamp,
  })));
}

// ---------------------------------------------------------------------------------------------
// Model versions

/** One parsed model-version `order_by` clause. */
export interface ModelVersionOrderKey {
  readonly field: "name" | "version_number" | "creation_timestamp" | "last_updated_timestamp";
  readonly ascending: boolean;
}

const MV_KEYS: ReadonlySet<string> = new Set([
  "name",
  "version_number",
  "creation_timestamp",
  "last_updated_timestamp",
]);

/** Default model-version order. */
export const DEFAULT_MODEL_VERSION_ORDER_BY: readonly string[] = [
  "last_updated_timestamp DESC",
  "name ASC",
  "version_number DESC",
];

/**
 * Parse model-version `order_by` clauses; empty means `last_updated_timestamp DESC, name
 * ASC, version_number DESC`. `name ASC` and `version_number DESC` are appended unless
 * present.
 */
export function parseModelVersionOrderBy(
  orderBy: readonly string[] | null | undefined,
): ModelVersionOrderKey[] {
  const clauses = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_MODEL_VERSION_ORDER_BY;
  const keys: ModelVersionOrderKey[] = [];
  for (const clause of clauses) {
    const { field, ascending } = parseOrderByString(clause);
    const { key } = experimentStyleIdentifier(pyStrip(field), MV_KEYS);
    if (!MV_KEYS.has(key)) {
      throw invalidParameter(
        `Invalid order by key '${key}' specified. Valid keys are ${reprStrSet(MV_KEYS)}`,
      );
    }
    if (keys.some((k) => k.field === key)) throw duplicateOrderBy(clauses);
    keys.push({ field: key as ModelVersionOrderKey["field"], ascending });
  }
  if (!keys.some((k) => k.field === "name")) keys.push({ field: "name", ascending: true });
  if (!keys.some((k) => k.field === "version_number")) {
    keys.push({ field: "version_number", ascending: false });
  }
  return keys;
}

/** Order model versions by parsed keys. */
export function modelVersionComparator(
  keys: readonly ModelVersionOrderKey[],
): (a: ModelVersionRecord, b: ModelVersionRecord) => number {
  return compareBy(keys.map((k): SortKey<ModelVersionRecord> => ({
    ascending: k.ascending,
    value: (mv) => {
      switch (k.field) {
        case "name":
          return mv.name;
        case "version_number":
          return mv.version;
        case "creation_timestamp":
          return mv.creationTimestamp;
        case "last_updated_timestamp":
          return mv.lastUpdatedTimestamp;
      }
    },
  })));
}

// ---------------------------------------------------------------------------------------------
// Logged models

/** A SearchLoggedModels `order_by` entry (structured, not a string). */
export interface LoggedModelOrderBy {
  readonly fieldName: string;
  readonly ascending?: boolean;
  readonly datasetName?: string;
  readonly datasetDigest?: string;
}

/** One resolved logged-model sort field. */
export interface LoggedModelOrderKey {
  /** An attribute name (aliases resolved) or `metrics.<key>`. */
  readonly field: string;
  readonly ascending: boolean;
  readonly datasetName?: string;
  readonly datasetDigest?: string;
}

const LM_FIELDS: Readonly<Record<string, string>> = {
  model_id: "model_id",
  experiment_id: "experiment_id",
  name: "name",
  status: "status",
  model_type: "model_type",
  source_run_id: "source_run_id",
  creation_timestamp: "creation_timestamp",
  creation_time: "creation_timestamp",
  creation_timestamp_ms: "creation_timestamp",
  last_updated_timestamp: "last_updated_timestamp",
  last_updated_time: "last_updated_timestamp",
  last_updated_timestamp_ms: "last_updated_timestamp",
};

/** `LoggedModelStatus` numbers; the SQL store sorts the status column by them. */
const STATUS_ORDER: Readonly<Record<string, number>> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
};

/**
 * Resolve logged-model `order_by` entries (`_apply_order_by_search_logged_models`);
 * `creation_timestamp DESC` is appended unless present, then `model_id ASC`.
 */
export function parseLoggedModelOrderBy(
  orderBy: readonly LoggedModelOrderBy[] | null | undefined,
): LoggedModelOrderKey[] {
  const keys: LoggedModelOrderKey[] = (orderBy ?? []).map((ob) => {
    const ascending = ob.ascending ?? true;
    const dot = ob.fieldName.indexOf(".");
    if (dot < 0) {
      const field = Object.hasOwn(LM_FIELDS, ob.fieldName) ? LM_FIELDS[ob.fieldName] : undefined;
      if (field === undefined) {
        throw invalidParameter(`Invalid order by field name: ${ob.fieldName}`);
      }
      return { field, ascending };
    }
    if (ob.fieldName.slice(0, dot) !== "metrics") {
      throw invalidParameter(
        `Invalid order by field name: ${ob.fieldName}. Only metrics are supported.`,
      );
    }
    return {
      field: ob.fieldName,
      ascending,
      ...(ob.datasetName ? { datasetName: ob.datasetName } : {}),
      ...(ob.datasetDigest ? { datasetDigest: ob.datasetDigest } : {}),
    };
  });
  if (!keys.some((k) => k.field === "creation_timestamp")) {
    keys.push({ field: "creation_timestamp", ascending: false });
  }
  keys.push({ field: "model_id", ascending: true });
  return keys;
}

function latestMetric(m: LoggedModelRecord, k: LoggedModelOrderKey): SortValue {
  const name = k.field.slice(k.field.indexOf(".") + 1);
  let best: LoggedModelRecord["metrics"][number] | undefined;
  for (const x of m.metrics) {
    if (x.key !== name) continue;
    if (k.datasetName !== undefined && x.datasetName !== k.datasetName) continue;
    if (k.datasetDigest !== undefined && x.datasetDigest !== k.datasetDigest) continue;
    if (
      best === undefined || x.timestamp > best.timestamp ||
      (x.timestamp === best.timestamp && x.step > best.step)
    ) best = x;
  }
  return best === undefined ? undefined : storedMetricValue(best.value);
}

function loggedModelValue(m: LoggedModelRecord, k: LoggedModelOrderKey): SortValue {
  switch (k.field) {
    case "model_id":
      return m.modelId;
    case "experiment_id":
      return m.experimentId === undefined ? undefined : Number(m.experimentId);
    case "name":
      return m.name;
    case "status":
      return STATUS_ORDER[m.status] ?? STATUS_ORDER[`LOGGED_MODEL_${m.status}`] ?? 0;
    case "model_type":
      return m.modelType;
    case "source_run_id":
      return m.sourceRunId;
    case "creation_timestamp":
      return m.creationTimestamp;
    case "last_updated_timestamp":
      return m.lastUpdatedTimestamp;
    default:
      return latestMetric(m, k);
  }
}

/** Order logged models: each key with missing values last, whatever the direction. */
export function loggedModelComparator(
  keys: readonly LoggedModelOrderKey[],
): (a: LoggedModelRecord, b: LoggedModelRecord) => number {
  return compareBy(keys.map((k): SortKey<LoggedModelRecord> => {
    const value = (m: LoggedModelRecord) => loggedModelValue(m, k);
    return { ascending: k.ascending, value, group: presentFirst(value) };
  }));
}
