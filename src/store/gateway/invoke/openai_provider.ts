/**
 * OpenAI and the providers that speak its API (MLflow's `OpenAIProvider`, Azure OpenAI through
 * `api_type`, and the OpenAI-compatible Groq, DeepSeek, xAI, OpenRouter and Ollama): the URL,
 * headers and body MLflow sends for chat, streamed chat, embeddings and the OpenAI passthrough
 * routes, and the answers translated back into MLflow's chat and embeddings shapes.
 *
 * @module
 */
import { appendToUriPath, sendRequest, sendStreamRequest, sseData } from "./outbound.ts";
import type { Json } from "./payloads.ts";
import {
  chatUsage,
  checkForModelField,
  mergeClientHeaders,
  type PassthroughAction,
  passthroughPath,
  type PassthroughResult,
  type Provider,
  type ProviderInit,
  toolCall,
} from "./provider.ts";

/** Default base URLs of the OpenAI-compatible providers (`DEFAULT_API_BASE`). */
export const OPENAI_COMPATIBLE_BASES: Record<string, [display: string, base: string]> = {
  groq: ["Groq", "https://api.groq.com/openai/v1"],
  deepseek: ["DeepSeek", "https://api.deepseek.com/v1"],
  xai: ["xAI", "https://api.x.ai/v1"],
  openrouter: ["OpenRouter", "https://openrouter.ai/api/v1"],
  ollama: ["Ollama", "http://localhost:11434/v1"],
};

type ApiType = "openai" | "azure" | "azuread";

/** An OpenAI-API provider. */
export class OpenAIProvider implements Provider {
  readonly displayName: string;
  readonly providerName: string;
  private readonly apiType: ApiType;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly passthroughPaths: Partial<Record<PassthroughAction, string>>;

  constructor(private readonly init: ProviderInit) {
    const { provider, secret, auth, modelName } = init;
    const key = secret.api_key ?? "";
    const compatible = OPENAI_COMPATIBLE_BASES[provider];
    if (compatible) {
      this.displayName = compatible[0];
      this.providerName = provider;
      this.apiType = "openai";
      this.baseUrl = auth.api_base ?? compatible[1];
      this.headers = { authorization: `Bearer ${key}` };
      this.passthroughPaths = { openai_chat: "chat/completions", openai_embeddings: "embeddings" };
      return;
    }
    this.displayName = "OpenAI";
    this.providerName = "openai";
    this.passthroughPaths = {
      openai_chat: "chat/completions",
      openai_embeddings: "embeddings",
      openai_responses: "responses",
      openai_responses_compact: "responses/compact",
    };
    const azure = provider === "azure" ||
      (auth.api_type === "azure" || auth.api_type === "azuread");
    if (azure) {
      this.apiType = provider === "azure" ? "azure" : auth.api_type as ApiType;
      const deployment = provider === "azure" ? modelName : auth.deployment_name ?? "";
      const url = new URL(appendToUriPath(auth.api_base ?? "", `openai/deployments/${deployment}`));
      url.searchParams.append("api-version", auth.api_version ?? "");
      this.baseUrl = url.toString();
      this.headers = this.apiType === "azure"
        ? { "api-key": key }
        : { authorization: `Bearer ${key}` };
    } else {
      this.apiType = "openai";
      this.baseUrl = auth.api_base ?? "https://api.openai.com/v1";
      this.headers = { authorization: `Bearer ${key}` };
      if (auth.organization) this.headers["OpenAI-Organization"] = auth.organization;
    }
  }

  /** `_add_model_to_payload_if_necessary`: Azure names the model in the URL instead. */
  private withModel(payload: Json): Json {
    return this.apiType === "openai" ? { model: this.init.modelName, ...payload } : payload;
  }

