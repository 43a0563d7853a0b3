/**
 * The AI Gateway's invocation functions (MLflow's `server/gateway_api.py` handlers without their
 * HTTP wrapping), for the `/gateway/*` routes and for server-side callers such as GenAI issues:
 * resolve the endpoint, check the request, pick the provider (routing and fallbacks), call it.
 * Each returns a JSON answer or a stream of chunks, or throws a {@link GatewayHttpError} (or an
 * `MlflowError` that `asGatewayError` turns into one).
 *
 * With usage tracking on, each call is recorded as a trace (`usage_trace.ts`; passthrough streams
 * are not). An endpoint's guardrails (`guardrails.ts`) run before the provider call on chat
 * requests (unified and passthrough, streams included) and after it on non-streamed chat answers,
 * as in MLflow; their judges are chat calls through this invoker with guardrails bypassed.
 * Budget policies (`budget_enforcement.ts`) are checked first and charged after a tracked call.
 *
 * @module
 */
import type { GatewayStores } from "../gateway_store.ts";
import type { ApiBasePolicy } from "../secret_rules.ts";
import { type EndpointCallConfig, resolveEndpointConfig } from "./endpoint_config.ts";
import { GatewayHttpError } from "./gateway_http_error.ts";
import { chatPayload, embeddingsPayload, type Json } from "./payloads.ts";
import type { PassthroughAction, PassthroughResult, Provider } from "./provider.ts";
import { createProvider, needsSsrfProtection, type ProviderPolicy } from "./routing.ts";
import type { TraceStore } from "../../traces/trace_store.ts";
import { aggregateChatChunks, type ProviderSpan, recordUsageTrace } from "./usage_trace.ts";
import { type LoadedGuardrail, loadGuardrails, runGuardrails } from "./guardrails.ts";
import { checkBudget, recordSpend } from "./budget_enforcement.ts";

export { asGatewayError, GatewayHttpError } from "./gateway_http_error.ts";
export type { Json } from "./payloads.ts";
export { PASSTHROUGH_ROUTES, type PassthroughAction } from "./provider.ts";

/** A unified route's answer: one JSON body, or chat chunks to send as server-sent events. */
export type InvokeResult = { json: Json } | { stream: AsyncIterable<Json> };

/** How the invoker reaches providers. */
export interface InvokerOptions {
  policy: ApiBasePolicy;
  /** `MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS` in milliseconds. */
  timeoutMs: number;
  /** The traffic split's random source (tests pin it). */
  random?: () => number;
  /** `MLFLOW_GATEWAY_ALLOWED_PROVIDERS` (unset: every provider). */
  allowedProvider?: ProviderPolicy;
  /** Where usage-tracking traces go; unset: none are recorded. */
  traces?: TraceStore;
}

/** MLflow's `GatewayRequestType` of each passthrough action. */
const REQUEST_TYPES: Record<PassthroughAction, string> = {
  openai_chat: "passthrough/model/openai-chat",
  openai_embeddings: "passthrough/model/openai-embeddings",
  openai_responses: "passthrough/model/openai-responses",
  openai_responses_compact: "passthrough/model/openai-responses",
  anthropic_messages: "passthrough/model/anthropic-messages",
};

/** `MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS` (default 300) in milliseconds. */
export function routeTimeoutMsFromEnv(): number {
  const s = Number(Deno.env.get("MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS") || 300);
  return (Number.isFinite(s) && s > 0 ? s : 300) * 1000;
}

function missingModel(): GatewayHttpError {
  return new GatewayHttpError(400, "Missing required 'model' parameter in request body");
}

/** Takes the endpoint name out of an OpenAI-style body (`model`). */
function endpointOf(body: Json): string {
  const name = body.model;
  if (!name) throw missingModel();
  delete body.model;
  return String(name);
}

/** Calls gateway endpoints. */
export class GatewayInvoker {
  constructor(private readonly gw: GatewayStores, private readonly options: InvokerOptions) {}

  /** The endpoint's configuration (MLflow's 404 for an unknown name), its budgets checked. */
  async config(name: string): Promise<EndpointCallConfig> {
    const config = await resolveEndpointConfig(this.gw, name);
    await checkBudget(this.gw, config);
    return config;
  }

