/**
 * The AI Gateway's invocation functions (MLflow's `server/gateway_api.py` handlers without their
 * HTTP wrapping), for the `/gateway/*` routes and for server-side callers such as GenAI issues:
 * resolve the endpoint, check the request, pick the provider (routing and fallbacks), call it.
 * Each returns a JSON answer or a stream of chunks, or throws a {@link GatewayHttpError} (or an
 * `MlflowError` that `asGatewayError` turns into one).
 *
 * Not done here, as MLflow does: budget enforcement (MLflow prices each call from its traces)
 * and usage-tracking traces. An endpoint with guardrails refuses invocation (501) rather than
 * skipping them.
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
}

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

  /** The endpoint's configuration (MLflow's 404 for an unknown name). */
  async config(name: string): Promise<EndpointCallConfig> {
    const config = await resolveEndpointConfig(this.gw, name);
    if (config.guardrail_count) {
      throw new GatewayHttpError(
        501,
        `Endpoint '${name}' has guardrails, which this server's AI Gateway does not run; ` +
          "remove them to invoke the endpoint.",
      );
    }
    return config;
  }

  /** The provider of a resolved endpoint. */
  provider(config: EndpointCallConfig): Provider {
    return createProvider(
      config,
      {
        policy: this.options.policy,
        ssrfProtect: needsSsrfProtection(config),
        timeoutMs: this.options.timeoutMs,
      },
      this.options.random,
      this.options.allowedProvider,
    );
  }

  /** `POST /gateway/{endpoint}/mlflow/invocations`: chat (`messages`) or embeddings (`input`). */
  async invocations(name: string, body: Json): Promise<InvokeResult> {
    const config = await this.config(name);
    if ("messages" in body) {
      const payload = chatPayload(body);
      const provider = this.provider(config);
      if (payload.stream) return { stream: provider.chatStream(payload) };
      return { json: await provider.chat(payload) };
    }
    if ("input" in body) {
      const payload = embeddingsPayload(body);
      return { json: await this.provider(config).embeddings(payload) };
    }
    throw new GatewayHttpError(
      400,
      "Invalid request: payload format must be either chat or embeddings",
    );
  }

  /** `POST /gateway/mlflow/v1/chat/completions`: the endpoint named by `model`. */
  async chatCompletions(input: Json): Promise<InvokeResult> {
    const body = { ...input };
    const name = endpointOf(body);
    const provider = this.provider(await this.config(name));
    const payload = chatPayload(body);
    if (payload.stream) return { stream: provider.chatStream(payload) };
    return { json: await provider.chat(payload) };
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
    const body = { ...input };
    const name = endpointOf(body);
    const provider = this.provider(await this.config(name));
    if (action !== "openai_embeddings" && body.stream) {
      return {
        raw: (async function* () {
          const r: PassthroughResult = await provider.passthrough(action, body, headers);
          if (Symbol.asyncIterator in r) yield* r as AsyncIterable<string>;
          else yield `data: ${JSON.stringify(r)}\n\n`;
        })(),
      };
    }
    const r = await provider.passthrough(action, body, headers);
    if (Symbol.asyncIterator in r) throw new GatewayHttpError(500, "Unexpected stream");
    return { json: r as Json };
  }
}
