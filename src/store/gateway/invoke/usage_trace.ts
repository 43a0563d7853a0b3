/**
 * Usage tracking (MLflow's `maybe_traced_gateway_call`): with `usage_tracking` on, each
 * invocation (a streamed chat aggregated into one answer; passthrough streams excepted) becomes a
 * trace in the endpoint's experiment: a root span
 * `gateway/<endpoint>` holding the request and the answer (attributes `endpoint_id`,
 * `endpoint_name`, `server_url`), one LLM span `provider/<provider>/<model>` per provider
 * attempt (`mlflow.llm.provider`, `mlflow.llm.model`, `method`, `mlflow.chat.tokenUsage`), and the
 * trace metadata `mlflow.gateway.endpointId`, `mlflow.gateway.requestType` and
 * `mlflow.gateway.caller`. Written as the client SDK writes a trace: the spans (`logSpans`), then
 * the finished info (`startTrace`). A failure to record never fails the call.
 *
 * @module
 */
import { logSpans } from "../../traces/log_spans.ts";
import type { AnyValue, KeyValue } from "../../traces/otlp_values.ts";
import { hexToBase64, STATUS_ERROR, STATUS_OK, type StoredSpan } from "../../traces/span_model.ts";
import type { TraceStore } from "../../traces/trace_store.ts";
import type { EndpointCallConfig } from "./endpoint_config.ts";
import type { Json } from "./payloads.ts";

/** One provider attempt, as the LLM span records it. */
export interface ProviderSpan {
  provider: string;
  model: string;
  method: string;
  startMs: number;
  endMs: number;
  usage?: Record<string, number>;
  error?: string;
}

/** What the root span and the trace record of one call. */
export interface TracedCall {
  config: EndpointCallConfig;
  requestType: string;
  headers: Record<string, string>;
  inputs: unknown;
  outputs?: unknown;
  error?: string;
  startMs: number;
  endMs: number;
  providers: ProviderSpan[];
}

const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
/** `_set_otel_proto_anyvalue`: a plain value as the SDK exports it (null: unset). */
export function toAnyValue(v: unknown): AnyValue {
  if (v === null || v === undefined) return {};
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "number") {
    return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAnyValue) } };
  return {
    kvlistValue: {
      values: Object.entries(v as Record<string, unknown>).map(([key, x]) => ({
        key,
        value: toAnyValue(x),
      })),
    },
  };
}

const attr = (key: string, value: unknown): KeyValue => ({ key, value: toAnyValue(value) });

/** `_extract_token_usage` of an answer with OpenAI- or Anthropic-style usage. */
export function tokenUsage(answer: unknown): Record<string, number> | undefined {
  const u = (answer as Json | undefined)?.usage as Record<string, unknown> | undefined;
  if (!u || typeof u !== "object") return undefined;
  const out: Record<string, number> = {};
  const input = u.prompt_tokens ?? u.input_tokens;
  const output = u.completion_tokens ?? u.output_tokens;
  if (typeof input === "number") out.input_tokens = input;
  if (typeof output === "number") out.output_tokens = output;
  if (typeof u.total_tokens === "number") out.total_tokens = u.total_tokens;
  else if (out.input_tokens !== undefined && out.output_tokens !== undefined) {
    out.total_tokens = out.input_tokens + out.output_tokens;
  }
  return Object.keys(out).length ? out : undefined;
}

/** `_extract_caller`: the caller header, else the User-Agent's product token. */
function caller(headers: Record<string, string>): string | undefined {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (lower["x-mlflow-gateway-caller"]) return lower["x-mlflow-gateway-caller"];
  const product = (lower["user-agent"] ?? "").split("/")[0]!.trim();
  return product || undefined;
}

