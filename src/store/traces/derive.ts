/**
 * Trace info derived from spans, as MLflow's SQL store derives it in `log_spans`: request time
 * (earliest span start), duration (to the latest end), state (from the root span), request and
 * response previews (root span inputs/outputs, chat messages unwrapped, 1000 characters), token
 * usage (`mlflow.chat.tokenUsage`), session and user ids, tags from the root span's
 * `mlflow.traceTag.*` attributes and from resource attributes.
 *
 * Once the client's `StartTraceV3` has finalized the info (metadata `mlflow.trace.infoFinalized`),
 * spans no longer change times or token usage; they still fill what is missing.
 *
 * @module
 */
import {
  type AnyValue,
  decodeAnyValue,
  pyJson,
  pyJsonOfAnyValue,
  tryParseJson,
} from "./otlp_values.ts";
import {
  attributeJson,
  attributePlain,
  nanosToMs,
  parentIdHex,
  spanIdHex,
  spanType,
  STATUS_ERROR,
  type StoredSpan,
} from "./span_model.ts";
import {
  META_INFO_FINALIZED,
  META_SESSION,
  META_TOKEN_USAGE,
  META_USER,
  SPANS_IN_TRACKING_STORE,
  TAG_SPANS_LOCATION,
  type TraceRecord,
} from "./trace_record.ts";

/** `TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS`. */
export const PREVIEW_MAX_LENGTH = 1000;
const TRACE_TAG_PREFIX = "mlflow.traceTag.";

type Msg = Record<string, unknown>;
const isMessage = (m: unknown): m is Msg =>
  typeof m === "object" && m !== null && !Array.isArray(m) && "role" in m && "content" in m;

function extractMessages(obj: unknown): Msg[] | null {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  if (Array.isArray(o.messages) && o.messages.length > 0) return o.messages.filter(isMessage);
  if (Array.isArray(o.choices) && o.choices.length > 0) {
    const first = o.choices[0] as Record<string, unknown> | undefined;
    if (first && typeof first === "object" && isMessage(first.message)) return [first.message];
  }
  if (Array.isArray(o.input) && o.input.length > 0) return o.input.filter(isMessage);
  if (Array.isArray(o.output) && o.output.length > 0) return o.output.filter(isMessage);
  if ("request" in o) return extractMessages(o.request);
  return null;
}

function messageText(m: Msg): string {
  const c = m.content;
  if (typeof c === "string") return c;
  if (Array.isArray(c)) {
    for (const part of c) {
      if (typeof part === "string") return part;
      if (part && typeof part === "object" && ["text", "output_text"].includes(part.type)) {
        return String(part.text ?? "");
      }
    }
  }
  return "";
}

/** `_get_truncated_preview` of a JSON text. */
export function truncatedPreview(text: string, role: "user" | "assistant"): string {
  let content: string | null = null;
  const obj = tryParseJson(text);
  if (obj !== text) {
    const messages = extractMessages(obj);
    if (messages && messages.length > 0) {
      const msg = [...messages].reverse().find((m) => m.role === role) ?? messages.at(-1)!;
      content = messageText(msg);
    }
  }
  const out = content || text;
  return out.length <= PREVIEW_MAX_LENGTH ? out : `${out.slice(0, PREVIEW_MAX_LENGTH - 3)}...`;
}

/** What one batch of spans says about its trace. */
export interface SpanAggregate {
  minStartMs: number;
  maxEndMs: number | null;
  rootStatus: "OK" | "ERROR" | null;
  root: StoredSpan | null;
  usage: Record<string, number> | null;
  sessionId: string | null;
  userId: string | null;
  rootTags: Record<string, string>;
  names: string[];
  types: string[];
  statuses: string[];
}

/** At most this many distinct span names (types, statuses) are kept per trace for filters. */
export const MAX_SPAN_FACETS = 200;
const STATUS_NAMES = ["UNSET", "OK", "ERROR"];

function union(old: string[] | undefined, add: string[]): string[] {
  const out = new Set(old ?? []);
  for (const v of add) {
    if (out.size >= MAX_SPAN_FACETS) break;
    out.add(v);
  }
  return [...out];
}

const TOKEN_ORDER = [
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
];
const USAGE_KEYS = TOKEN_ORDER;

