/**
 * Spans in `GetTrace`/`BatchGetTraces` answers, written as MLflow's server writes them: it turns
 * each stored span into an MLflow `Span` (`Span.from_otel_proto`) and back
 * (`Span.to_otel_proto`), then `message_to_json`. So: snake_case fields, ids as base64, status
 * codes by name, int64 values as JSON numbers (written digit for digit, never through a double),
 * attribute values re-encoded from their JSON form, `mlflow.traceRequestId` on every span, no
 * `kind`.
 *
 * The answer is assembled as text because nanosecond times do not fit a JavaScript number.
 *
 * @module
 */
import { type AnyValue, decodeAnyValue, type KeyValue } from "../../store/traces/otlp_values.ts";
import { mlflowTraceId, type StoredSpan } from "../../store/traces/span_model.ts";

const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
const str = (s: string) => JSON.stringify(s);

/** A decimal integer string as a JSON number (or 0 when absent). */
function int(text: string | number | undefined): string {
  const t = String(text ?? "0");
  return /^-?\d+$/.test(t) ? t.replace(/^(-?)0+(?=\d)/, "$1") : "0";
}

/** `_set_otel_proto_anyvalue` of the value MLflow gets back after its JSON round trip. */
function anyValueJson(v: AnyValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return `{"string_value":${str(v.stringValue)}}`;
  if (v.boolValue !== undefined) return `{"bool_value":${v.boolValue}}`;
  if (v.intValue !== undefined) return `{"int_value":${int(v.intValue)}}`;
  if (v.doubleValue !== undefined) {
    const d = Number(v.doubleValue);
    const text = Number.isFinite(d)
      ? String(d)
      : str(Number.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    return `{"double_value":${text}}`;
  }
  if (v.bytesValue !== undefined) return `{"string_value":${str(v.bytesValue)}}`;
  if (v.arrayValue !== undefined) {
    const items = (v.arrayValue.values ?? []).map((x) => anyValueJson(x) ?? "{}");
    return items.length ? `{"array_value":{"values":[${items.join(",")}]}}` : `{"array_value":{}}`;
  }
  if (v.kvlistValue !== undefined) {
    const items = (v.kvlistValue.values ?? []).map(keyValueJson);
    return items.length
      ? `{"kvlist_value":{"values":[${items.join(",")}]}}`
      : `{"kvlist_value":{}}`;
  }
  return undefined;
}

function keyValueJson(kv: KeyValue): string {
  const value = anyValueJson(kv.value);
  return value === undefined ? `{"key":${str(kv.key)}}` : `{"key":${str(kv.key)},"value":${value}}`;
}

/** The span's attributes as MLflow returns them, with `mlflow.traceRequestId` set. */
function attributes(span: StoredSpan): KeyValue[] {
  const requestId: KeyValue = {
    key: "mlflow.traceRequestId",
    value: { stringValue: mlflowTraceId(span) },
  };
  const out: KeyValue[] = [];
  let replaced = false;
  for (const a of span.attributes ?? []) {
    if (a.key === requestId.key) {
      out.push(requestId);
      replaced = true;
    } else out.push(a);
  }
  if (!replaced) out.push(requestId);
  return out;
}

function eventAttributes(attrs: KeyValue[] | undefined): KeyValue[] {
  // Event attributes are not JSON-encoded by MLflow: only decoded and re-encoded.
  return (attrs ?? []).filter((a) => decodeAnyValue(a.value) !== undefined);
}

/** One span as MLflow's proto JSON text. */
export function spanProtoJsonText(span: StoredSpan): string {
  const parts: string[] = [`"trace_id":${str(span.traceId)}`, `"span_id":${str(span.spanId)}`];
  if (span.parentSpanId) parts.push(`"parent_span_id":${str(span.parentSpanId)}`);
  if (span.name) parts.push(`"name":${str(span.name)}`);
  if (int(span.startTimeUnixNano) !== "0") {
    parts.push(`"start_time_unix_nano":${int(span.startTimeUnixNano)}`);
  }
  if (int(span.endTimeUnixNano) !== "0") {
    parts.push(`"end_time_unix_nano":${int(span.endTimeUnixNano)}`);
  }
  parts.push(`"attributes":[${attributes(span).map(keyValueJson).join(",")}]`);
  const events = (span.events ?? []).map((e) => {
    const ev: string[] = [];
    if (e.name) ev.push(`"name":${str(e.name)}`);
    if (int(e.timeUnixNano) !== "0") ev.push(`"time_unix_nano":${int(e.timeUnixNano)}`);
    const attrs = eventAttributes(e.attributes);
    if (attrs.length) ev.push(`"attributes":[${attrs.map(keyValueJson).join(",")}]`);
    return `{${ev.join(",")}}`;
  });
  if (events.length) parts.push(`"events":[${events.join(",")}]`);
  const links = (span.links ?? []).filter((l) => l.traceId && l.spanId).map((l) => {
    const attrs = l.attributes ?? [];
    return `{"trace_id":${str(l.traceId!)},"span_id":${str(l.spanId!)}${
      attrs.length ? `,"attributes":[${attrs.map(keyValueJson).join(",")}]` : ""
    }}`;
  });
  if (links.length) parts.push(`"links":[${links.join(",")}]`);
  const code = span.status?.code ?? 0;
  const status: string[] = [];
  if (code !== 0) status.push(`"code":${str(STATUS_NAMES[code] ?? "STATUS_CODE_UNSET")}`);
  // OpenTelemetry keeps a status description only for errors.
  if (code === 2 && span.status?.message) status.push(`"message":${str(span.status.message)}`);
  parts.push(`"status":{${status.join(",")}}`);
  return `{${parts.join(",")}}`;
}

/** A `Trace` message as JSON text: the info (already JSON-safe) plus the spans. */
export function traceJsonText(info: Record<string, unknown>, spans: StoredSpan[]): string {
  const infoText = JSON.stringify(info);
  if (spans.length === 0) return `{"trace_info":${infoText}}`;
  return `{"trace_info":${infoText},"spans":[${spans.map(spanProtoJsonText).join(",")}]}`;
}

/** A JSON response from pre-assembled text. */
export function jsonTextResponse(text: string): Response {
  return new Response(text, { headers: { "content-type": "application/json" } });
}