  async chat(payload: Json): Promise<Json> {
    checkForModelField(payload);
    const resp = await sendRequest(
      this.init.out,
      this.headers,
      this.baseUrl,
      "chat/completions",
      this.withModel(payload),
    );
    return { ...modelToChat(resp), provider: this.providerName };
  }

  async *chatStream(payload: Json): AsyncIterable<Json> {
    checkForModelField(payload);
    const body = { ...payload };
    const opts = body.stream_options as Json | undefined;
    if (opts == null) body.stream_options = { include_usage: true };
    else if (!("include_usage" in opts)) body.stream_options = { ...opts, include_usage: true };
    const stream = await sendStreamRequest(
      this.init.out,
      this.headers,
      this.baseUrl,
      "chat/completions",
      this.withModel(body),
    );
    for await (const resp of sseData(stream)) {
      yield { ...modelToChatStreaming(resp as Json), provider: this.providerName };
    }
  }

  async embeddings(payload: Json): Promise<Json> {
    checkForModelField(payload);
    const resp = await sendRequest(
      this.init.out,
      this.headers,
      this.baseUrl,
      "embeddings",
      this.withModel(payload),
    );
    const data = resp.data as Json[];
    const usage = resp.usage as Json;
    return {
      object: "list",
      data: data.map((d, index) => ({ object: "embedding", embedding: d.embedding, index })),
      model: resp.model,
      usage: {
        prompt_tokens: usage.prompt_tokens ?? null,
        total_tokens: usage.total_tokens ?? null,
      },
    };
  }

  async passthrough(
    action: PassthroughAction,
    payload: Json,
    headers: Record<string, string>,
  ): Promise<PassthroughResult> {
    const body = this.withModel(payload);
    const path = passthroughPath(this.displayName, this.passthroughPaths, action);
    const h = mergeClientHeaders(this.headers, headers);
    if (action !== "openai_embeddings" && body.stream) {
      if (action === "openai_chat") {
        const opts = body.stream_options as Json | undefined;
        if (opts == null) body.stream_options = { include_usage: true };
        else if (!("include_usage" in opts)) body.stream_options = { ...opts, include_usage: true };
      }
      return await sendStreamRequest(this.init.out, h, this.baseUrl, path, body);
    }
    return await sendRequest(this.init.out, h, this.baseUrl, path, body);
  }
}

/** `OpenAIAdapter.model_to_chat`. */
export function modelToChat(resp: Json): Json {
  const choices = (resp.choices ?? []) as Json[];
  return {
    id: resp.id ?? null,
    object: resp.object,
    created: resp.created,
    model: resp.model,
    choices: choices.map((c, index) => {
      const m = (c.message ?? {}) as Json;
      const calls = m.tool_calls as Json[] | undefined;
      return {
        index,
        message: {
          role: m.role,
          content: m.content ?? null,
          tool_calls: calls && calls.length ? calls.map(toolCall) : null,
          refusal: m.refusal ?? null,
        },
        finish_reason: c.finish_reason ?? null,
      };
    }),
    usage: chatUsage(resp.usage as Json | undefined),
  };
}

/** `OpenAIAdapter.model_to_chat_streaming`. */
export function modelToChatStreaming(resp: Json): Json {
  const choices = (resp.choices ?? []) as Json[];
  return {
    id: resp.id ?? null,
    object: resp.object,
    created: resp.created,
    model: resp.model,
    choices: choices.map((c) => {
      const d = (c.delta ?? {}) as Json;
      const calls = d.tool_calls as Json[] | undefined;
      return {
        index: c.index,
        finish_reason: c.finish_reason ?? null,
        delta: {
          role: d.role ?? null,
          content: d.content ?? null,
          tool_calls: calls && calls.length
            ? calls.map((tc) => ({
              index: tc.index,
              id: tc.id ?? null,
              type: tc.type ?? null,
              function: tc.function,
            }))
            : null,
        },
      };
    }),
    usage: resp.usage ? chatUsage(resp.usage as Json) : null,
  };
}