  /** The endpoint's guardrails; none on the judges' own (internal) calls. */
  private async guardrails(
    config: EndpointCallConfig,
    bypass: boolean,
  ): Promise<LoadedGuardrail[]> {
    if (bypass || !config.guardrail_count) return [];
    return await loadGuardrails(this.gw, config.endpoint_id);
  }

  /** A judge's or sanitizer's chat call: this gateway, guardrails bypassed. */
  private readonly internalChat = async (endpoint: string, payload: Json): Promise<Json> => {
    const r = await this.chatCompletions({ ...payload, model: endpoint }, {}, true);
    if ("json" in r) return r.json;
    throw new GatewayHttpError(500, "Unexpected stream");
  };

  /** Pre-call guardrails, the call, post-call guardrails (a non-streamed chat). */
  private async guardedChat(
    guards: LoadedGuardrail[],
    config: EndpointCallConfig,
    payload: Json,
    headers: Record<string, string>,
    call: (p: Provider, request: Json) => Promise<Json> = (p, r) => p.chat(r),
  ): Promise<Json> {
    return await this.traced(config, "unified/chat", payload, headers, async (p) => {
      const request = await runGuardrails(guards, "BEFORE", payload, this.internalChat);
      const answer = await call(p, request);
      return await runGuardrails(guards, "AFTER", request, this.internalChat, answer);
    });
  }

  /** A chat stream after its pre-call guardrails (post-call ones do not run on streams). */
  private async guardedStream(
    guards: LoadedGuardrail[],
    config: EndpointCallConfig,
    payload: Json,
    headers: Record<string, string>,
  ): Promise<InvokeResult> {
    const request = await runGuardrails(guards, "BEFORE", payload, this.internalChat);
    return { stream: this.tracedStream(config, request, headers) };
  }

  /** The provider of a resolved endpoint; `spans` collects its attempts for the usage trace. */
  provider(config: EndpointCallConfig, spans?: ProviderSpan[]): Provider {
    return createProvider(
      config,
      {
        policy: this.options.policy,
        ssrfProtect: needsSsrfProtection(config),
        timeoutMs: this.options.timeoutMs,
      },
      this.options.random,
      this.options.allowedProvider,
      spans,
    );
  }

  /**
   * Calls `run` with the endpoint's provider; with usage tracking on (and a trace store), the
   * call and its provider attempts are recorded as a trace.
   */
  private async traced(
    config: EndpointCallConfig,
    requestType: string,
    inputs: unknown,
    headers: Record<string, string>,
    run: (provider: Provider) => Promise<Json>,
  ): Promise<Json> {
    const traces = this.options.traces;
    if (!traces || !config.usage_tracking) return await run(this.provider(config));
    const spans: ProviderSpan[] = [];
    const provider = this.provider(config, spans);
    const startMs = Date.now();
    const call = { config, requestType, headers, inputs, startMs, providers: spans };
    try {
      const outputs = await run(provider);
      await recordUsageTrace(traces, { ...call, outputs, endMs: Date.now() });
      await recordSpend(this.gw, config, spans);
      return outputs;
    } catch (e) {
      const error = e instanceof GatewayHttpError ? e.describe() : String((e as Error).message);
      await recordUsageTrace(traces, { ...call, error, endMs: Date.now() });
      throw e;
    }
  }

  /** A traced chat stream: the trace is recorded when the stream ends (or fails). */
  private tracedStream(
    config: EndpointCallConfig,
    payload: Json,
    headers: Record<string, string>,
  ): AsyncIterable<Json> {
    const traces = this.options.traces;
    if (!traces || !config.usage_tracking) return this.provider(config).chatStream(payload);
    const spans: ProviderSpan[] = [];
    const provider = this.provider(config, spans);
    const gw = this.gw;
    return (async function* () {
      const startMs = Date.now();
      const call = {
        config,
        requestType: "unified/chat",
        headers,
        inputs: payload,
        startMs,
        providers: spans,
      };
      const chunks: Json[] = [];
      try {
        for await (const chunk of provider.chatStream(payload)) {
          chunks.push(chunk);
          yield chunk;
        }
      } catch (e) {
        const error = e instanceof GatewayHttpError ? e.describe() : String((e as Error).message);
        await recordUsageTrace(traces, { ...call, error, endMs: Date.now() });
        throw e;
      }
      const outputs = aggregateChatChunks(chunks);
      await recordUsageTrace(traces, { ...call, outputs, endMs: Date.now() });
      await recordSpend(gw, config, spans);
    })();
  }

