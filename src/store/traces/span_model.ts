/**
 * A span as this server keeps it: the OTLP `Span` message in protobuf JSON form (camelCase
 * fields, ids as base64 bytes, nanosecond times as decimal strings), exactly as decoded from
 * `POST /v1/traces`. `GetTrace` sends it back unchanged (the client's `Trace.from_proto` reads
 * OTLP spans); {@link mlflowSpanDict} gives MLflow's `Span.to_dict()` shape for `traces.json`.
 *
 * @module
 */
import { type AnyValue, decodeAnyValue, type KeyValue, pyJsonOfAnyValue } from "./otlp_values.ts";

/** OTLP status codes. */
export const STATUS_UNSET = 0;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

/** An OTLP span in protobuf JSON form. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: KeyValue[];
  events?: { timeUnixNano?: string; name?: string; attributes?: KeyValue[] }[];
  links?: { traceId?: string; spanId?: string; attributes?: KeyValue[] }[];
  status?: { code?: number; message?: string };
  traceState?: string;
  flags?: number;
}

/** Base64 bytes → lower-case hex. */
export function base64ToHex(b64: string): string {
  const bin = atob(b64);
  let out = "";
  for (let i = 0; i < bin.length; i++) out += bin.charCodeAt(i).toString(16).padStart(2, "0");
  return out;
}

/** Lower-case hex → base64 bytes. */
export function hexToBase64(hex: string): string {
  let bin = "";
  for (let i = 0; i + 1 < hex.length; i += 2) {
    bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  }
  return btoa(bin);
}

/** The MLflow trace id of an OTLP trace id (`tr-<32 hex>`). */
export const mlflowTraceId = (span: StoredSpan): string => `tr-${base64ToHex(span.traceId)}`;
/** The span id as MLflow shows it (16 hex digits). */
export const spanIdHex = (span: StoredSpan): string => base64ToHex(span.spanId);
/** The parent span id in hex, or null for a root span. */
export function parentIdHex(span: StoredSpan): string | null {
  return span.parentSpanId ? base64ToHex(span.parentSpanId) : null;
}

/** Nanoseconds → milliseconds (floor), from the decimal string. */
export function nanosToMs(nanos: string | undefined): number | null {
  if (nanos === undefined || nanos === "" || nanos === "0") return null;
  return Number(BigInt(nanos) / 1_000_000n);
}

/** The value of one attribute, or undefined. */
export function attributeValue(span: StoredSpan, key: string): AnyValue | undefined {
  return span.attributes?.find((a) => a.key === key)?.value;
}

/** The attribute as MLflow stores it: the JSON text of its value. */
export function attributeJson(span: StoredSpan, key: string): string | undefined {
  const v = attributeValue(span, key);
  return v === undefined ? undefined : pyJsonOfAnyValue(v);
}

/** The attribute decoded, then (when it is a JSON string, as MLflow writes them) parsed. */
export function attributePlain(span: StoredSpan, key: string): unknown {
  const v = decodeAnyValue(attributeValue(span, key));
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

/** MLflow's `Span.to_dict()` of a stored span (what `traces.json` holds). */
export function mlflowSpanDict(span: StoredSpan): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  for (const a of span.attributes ?? []) attributes[a.key] = pyJsonOfAnyValue(a.value);
  attributes["mlflow.traceRequestId"] = JSON.stringify(mlflowTraceId(span));
  const end = span.endTimeUnixNano;
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId || null,
    name: span.name ?? "",
    start_time_unix_nano: Number(span.startTimeUnixNano ?? "0"),
    end_time_unix_nano: end && end !== "0" ? Number(end) : null,
    events: (span.events ?? []).map((e) => ({
      name: e.name ?? "",
      time_unix_nano: Number(e.timeUnixNano ?? "0"),
      attributes: Object.fromEntries(
        (e.attributes ?? []).map((a) => [a.key, decodeAnyValue(a.value)]),
      ),
    })),
    status: {
      code: STATUS_NAMES[span.status?.code ?? 0] ?? "STATUS_CODE_UNSET",
      message: span.status?.message ?? "",
    },
    attributes,
    links: [],
  };
}

/** The span type MLflow records (`mlflow.spanType`), or null. */
export function spanType(span: StoredSpan): string | null {
  const v = attributePlain(span, "mlflow.spanType");
  return typeof v === "string" ? v : null;
}
