/**
 * The logged-model record item (MLflow 3 `LoggedModel`) and the entity the store returns.
 *
 * One item per model at `LM#<model_id>` / `LM`, holding info, tags and params as maps. While the
 * model is active it also carries GSI1 keys (`EXPLMS#<experiment>`, newest first), so searches
 * read complete records from the index; deleting a model removes those keys.
 *
 * @module
 */
import { loggedModelGsi1, loggedModelKey } from "../../keys/key_schema.ts";
import { fromItem, type RawItem, toItem } from "../db.ts";
import type { LifecycleStage, Metric } from "../entities.ts";

/** `LoggedModelStatus` of service.proto, by name (proto number = index). */
export const LOGGED_MODEL_STATUSES = [
  "LOGGED_MODEL_STATUS_UNSPECIFIED",
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

/** A logged model as the store returns it. */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: LoggedModelStatus;
  lifecycleStage: LifecycleStage;
  /** MLflow stores "" when the request leaves these out, and returns it. */
  modelType: string;
  sourceRunId: string;
  statusMessage?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Every point logged with this model's id (not only the latest), in arrival order. */
  metrics: Metric[];
}

/** The record as stored (snake_case attribute names). */
export interface LoggedModelRecord {
  model_id: string;
  experiment_id: string;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: LoggedModelStatus;
  lifecycle_stage: LifecycleStage;
  model_type: string;
  source_run_id: string;
  status_message?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
}

/** The item of a new (active) model record, with its index keys. */
export function loggedModelItem(r: LoggedModelRecord): RawItem {
  return toItem({
    ...loggedModelKey(r.model_id),
    ...loggedModelGsi1(r.experiment_id, r.model_id, r.creation_timestamp_ms),
    ...r,
  });
}

/** Reads a record item (from the table or from GSI1, which projects everything). */
export function loggedModelRecordFromItem(item: RawItem): LoggedModelRecord {
  const r = fromItem<LoggedModelRecord>(item);
  return {
    model_id: r.model_id,
    experiment_id: r.experiment_id,
    name: r.name,
    artifact_location: r.artifact_location,
    creation_timestamp_ms: Number(r.creation_timestamp_ms),
    last_updated_timestamp_ms: Number(r.last_updated_timestamp_ms),
    status: r.status,
    lifecycle_stage: r.lifecycle_stage,
    model_type: r.model_type ?? "",
    source_run_id: r.source_run_id ?? "",
    ...(r.status_message !== undefined ? { status_message: r.status_message } : {}),
    tags: r.tags ?? {},
    params: r.params ?? {},
  };
}

/** The entity of a record and its metric points. */
export function toLoggedModel(r: LoggedModelRecord, metrics: Metric[]): LoggedModel {
  return {
    modelId: r.model_id,
    experimentId: r.experiment_id,
    name: r.name,
    artifactLocation: r.artifact_location,
    creationTimestamp: r.creation_timestamp_ms,
    lastUpdatedTimestamp: r.last_updated_timestamp_ms,
    status: r.status,
    lifecycleStage: r.lifecycle_stage,
    modelType: r.model_type,
    sourceRunId: r.source_run_id,
    ...(r.status_message !== undefined ? { statusMessage: r.status_message } : {}),
    tags: r.tags,
    params: r.params,
    metrics,
  };
}

/** Python's `repr()` of a string, as MLflow's `{x!r}` messages show it. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return out + quote;
}