  /** `POST /gateway/{endpoint}/mlflow/invocations`: chat (`messages`) or embeddings (`input`). */
  async invocations(
    name: string,
    body: Json,
    headers: Record<string, string> = {},
  ): Promise<InvokeResult> {
    const config = await this.config(name);
    if ("messages" in body) {
      const payload = chatPayload(body);
      const guards = await this.guardrails(config, false);
      if (payload.stream) return await this.guardedStream(guards, config, payload, headers);
      return { json: await this.guardedChat(guards, config, payload, headers) };
    }
    if ("input" in body) {
      const payload = embeddingsPayload(body);
      return {
        json: await this.traced(
          config,
          "unified/embeddings",
          payload,
          headers,
          (p) => p.embeddings(payload),
        ),
      };
    }
    throw new GatewayHttpError(
      400,
      "Invalid request: payload format must be either chat or embeddings",
    );
  }

  /** `POST /gateway/mlflow/v1/chat/completions`: the endpoint named by `model`. */
  async chatCompletions(
    input: Json,
    headers: Record<string, string> = {},
    bypassGuardrails = false,
  ): Promise<InvokeResult> {
    const body = { ...input };
    const name = endpointOf(body);
    const config = await this.config(name);
    const guards = await this.guardrails(config, bypassGuardrails);
    this.provider(config); // MLflow builds the provider (and fails) before checking the payload
    const payload = chatPayload(body);
    if (payload.stream) return await this.guardedStream(guards, config, payload, headers);
    return { json: await this.guardedChat(guards, config, payload, headers) };
  }

  /** `GET /gateway/mlflow/v1/models`: every endpoint as an OpenAI model, by name. */
  async listModels(): Promise<Json> {
    const endpoints = (await this.gw.endpoints.items.list()).filter((e) => e.name)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      object: "list",
      data: endpoints.map((e) => ({
        id: e.name,
        object: "model",
        created: Math.floor(e.created_at / 1000),
        owned_by: "mlflow",
      })),
    };
  }

  /**
   * The passthrough routes: the provider's own request and answer, `model` naming the endpoint.
   * With `stream` (not for embeddings) the upstream call starts when the stream is read, so its
   * failure arrives as an error event, as in MLflow.
   */
  async passthrough(
    action: PassthroughAction,
    input: Json,
    headers: Record<string, string>,
  ): Promise<{ json: Json } | { raw: AsyncIterable<string> }> {
    if (action === "openai_responses_compact" && input.stream) {
      throw new GatewayHttpError(
        400,
        "stream=true is not supported on /responses/compact; compaction is a unary request.",
      );
    }
    const body = { ...input };
    const name = endpointOf(body);
    const config = await this.config(name);
    const provider = this.provider(config);
    const guards = await this.guardrails(config, false);
    const chat = this.internalChat;
    if (action !== "openai_embeddings" && body.stream) {
      return {
        raw: (async function* () {
          const request = await runGuardrails(guards, "BEFORE", body, chat);
          const r: PassthroughResult = await provider.passthrough(action, request, headers);
          if (Symbol.asyncIterator in r) yield* r as AsyncIterable<string>;
          else yield `data: ${JSON.stringify(r)}\n\n`;
        })(),
      };
    }
    const json = await this.traced(config, REQUEST_TYPES[action], body, headers, async (p) => {
      const request = await runGuardrails(guards, "BEFORE", body, chat);
      const r = await p.passthrough(action, request, headers);
      if (Symbol.asyncIterator in r) throw new GatewayHttpError(500, "Unexpected stream");
      if (action === "openai_embeddings") return r as Json;
      return await runGuardrails(guards, "AFTER", request, chat, r as Json);
    });
    return { json };
  }
}
