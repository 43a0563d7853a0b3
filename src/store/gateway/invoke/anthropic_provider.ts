/**
 * Anthropic's Messages API (MLflow's `AnthropicProvider`/`AnthropicAdapter`): an OpenAI-shaped
 * chat request becomes a Messages request (system messages joined into `system`, `stop` as
 * `stop_sequences`, temperature halved, tools and tool choice translated, `max_tokens` defaulted
 * to 8192), sent with `x-api-key` and `anthropic-version`; the answer and the event stream come
 * back as OpenAI-shaped chat completions and chunks. No embeddings (MLflow's 501).
 *
 * @module
 */
import { GatewayHttpError } from "./gateway_http_error.ts";
import { sendRequest, sendStreamRequest } from "./outbound.ts";
import type { Json } from "./payloads.ts";
import {
  chatUsage,
  checkForModelField,
  mergeClientHeaders,
  notImplemented,
  type PassthroughAction,
  passthroughPath,
  type PassthroughResult,
  type Provider,
  type ProviderInit,
  pyJsonDumps,
} from "./provider.ts";

const DEFAULT_MAX_TOKENS = 8192;
const MAXIMUM_MAX_TOKENS = 1_000_000;
const JSON_INSTRUCTION = "Respond with only a single valid JSON object. Do not include any " +
  "explanatory text, markdown, or code fences before or after the JSON object.";

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `AnthropicAdapter.chat_to_model`. */
export function chatToAnthropic(input: Json, modelName: string): Json {
  const payload: Json = {};
  for (const [k, v] of Object.entries(input)) payload[k === "stop" ? "stop_sequences" : k] = v;
  payload.model = modelName;
  if ("top_p" in payload && "temperature" in payload) {
    throw new GatewayHttpError(
      422,
      "Cannot set both 'temperature' and 'top_p' parameters.",
      "AIGatewayException",
    );
  }
  const maxCompletion = payload.max_completion_tokens as number | undefined;
  delete payload.max_completion_tokens;
  const maxTokens = (payload.max_tokens as number | undefined) || maxCompletion ||
    DEFAULT_MAX_TOKENS;
  if (maxTokens > MAXIMUM_MAX_TOKENS) {
    throw new GatewayHttpError(
      422,
      `Invalid value for max_tokens: cannot exceed ${MAXIMUM_MAX_TOKENS}.`,
      "AIGatewayException",
    );
  }
  payload.max_tokens = maxTokens;
  const n = payload.n ?? 1;
  delete payload.n;
  if (n !== 1) {
    throw new GatewayHttpError(
      422,
      "'n' must be '1' for the Anthropic provider. Received value: '{n}'.",
      "AIGatewayException",
    );
  }
  const messages = payload.messages as Json[];
  const system = messages.filter((m) => m.role === "system");
  if (system.length) payload.system = system.map((m) => m.content).join("\n");
  const converted: Json[] = [];
  for (const m of messages) {
    if (m.role === "user") {
      converted.push(Array.isArray(m.content) ? { ...m, content: contentParts(m.content) } : m);
    } else if (m.role === "assistant") {
      const calls = m.tool_calls as Json[] | undefined;
      if (calls != null) {
        const { tool_calls: _, ...rest } = m;
        converted.push({
          ...rest,
          content: calls.map((tc) => {
            const f = tc.function as Json;
            return {
              type: "tool_use",
              id: tc.id,
              name: f.name,
              input: JSON.parse(String(f.arguments)),
            };
          }),
        });
      } else converted.push(m);
    } else if (m.role === "tool") {
      converted.push({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: m.tool_call_id, content: m.content }],
      });
    }
  }
  payload.messages = converted;
  if (typeof payload.temperature === "number") payload.temperature = 0.5 * payload.temperature;
  const tools = payload.tools as Json[] | undefined;
  delete payload.tools;
  if (tools && tools.length) {
    payload.tools = tools.map((t) => {
      if (t.type !== "function") {
        throw new GatewayHttpError(
          422,
          `Only function calling tool is supported, but received tool type ${t.type}`,
          "AIGatewayException",
        );
      }
      const f = t.function as Json;
      return { name: f.name, description: f.description, input_schema: f.parameters };
    });
  }
  const choice = payload.tool_choice;
  delete payload.tool_choice;
  if (choice === "none" || choice === "auto") payload.tool_choice = { type: choice };
  else if (choice === "required") payload.tool_choice = { type: "any" };
  else if (choice && typeof choice === "object") {
    const c = choice as Json;
    const name = (c.function as Json | undefined)?.name;
    if (c.type === "function" && name !== undefined) payload.tool_choice = { type: "tool", name };
  }
  const format = payload.response_format as Json | undefined;
  delete payload.response_format;
  if (format?.type === "json_schema" && format.json_schema) {
    const schema = (format.json_schema as Json).schema ?? {};
    payload.output_config = { format: { type: "json_schema", schema } };
  } else if (format?.type === "json_object") {
    payload.system = payload.system ? `${payload.system}\n${JSON_INSTRUCTION}` : JSON_INSTRUCTION;
  }
  return payload;
}

