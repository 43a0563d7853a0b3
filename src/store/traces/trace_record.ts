/**
 * The trace info item: one DynamoDB item per trace holding what MLflow's `TraceInfoV3` holds
 * (state, request time, duration, previews, tags, metadata) plus the trace's assessments, so
 * reading a trace's info, listing and filtering traces never need a second read per trace.
 *
 * @module
 */
import { traceGsi1, traceInfoKey, TTL_ATTRIBUTE } from "../../keys/key_schema.ts";
import { fromItem, type RawItem, toItem } from "../db.ts";

/** Trace states (`TraceState`). */
export const TRACE_STATES = ["STATE_UNSPECIFIED", "OK", "ERROR", "IN_PROGRESS"] as const;
export type TraceState = typeof TRACE_STATES[number];

/** MLflow's tag and metadata keys this server reads or writes. */
export const TAG_TRACE_NAME = "mlflow.traceName";
export const TAG_ARTIFACT_LOCATION = "mlflow.artifactLocation";
export const TAG_SPANS_LOCATION = "mlflow.trace.spansLocation";
export const TAG_LINKED_PROMPTS = "mlflow.linkedPrompts";
export const SPANS_IN_TRACKING_STORE = "TRACKING_STORE";
export const META_SOURCE_RUN = "mlflow.sourceRun";
export const META_TOKEN_USAGE = "mlflow.trace.tokenUsage";
export const META_SESSION = "mlflow.trace.session";
export const META_USER = "mlflow.trace.user";
export const META_SIZE_STATS = "mlflow.trace.sizeStats";
export const META_INFO_FINALIZED = "mlflow.trace.infoFinalized";

/** One assessment as the client sends and reads it (proto JSON, snake_case). */
export type AssessmentJson = Record<string, unknown> & {
  assessment_id: string;
  assessment_name?: string;
  trace_id?: string;
};

/** What the info item holds. */
export interface TraceRecord {
  trace_id: string;
  experiment_id: string;
  request_time: number;
  execution_duration?: number | null;
  state: TraceState;
  client_request_id?: string | null;
  request_preview?: string | null;
  response_preview?: string | null;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  /** Assessments by id, each the JSON text of the assessment. */
  assessments: Record<string, string>;
  /** Distinct span names, types and statuses (for `span.*` filters), capped. */
  span_names?: string[];
  span_types?: string[];
  span_statuses?: string[];
  /** Prompt versions linked to the trace (`<name>/<version>`). */
  linked_prompts?: string[];
  /** Run this trace is linked to through link-to-run (besides `mlflow.sourceRun`). */
  linked_runs?: string[];
  /** Optimistic-concurrency version of the item. */
  ver: number;
  /** Epoch seconds after which DynamoDB's TTL may delete the info item. */
  expires_at?: number;
}

/** The info item of `record`, with its listing index attributes. */
export function traceInfoItem(record: TraceRecord): RawItem {
  const { expires_at, ...rest } = record;
  return toItem({
    ...traceInfoKey(record.trace_id),
    ...traceGsi1(record.experiment_id, record.trace_id, record.request_time),
    ...rest,
    ...(expires_at !== undefined ? { [TTL_ATTRIBUTE]: expires_at } : {}),
  });
}

/** Reads an info item back. */
export function traceRecordFromItem(item: RawItem): TraceRecord {
  const raw = fromItem<TraceRecord & Record<string, unknown>>(item);
  return {
    trace_id: raw.trace_id,
    experiment_id: raw.experiment_id,
    request_time: Number(raw.request_time),
    execution_duration: raw.execution_duration === undefined || raw.execution_duration === null
      ? null
      : Number(raw.execution_duration),
    state: raw.state,
    client_request_id: raw.client_request_id ?? null,
    request_preview: raw.request_preview ?? null,
    response_preview: raw.response_preview ?? null,
    tags: raw.tags ?? {},
    metadata: raw.metadata ?? {},
    assessments: raw.assessments ?? {},
    linked_runs: raw.linked_runs ?? [],
    linked_prompts: raw.linked_prompts ?? [],
    span_names: raw.span_names ?? [],
    span_types: raw.span_types ?? [],
    span_statuses: raw.span_statuses ?? [],
    ver: Number(raw.ver ?? 0),
    ...(raw[TTL_ATTRIBUTE] !== undefined ? { expires_at: Number(raw[TTL_ATTRIBUTE]) } : {}),
  };
}

/** The assessments of a record, oldest first. */
export function recordAssessments(record: TraceRecord): AssessmentJson[] {
  return Object.values(record.assessments)
    .map((text) => JSON.parse(text) as AssessmentJson)
    .sort((a, b) => String(a.create_time ?? "").localeCompare(String(b.create_time ?? "")));
}

/** The run ids a trace belongs to: its `mlflow.sourceRun` and its link-to-run links. */
export function recordRunIds(record: TraceRecord): string[] {
  const ids = new Set(record.linked_runs ?? []);
  const source = record.metadata[META_SOURCE_RUN];
  if (source) ids.add(source);
  return [...ids];
}