/** Records one call as a trace; never throws. */
export async function recordUsageTrace(traces: TraceStore, call: TracedCall): Promise<void> {
  const experimentId = call.config.experiment_id;
  if (!experimentId) return;
  try {
    const traceHex = hex(16);
    const traceId = hexToBase64(traceHex);
    const requestId = `tr-${traceHex}`;
    const rootId = hexToBase64(hex(8));
    const host = call.headers.host ?? call.headers.Host;
    const root: StoredSpan = {
      traceId,
      spanId: rootId,
      name: `gateway/${call.config.endpoint_name}`,
      startTimeUnixNano: nanos(call.startMs),
      endTimeUnixNano: nanos(call.endMs),
      attributes: [
        attr("mlflow.traceRequestId", requestId),
        attr("mlflow.spanType", "UNKNOWN"),
        attr("endpoint_id", call.config.endpoint_id),
        attr("endpoint_name", call.config.endpoint_name),
        ...(host ? [attr("server_url", host)] : []),
        attr("mlflow.spanInputs", call.inputs),
        ...(call.outputs !== undefined ? [attr("mlflow.spanOutputs", call.outputs)] : []),
      ],
      status: call.error === undefined
        ? { code: STATUS_OK }
        : { code: STATUS_ERROR, message: call.error },
    };
    const children: StoredSpan[] = call.providers.map((p) => ({
      traceId,
      spanId: hexToBase64(hex(8)),
      parentSpanId: rootId,
      name: `provider/${p.provider}/${p.model}`,
      startTimeUnixNano: nanos(p.startMs),
      endTimeUnixNano: nanos(p.endMs),
      attributes: [
        attr("mlflow.traceRequestId", requestId),
        attr("mlflow.spanType", "LLM"),
        attr("mlflow.llm.provider", p.provider),
        attr("mlflow.llm.model", p.model),
        attr("method", p.method),
        ...(p.usage ? [attr("mlflow.chat.tokenUsage", p.usage)] : []),
      ],
      status: p.error === undefined
        ? { code: STATUS_OK }
        : { code: STATUS_ERROR, message: p.error },
    }));
    await logSpans(traces, experimentId, [{ resource: [], spans: [root, ...children] }]);
    const who = caller(call.headers);
    await traces.startTrace({
      traceId: requestId,
      experimentId,
      requestTime: Math.round(call.startMs),
      executionDuration: Math.round(call.endMs - call.startMs),
      state: call.error === undefined ? "OK" : "ERROR",
      tags: {},
      metadata: {
        "mlflow.trace_schema.version": "3",
        "mlflow.gateway.endpointId": call.config.endpoint_id,
        "mlflow.gateway.requestType": call.requestType,
        ...(who ? { "mlflow.gateway.caller": who } : {}),
      },
      assessments: [],
    });
  } catch (e) {
    console.warn(`AI Gateway usage trace not recorded: ${(e as Error).message}`);
  }
}

/** `aggregate_chat_stream_chunks`: the chunks of a streamed chat as one chat completion. */
export function aggregateChatChunks(chunks: Json[]): Json | null {
  if (!chunks.length) return null;
  type State = {
    role: unknown;
    parts: string[];
    tools: Map<number, { id: unknown; type: unknown; name: string; arguments: string }>;
    finish: unknown;
  };
  const states = new Map<number, State>();
  for (const chunk of chunks) {
    for (const choice of (chunk.choices ?? []) as Json[]) {
      const index = Number(choice.index ?? 0);
      const st = states.get(index) ??
        { role: null, parts: [], tools: new Map(), finish: null } as State;
      states.set(index, st);
      const delta = (choice.delta ?? {}) as Json;
      if (delta.role && st.role === null) st.role = delta.role;
      if (delta.content) st.parts.push(String(delta.content));
      if (choice.finish_reason) st.finish = choice.finish_reason;
      for (const tc of (delta.tool_calls ?? []) as Json[]) {
        const i = Number(tc.index ?? 0);
        const t = st.tools.get(i) ?? { id: null, type: "function", name: "", arguments: "" };
        st.tools.set(i, t);
        if (tc.id) t.id = tc.id;
        if (tc.type) t.type = tc.type;
        const f = (tc.function ?? {}) as Json;
        if (f.name) t.name += String(f.name);
        if (f.arguments) t.arguments += String(f.arguments);
      }
    }
  }
  const last = chunks.at(-1)!;
  const usage = last.usage as Json | null | undefined;
  return {
    id: last.id,
    object: "chat.completion",
    created: last.created,
    model: last.model,
    choices: [...states.entries()].sort(([a], [b]) => a - b).map(([index, st]) => ({
      index,
      message: {
        role: st.role ?? "assistant",
        content: st.parts.join("") || null,
        ...(st.tools.size
          ? {
            tool_calls: [...st.tools.values()].map((t) => ({
              id: t.id,
              type: t.type,
              function: { name: t.name, arguments: t.arguments },
            })),
          }
          : {}),
      },
      finish_reason: st.finish ?? "stop",
    })),
    ...(usage
      ? {
        usage: {
          prompt_tokens: usage.prompt_tokens ?? null,
          completion_tokens: usage.completion_tokens ?? null,
          total_tokens: usage.total_tokens ?? null,
        },
      }
      : {}),
  };
}