function contentParts(parts: unknown[]): unknown[] {
  return parts.map((p) => {
    const part = p as Json;
    if (part.type !== "image_url") return part;
    const url = String((part.image_url as Json | undefined)?.url ?? "");
    const m = /^data:([^;]+);base64,(.*)$/s.exec(url);
    return m
      ? { type: "image", source: { type: "base64", media_type: m[1], data: m[2] } }
      : { type: "text", text: `[unsupported image reference: ${url}]` };
  });
}

const finishReason = (r: unknown) =>
  r === "max_tokens" ? "length" : r === "tool_use" ? "tool_calls" : "stop";

/** `AnthropicAdapter._build_chat_usage`: prompt tokens include the cache tokens. */
export function anthropicUsage(u: Json): Json {
  const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens } =
    u as Record<string, number | undefined>;
  const prompt = input_tokens == null
    ? null
    : input_tokens + (cache_read_input_tokens ?? 0) + (cache_creation_input_tokens ?? 0);
  const rest: Json = {};
  for (const [k, v] of Object.entries(u)) {
    if (!k.endsWith("input_tokens") && k !== "output_tokens") rest[k] = v;
  }
  if (cache_creation_input_tokens != null) {
    rest.cache_creation_input_tokens = cache_creation_input_tokens;
  }
  return chatUsage({
    prompt_tokens: prompt,
    completion_tokens: output_tokens ?? null,
    total_tokens: prompt != null && output_tokens != null ? prompt + output_tokens : null,
    ...(cache_read_input_tokens != null
      ? { prompt_tokens_details: { cached_tokens: cache_read_input_tokens } }
      : {}),
    ...rest,
  });
}

/** `AnthropicAdapter.model_to_chat`. */
export function anthropicToChat(resp: Json): Json {
  const blocks = (resp.content ?? []) as Json[];
  const text = blocks.filter((b) => b.type === "text").map((b) => b.text).join("");
  const calls = blocks.filter((b) => b.type === "tool_use").map((b) => ({
    id: b.id,
    type: "function",
    function: { name: b.name, arguments: pyJsonDumps(b.input) },
  }));
  return {
    id: resp.id,
    object: "chat.completion",
    created: nowSeconds(),
    model: resp.model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: text || null,
        tool_calls: calls.length ? calls : null,
        refusal: null,
      },
      finish_reason: finishReason(resp.stop_reason),
    }],
    usage: anthropicUsage((resp.usage ?? {}) as Json),
  };
}

