/**
 * Trace messages on the wire: `TraceInfoV3` (proto JSON: `request_time` as an RFC 3339
 * timestamp, `execution_duration` as a `"1.5s"` duration, state by name), the v2 `TraceInfo`
 * the legacy endpoints answer with, and `Trace` (info plus OTLP spans).
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import {
  recordAssessments,
  type TraceRecord,
  type TraceState,
} from "../../store/traces/trace_record.ts";
import { nonEmpty } from "../json.ts";

/** ms since the epoch → proto `Timestamp` JSON. */
export function timestampJson(ms: number): string {
  const iso = new Date(ms).toISOString(); // always .sss
  return iso.endsWith(".000Z") ? iso.replace(".000Z", "Z") : iso;
}

/** `ms` when it is a whole-millisecond count DynamoDB can store exactly, else MLflow's 400. */
function checkedMs(ms: number, value: unknown, field: string): number {
  if (Number.isFinite(ms) && Math.abs(ms) <= Number.MAX_SAFE_INTEGER) return Math.trunc(ms);
  throw invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter '${field}'`);
}

/** Proto `Timestamp` JSON (or a number of ms) → ms. */
export function parseTimestamp(value: unknown, field: string): number {
  if (typeof value === "number") return checkedMs(value, value, field);
  if (typeof value === "string") {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) {
      // Date.parse keeps milliseconds only; that is the precision MLflow stores.
      return ms;
    }
  }
  if (value && typeof value === "object") {
    const o = value as { seconds?: unknown; nanos?: unknown };
    const ms = Number(o.seconds ?? 0) * 1000 + Math.floor(Number(o.nanos ?? 0) / 1e6);
    return checkedMs(ms, value, field);
  }
  throw invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter '${field}'`);
}

/** ms → proto `Duration` JSON. */
export function durationJson(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  const secs = Math.floor(abs / 1000);
  const frac = abs % 1000;
  return frac === 0 ? `${sign}${secs}s` : `${sign}${secs}.${String(frac).padStart(3, "0")}s`;
}

/** Proto `Duration` JSON → ms. */
export function parseDuration(value: unknown, field: string): number {
  if (typeof value === "number") return checkedMs(value, value, field);
  if (typeof value === "string") {
    const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value.trim());
    if (m) {
      const ms = Number(m[2]) * 1000 + Number((m[3] ?? "").padEnd(9, "0").slice(0, 3));
      return checkedMs(m[1] === "-" ? -ms : ms, value, field);
    }
  }
  if (value && typeof value === "object") {
    const o = value as { seconds?: unknown; nanos?: unknown };
    const ms = Number(o.seconds ?? 0) * 1000 + Math.floor(Number(o.nanos ?? 0) / 1e6);
    return checkedMs(ms, value, field);
  }
  throw invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter '${field}'`);
}

/** A `TraceInfoV3` message. */
export function traceInfoJson(r: TraceRecord): Record<string, unknown> {
  return {
    trace_id: r.trace_id,
    ...(r.client_request_id ? { client_request_id: r.client_request_id } : {}),
    trace_location: {
      type: "MLFLOW_EXPERIMENT",
      mlflow_experiment: { experiment_id: r.experiment_id },
    },
    ...(r.request_preview != null ? { request_preview: r.request_preview } : {}),
    ...(r.response_preview != null ? { response_preview: r.response_preview } : {}),
    request_time: timestampJson(r.request_time),
    ...(r.execution_duration != null
      ? { execution_duration: durationJson(r.execution_duration) }
      : {}),
    state: r.state,
    trace_metadata: r.metadata,
    tags: r.tags,
    assessments: nonEmpty(recordAssessments(r)),
  };
}

const V2_STATUS: Record<TraceState, string> = {
  STATE_UNSPECIFIED: "TRACE_STATUS_UNSPECIFIED",
  OK: "OK",
  ERROR: "ERROR",
  IN_PROGRESS: "IN_PROGRESS",
};

/** A v2 `TraceInfo` message (legacy endpoints). */
export function traceInfoV2Json(r: TraceRecord): Record<string, unknown> {
  return {
    request_id: r.trace_id,
    experiment_id: r.experiment_id,
    timestamp_ms: r.request_time,
    ...(r.execution_duration != null ? { execution_time_ms: r.execution_duration } : {}),
    status: V2_STATUS[r.state],
    request_metadata: nonEmpty(
      Object.entries(r.metadata).map(([key, value]) => ({ key, value })),
    ),
    tags: nonEmpty(Object.entries(r.tags).map(([key, value]) => ({ key, value }))),
  };
}
