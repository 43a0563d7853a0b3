/**
 * A subset of MLflow's OTel attribute translation at ingestion (`translate_span_when_storing`
 * in `mlflow/tracing/otel/translation/`): spans from plain OpenTelemetry instrumentations get
 * MLflow's span type, inputs/outputs and token usage from the OpenInference, GenAI semantic
 * convention and Traceloop attributes, in MLflow's translator order, so the UI, previews and
 * token usage work for them. MLflow's other translators (Gemini CLI, Claude Code, Spring AI,
 * Google ADK, Vercel AI, …), event-based inputs, message formats, models and costs are not
 * done here.
 *
 * Translated attributes are stored as OTLP values (the type as a string, inputs and outputs as
 * the value they were read from, token usage as a key-value list), which the span wire writes
 * back as MLflow does. An attribute the span already carries is never overwritten (the span
 * type only when it is absent or `UNKNOWN`).
 *
 * @module
 */
import { type AnyValue, decodeAnyValue, type KeyValue } from "./otlp_values.ts";
import type { StoredSpan } from "./span_model.ts";

interface Translator {
  kindKey: string;
  kinds: Record<string, string>;
  inputKeys: string[];
  outputKeys: string[];
  inputTokens: string;
  outputTokens: string;
  totalTokens?: string;
}

/** MLflow's order: OpenInference, (…), GenAI semantic conventions, (…), Traceloop. */
const TRANSLATORS: Translator[] = [
  {
    kindKey: "openinference.span.kind",
    kinds: {
      TOOL: "TOOL",
      CHAIN: "CHAIN",
      LLM: "LLM",
      RETRIEVER: "RETRIEVER",
      EMBEDDING: "EMBEDDING",
      AGENT: "AGENT",
      RERANKER: "RERANKER",
      UNKNOWN: "UNKNOWN",
      GUARDRAIL: "GUARDRAIL",
      EVALUATOR: "EVALUATOR",
    },
    inputKeys: ["input.value"],
    outputKeys: ["output.value"],
    inputTokens: "llm.token_count.prompt",
    outputTokens: "llm.token_count.completion",
    totalTokens: "llm.token_count.total",
  },
  {
    kindKey: "gen_ai.operation.name",
    kinds: {
      chat: "CHAT_MODEL",
      create_agent: "AGENT",
      embeddings: "EMBEDDING",
      execute_tool: "TOOL",
      generate_content: "LLM",
      invoke_agent: "AGENT",
      text_completion: "LLM",
      response: "LLM",
    },
    inputKeys: ["gen_ai.input.messages", "gen_ai.tool.call.arguments"],
    outputKeys: ["gen_ai.output.messages", "gen_ai.tool.call.result"],
    inputTokens: "gen_ai.usage.input_tokens",
    outputTokens: "gen_ai.usage.output_tokens",
  },
  {
    kindKey: "traceloop.span.kind",
    kinds: { workflow: "WORKFLOW", task: "TASK", agent: "AGENT", tool: "TOOL", unknown: "UNKNOWN" },
    inputKeys: ["traceloop.entity.input"],
    outputKeys: ["traceloop.entity.output"],
    inputTokens: "gen_ai.usage.prompt_tokens",
    outputTokens: "gen_ai.usage.completion_tokens",
    totalTokens: "llm.usage.total_tokens",
  },
];

const SPAN_TYPE = "mlflow.spanType";
const INPUTS = "mlflow.spanInputs";
const OUTPUTS = "mlflow.spanOutputs";
const CHAT_USAGE = "mlflow.chat.tokenUsage";

/** The attribute as MLflow reads it: decoded, then JSON-parsed when it is JSON text. */
function plain(v: AnyValue | undefined): unknown {
  const d = decodeAnyValue(v);
  if (typeof d !== "string") return d;
  try {
    return JSON.parse(d);
  } catch {
    return d;
  }
}

function int(v: unknown): number | undefined {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

function usageOf(get: (k: string) => AnyValue | undefined): AnyValue | undefined {
  for (const t of TRANSLATORS) {
    const input = int(plain(get(t.inputTokens)));
    const output = int(plain(get(t.outputTokens)));
    let total = t.totalTokens ? int(plain(get(t.totalTokens))) : undefined;
    if (total === undefined && input !== undefined && output !== undefined) total = input + output;
    if (input === undefined && output === undefined && total === undefined) continue;
    const values: KeyValue[] = [];
    const add = (key: string, n: number | undefined) => {
      if (n !== undefined) values.push({ key, value: { intValue: String(n) } });
    };
    add("input_tokens", input);
    add("output_tokens", output);
    add("total_tokens", total);
    return { kvlistValue: { values } };
  }
  return undefined;
}

/** The span with MLflow's attributes translated from the OTel conventions above. */
export function translateOtelSpan(span: StoredSpan): StoredSpan {
  const attrs = span.attributes ?? [];
  const byKey = new Map(attrs.map((a) => [a.key, a.value]));
  const get = (k: string) => byKey.get(k);
  const added: KeyValue[] = [];
  const set = (key: string, value: AnyValue) => added.push({ key, value });

  const current = plain(get(SPAN_TYPE));
  if (current === undefined || current === null || current === "UNKNOWN") {
    for (const t of TRANSLATORS) {
      const kind = plain(get(t.kindKey));
      const type = typeof kind === "string" ? t.kinds[kind] : undefined;
      if (type) {
        set(SPAN_TYPE, { stringValue: type });
        break;
      }
    }
  }
  for (const [key, pick] of [[INPUTS, "inputKeys"], [OUTPUTS, "outputKeys"]] as const) {
    if (byKey.has(key)) continue;
    const found = TRANSLATORS.flatMap((t) => t[pick]).map(get).find((v) => {
      const d = decodeAnyValue(v);
      return d !== undefined && d !== null && d !== "";
    });
    if (found) set(key, found);
  }
  if (!byKey.has(CHAT_USAGE)) {
    const usage = usageOf(get);
    if (usage) set(CHAT_USAGE, usage);
  }
  if (added.length === 0) return span;
  const replaced = new Set(added.map((a) => a.key));
  return { ...span, attributes: [...attrs.filter((a) => !replaced.has(a.key)), ...added] };
}