/** An Anthropic provider. */
export class AnthropicProvider implements Provider {
  readonly displayName = "Anthropic";
  readonly providerName = "anthropic";
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly init: ProviderInit) {
    this.baseUrl = init.auth.api_base ?? "https://api.anthropic.com/v1";
    this.headers = {
      "x-api-key": init.secret.api_key ?? "",
      "anthropic-version": init.auth.version ?? "2023-06-01",
    };
  }

  async chat(payload: Json): Promise<Json> {
    checkForModelField(payload);
    const body = chatToAnthropic(payload, this.init.modelName);
    const resp = await sendRequest(this.init.out, this.headers, this.baseUrl, "messages", body);
    return { ...anthropicToChat(resp), provider: this.providerName };
  }

  async *chatStream(payload: Json): AsyncIterable<Json> {
    checkForModelField(payload);
    const body = chatToAnthropic(payload, this.init.modelName);
    const stream = await sendStreamRequest(
      this.init.out,
      this.headers,
      this.baseUrl,
      "messages",
      body,
    );
    const tools = new Map<number, number>();
    const meta: Json = {};
    const usage: Json = {};
    for await (const raw of stream) {
      const line = raw.trim();
      const colon = line.indexOf(":");
      if (!line || colon < 0 || line.slice(0, colon) !== "data") continue;
      const resp = JSON.parse(line.slice(colon + 1)) as Json;
      if (resp.type === "message_start") {
        const msg = resp.message as Json;
        meta.id = msg.id;
        meta.model = msg.model;
        const mu = msg.usage as Json | undefined;
        if (mu) {
          usage.input_tokens = mu.input_tokens;
          if (mu.cache_read_input_tokens != null) {
            usage.cache_read_input_tokens = mu.cache_read_input_tokens;
          }
          if (mu.cache_creation_input_tokens != null) {
            usage.cache_creation_input_tokens = mu.cache_creation_input_tokens;
          }
        }
        continue;
      }
      if (
        !["message_delta", "content_block_start", "content_block_delta"].includes(
          resp.type as string,
        )
      ) continue;
      const index = resp.index as number;
      const block = resp.content_block as Json | undefined;
      if (resp.type === "content_block_start" && block?.type === "tool_use") {
        tools.set(index, tools.size);
      }
      let withUsage = false;
      if (resp.type === "message_delta") {
        const du = resp.usage as Json | undefined;
        if (du) usage.output_tokens = du.output_tokens;
        withUsage = true;
      }
      yield {
        ...anthropicChunk(resp, meta, tools.get(index), withUsage ? usage : undefined),
        provider: this.providerName,
      };
    }
  }

  embeddings(_payload: Json): Promise<Json> {
    return Promise.reject(notImplemented("embeddings", this.displayName));
  }

  async passthrough(
    action: PassthroughAction,
    payload: Json,
    headers: Record<string, string>,
  ): Promise<PassthroughResult> {
    const path = passthroughPath(this.displayName, { anthropic_messages: "messages" }, action);
    const body: Json = { ...payload, model: this.init.modelName };
    const h = mergeClientHeaders(this.headers, headers);
    if (body.stream) return await sendStreamRequest(this.init.out, h, this.baseUrl, path, body);
    return await sendRequest(this.init.out, h, this.baseUrl, path, body);
  }
}

/** `AnthropicAdapter.model_to_chat_streaming`. */
function anthropicChunk(resp: Json, meta: Json, toolIndex?: number, usage?: Json): Json {
  const content = (resp.delta ?? resp.content_block ?? {}) as Json;
  const stop = content.stop_reason != null ? finishReason(content.stop_reason) : null;
  let delta: Json;
  if (content.type === "tool_use") {
    delta = {
      role: null,
      content: null,
      tool_calls: [{
        index: toolIndex ?? 0,
        id: content.id ?? null,
        type: "function",
        function: { name: content.name ?? null, arguments: null },
      }],
    };
  } else if (content.type === "input_json_delta") {
    delta = {
      role: null,
      content: null,
      tool_calls: [{
        index: toolIndex ?? 0,
        id: null,
        type: null,
        function: { name: null, arguments: content.partial_json ?? null },
      }],
    };
  } else {
    delta = { role: null, content: content.text ?? null, tool_calls: null };
  }
  const u = usage && Object.keys(usage).length ? anthropicUsage(usage) : null;
  return {
    id: meta.id ?? null,
    object: "chat.completion.chunk",
    created: nowSeconds(),
    model: meta.model,
    choices: [{ index: 0, finish_reason: stop, delta }],
    usage: u,
  };
}
