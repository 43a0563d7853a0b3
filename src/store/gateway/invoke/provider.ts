/**
 * What every provider adapter offers the invocation routes (MLflow's `BaseProvider`): unified chat
 * (whole and streamed) and embeddings in OpenAI's shapes, and the raw passthrough routes, plus
 * the checks and errors they share. A provider that lacks a route answers MLflow's 501.
 *
 * @module
 */
import { GatewayHttpError } from "./gateway_http_error.ts";
import type { Outbound } from "./outbound.ts";
import type { Json } from "./payloads.ts";

/** The passthrough routes under `/gateway` (MLflow's `PASSTHROUGH_ROUTES`). */
export const PASSTHROUGH_ROUTES = {
  openai_chat: "/openai/v1/chat/completions",
  openai_embeddings: "/openai/v1/embeddings",
  openai_responses: "/openai/v1/responses",
  openai_responses_compact: "/openai/v1/responses/compact",
  anthropic_messages: "/anthropic/v1/messages",
} as const;

/** A passthrough action. */
export type PassthroughAction = keyof typeof PASSTHROUGH_ROUTES;

/** A passthrough answer: the provider's JSON, or its raw event stream. */
export type PassthroughResult = Json | AsyncIterable<string>;

/** A provider call target. */
export interface Provider {
  /** MLflow's `DISPLAY_NAME` (error texts). */
  readonly displayName: string;
  /** The provider name the answers carry in `provider`. */
  readonly providerName: string;
  chat(payload: Json): Promise<Json>;
  chatStream(payload: Json): AsyncIterable<Json>;
  embeddings(payload: Json): Promise<Json>;
  passthrough(
    action: PassthroughAction,
    payload: Json,
    headers: Record<string, string>,
  ): Promise<PassthroughResult>;
}

/** What a provider is built from (one attached model). */
export interface ProviderInit {
  provider: string;
  modelName: string;
  secret: Record<string, string>;
  auth: Record<string, string>;
  out: Outbound;
}

/** `check_for_model_field`: the endpoint, not the caller, picks the model. */
export function checkForModelField(payload: Json): void {
  if ("model" in payload) {
    throw new GatewayHttpError(
      422,
      "The parameter 'model' is not permitted to be passed. The route being queried already " +
        "defines a model instance.",
      "AIGatewayException",
    );
  }
}

/** `_validate_passthrough_action`: the provider path of an action, or MLflow's 400. */
export function passthroughPath(
  displayName: string,
  paths: Partial<Record<PassthroughAction, string>>,
  action: PassthroughAction,
): string {
  const path = paths[action];
  if (path !== undefined) return path;
  const supported = Object.entries(paths)
    .map(([a, p]) => `/gateway${PASSTHROUGH_ROUTES[a as PassthroughAction]} (provider_path: ${p})`)
    .join(", ");
  throw new GatewayHttpError(
    400,
    `Unsupported passthrough endpoint '${PASSTHROUGH_ROUTES[action]}' for ${displayName} ` +
      `provider. Supported endpoints: ${supported}`,
    "AIGatewayException",
  );
}

/** The 501 of a route a provider does not implement. */
export function notImplemented(route: string, displayName: string): GatewayHttpError {
  return new GatewayHttpError(
    501,
    `The ${route} route is not implemented for ${displayName} models.`,
    "AIGatewayException",
  );
}

const CLIENT_AUTH_HEADERS = new Set(["authorization", "x-api-key", "x-goog-api-key", "api-key"]);

/**
 * `_get_headers` of the passthrough routes: the client's headers without `host`,
 * `content-length` and its own credentials, under the provider's headers.
 */
export function mergeClientHeaders(
  provider: Record<string, string>,
  client: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(client)) {
    const l = k.toLowerCase();
    if (l === "host" || l === "content-length" || CLIENT_AUTH_HEADERS.has(l)) continue;
    out[l] = v;
  }
  return { ...out, ...provider };
}

/** Python's `json.dumps` with its default separators and ASCII escaping. */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") {
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(", ")}]`;
  return `{${
    Object.entries(v as Json).map(([k, x]) => `${pyJsonDumps(k)}: ${pyJsonDumps(x)}`).join(", ")
  }}`;
}

/** MLflow's `ChatUsage` as answered: the three counts (null when absent), then the rest. */
export function chatUsage(u: Json | undefined): Json {
  const usage = u ?? {};
  const out: Json = {
    prompt_tokens: usage.prompt_tokens ?? null,
    completion_tokens: usage.completion_tokens ?? null,
    total_tokens: usage.total_tokens ?? null,
  };
  if (usage.prompt_tokens_details != null) out.prompt_tokens_details = usage.prompt_tokens_details;
  for (const [k, v] of Object.entries(usage)) {
    if (!(k in out) && k !== "prompt_tokens_details") {
      out[k] = v;
    }
  }
  return out;
}

/** A tool call as MLflow's `ToolCall` answers it. */
export function toolCall(tc: Json): Json {
  const f = (tc.function ?? {}) as Json;
  return {
    id: tc.id,
    type: tc.type ?? "function",
    function: { name: f.name, arguments: f.arguments },
  };
}