function usageOf(span: StoredSpan): Record<string, number> | null {
  const v = attributePlain(span, "mlflow.chat.tokenUsage");
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  const out: Record<string, number> = {};
  for (const k of USAGE_KEYS) {
    const n = (v as Record<string, unknown>)[k];
    if (typeof n === "number" && Number.isFinite(n)) out[k] = n;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * Token usage of a set of spans: a span's usage counts unless an ancestor in the set already
 * carries usage (rollup spans report their children's tokens), as the client aggregates it.
 */
export function aggregateUsage(spans: StoredSpan[]): Record<string, number> | null {
  const byId = new Map(spans.map((s) => [spanIdHex(s), s]));
  const usage = new Map(spans.map((s) => [spanIdHex(s), usageOf(s)]));
  const total: Record<string, number> = {};
  let any = false;
  for (const s of spans) {
    const u = usage.get(spanIdHex(s));
    if (!u) continue;
    let parent = parentIdHex(s);
    let covered = false;
    const seen = new Set<string>();
    while (parent && byId.has(parent) && !seen.has(parent)) {
      seen.add(parent);
      if (usage.get(parent)) {
        covered = true;
        break;
      }
      parent = parentIdHex(byId.get(parent)!);
    }
    if (covered) continue;
    any = true;
    for (const [k, n] of Object.entries(u)) total[k] = (total[k] ?? 0) + n;
  }
  if (!any) return null;
  // MLflow always reports input, output and total (0 when no span gave them).
  for (const k of ["input_tokens", "output_tokens", "total_tokens"]) total[k] ??= 0;
  return total;
}

function plainString(v: AnyValue | undefined): string | null {
  const d = decodeAnyValue(v);
  if (d === undefined || d === null) return null;
  const parsed = typeof d === "string" ? tryParseJson(d) : d;
  return typeof parsed === "string" ? parsed : JSON.stringify(parsed);
}

/** Aggregates one batch of spans of one trace. */
export function aggregateSpans(spans: StoredSpan[]): SpanAggregate {
  let minStartMs = Infinity;
  let maxEndMs: number | null = null;
  let root: StoredSpan | null = null;
  let sessionId: string | null = null;
  let userId: string | null = null;
  const rootTags: Record<string, string> = {};
  const names = new Set<string>();
  const types = new Set<string>();
  const statuses = new Set<string>();
  for (const s of spans) {
    names.add(s.name ?? "");
    const type = spanType(s);
    if (type !== null) types.add(type);
    statuses.add(STATUS_NAMES[s.status?.code ?? 0] ?? "UNSET");
    const start = nanosToMs(s.startTimeUnixNano) ?? 0;
    minStartMs = Math.min(minStartMs, start);
    const end = nanosToMs(s.endTimeUnixNano);
    if (end !== null) maxEndMs = maxEndMs === null ? end : Math.max(maxEndMs, end);
    if (!s.parentSpanId) root = s;
    const attr = (k: string) => s.attributes?.find((a) => a.key === k)?.value;
    sessionId ??= plainString(attr("session.id")) ?? plainString(attr("gen_ai.conversation.id"));
    userId ??= plainString(attr("user.id"));
  }
  if (root) {
    for (const a of root.attributes ?? []) {
      if (!a.key.startsWith(TRACE_TAG_PREFIX)) continue;
      const value = tryParseJson(pyJsonOfAnyValue(a.value));
      const text = typeof value === "string" ? value : JSON.stringify(value);
      rootTags[a.key.slice(TRACE_TAG_PREFIX.length)] = text;
    }
  }
  return {
    minStartMs: Number.isFinite(minStartMs) ? minStartMs : 0,
    maxEndMs,
    rootStatus: root ? (root.status?.code === STATUS_ERROR ? "ERROR" : "OK") : null,
    root,
    usage: aggregateUsage(spans),
    sessionId,
    userId,
    rootTags,
    names: [...names],
    types: [...types],
    statuses: [...statuses],
  };
}

/** Applies a span batch to a trace record (mutates and returns it). */
export function applySpanAggregate(
  record: TraceRecord,
  agg: SpanAggregate,
  resourceTags: Record<string, string>,
  isNew: boolean,
): TraceRecord {
  const finalized = record.metadata[META_INFO_FINALIZED] === "true";
  if (!finalized) {
    const oldStart = record.request_time;
    const start = isNew ? agg.minStartMs : Math.min(oldStart, agg.minStartMs);
    const oldEnd = record.execution_duration != null ? oldStart + record.execution_duration : null;
    const end = agg.maxEndMs === null ? oldEnd : Math.max(oldEnd ?? agg.maxEndMs, agg.maxEndMs);
    record.request_time = start;
    record.execution_duration = end === null ? record.execution_duration ?? null : end - start;
  }
  if (
    (record.state === "IN_PROGRESS" || record.state === "STATE_UNSPECIFIED") && agg.rootStatus
  ) {
    record.state = agg.rootStatus;
  }
  if (agg.root) {
    const inputs = attributeJson(agg.root, "mlflow.spanInputs");
    const outputs = attributeJson(agg.root, "mlflow.spanOutputs");
    if (record.request_preview == null && inputs !== undefined) {
      record.request_preview = truncatedPreview(inputs, "user");
    }
    if (record.response_preview == null && outputs !== undefined) {
      record.response_preview = truncatedPreview(outputs, "assistant");
    }
  }
  if (agg.usage && !(finalized && record.metadata[META_TOKEN_USAGE])) {
    const old = isNew ? null : tryParseJson(record.metadata[META_TOKEN_USAGE] ?? "");
    const merged: Record<string, number> = { ...agg.usage };
    if (old && typeof old === "object") {
      for (const [k, n] of Object.entries(old as Record<string, number>)) {
        merged[k] = (merged[k] ?? 0) + Number(n);
      }
    }
    // As MLflow re-serializes it from its columns: json.dumps, keys in column order.
    const ordered = Object.fromEntries(
      TOKEN_ORDER.filter((k) => merged[k] !== undefined).map((k) => [k, merged[k]]),
    );
    record.metadata[META_TOKEN_USAGE] = pyJson(ordered);
  }
  if (agg.sessionId && !record.metadata[META_SESSION]) {
    record.metadata[META_SESSION] = agg.sessionId;
  }
  if (agg.userId && !record.metadata[META_USER]) record.metadata[META_USER] = agg.userId;
  for (const [k, v] of Object.entries(resourceTags)) record.tags[k] = v;
  for (const [k, v] of Object.entries(agg.rootTags)) record.tags[k] = v;
  record.span_names = union(record.span_names, agg.names);
  record.span_types = union(record.span_types, agg.types);
  record.span_statuses = union(record.span_statuses, agg.statuses);
  record.tags[TAG_SPANS_LOCATION] = SPANS_IN_TRACKING_STORE;
  return record;
}
