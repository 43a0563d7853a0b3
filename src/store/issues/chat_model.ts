/**
 * The LLM that issue detection asks, behind a small interface ({@link ChatModel}), and how a
 * model choice of `issues/invoke` becomes one: MLflow's model URIs `gateway:/<endpoint>` (an AI
 * Gateway endpoint: its first primary model definition, that definition's secret) and
 * `<provider>:/<model>` (credentials from a gateway secret, `secret_id`, or the provider's
 * environment variables on the server, as MLflow's `_CORE_PROVIDER_ENV_VARS`).
 *
 * The outbound call speaks OpenAI's chat-completions protocol, which OpenAI and the
 * OpenAI-compatible providers below serve; MLflow goes through LiteLLM, which also translates for
 * Anthropic, Gemini, Bedrock and Azure: those fail the job with a clear message here. An
 * `api_base` from a secret is checked again before each job with the gateway's SSRF rules
 * (`MLFLOW_GATEWAY_API_BASE_*`); one from the server's environment is the operator's choice.
 * This is the issue-detection side of the provider call; the gateway's own invocation routes
 * live elsewhere (the lead may merge both behind one store-level function later).
 *
 * @module
 */
import { invalidParameter, MlflowError } from "../../errors.ts";
import type { GatewayStores } from "../gateway/gateway_store.ts";
import { type ApiBasePolicy, validateApiBase } from "../gateway/secret_rules.ts";

/** One chat message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A JSON answer's shape (sent as OpenAI's `response_format: json_schema`). */
export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
}

/** An LLM that answers chat messages with text. */
export interface ChatModel {
  /** The model URI (`openai:/gpt-5-mini`, `gateway:/my-endpoint`), for tags and sources. */
  readonly uri: string;
  complete(messages: ChatMessage[], format?: JsonSchemaFormat): Promise<string>;
}

/** Default API bases of the OpenAI-compatible providers (LiteLLM's defaults). */
export const OPENAI_COMPATIBLE_BASES: Record<string, string> = {
  openai: "https://api.openai.com/v1",
  groq: "https://api.groq.com/openai/v1",
  deepseek: "https://api.deepseek.com/v1",
  xai: "https://api.x.ai/v1",
  openrouter: "https://openrouter.ai/api/v1",
  togetherai: "https://api.together.xyz/v1",
  mistral: "https://api.mistral.ai/v1",
};

/** MLflow's `_CORE_PROVIDER_ENV_VARS` (which variables hold a provider's credentials). */
export const CORE_PROVIDER_ENV_VARS: Record<string, string | Record<string, string>> = {
  openai: { api_key: "OPENAI_API_KEY", api_base: "OPENAI_API_BASE" },
  azure: { api_key: "AZURE_API_KEY", api_base: "AZURE_API_BASE", api_version: "AZURE_API_VERSION" },
  anthropic: "ANTHROPIC_API_KEY",
  gemini: "GEMINI_API_KEY",
  mistral: "MISTRAL_API_KEY",
  groq: "GROQ_API_KEY",
  deepseek: "DEEPSEEK_API_KEY",
  xai: "XAI_API_KEY",
  openrouter: "OPENROUTER_API_KEY",
  togetherai: "TOGETHERAI_API_KEY",
  typesafe: "TYPESAFE_API_KEY",
  bedrock: {
    aws_access_key_id: "AWS_ACCESS_KEY_ID",
    aws_secret_access_key: "AWS_SECRET_ACCESS_KEY",
    aws_session_token: "AWS_SESSION_TOKEN",
  },
};

/** The variables that may hold a provider's key (the handler's fail-fast check). */
export function providerKeyVars(provider: string): string[] | undefined {
  const config = CORE_PROVIDER_ENV_VARS[provider];
  if (config === undefined) return undefined;
  if (typeof config === "string") return [config];
  return config.api_key ? [config.api_key] : Object.values(config);
}

/** Where a resolved model is called. */
export interface ProviderTarget {
  provider: string;
  model: string;
  apiKey?: string;
  apiBase?: string;
  /** True when `apiBase` came from a stored secret (checked with the SSRF rules). */
  apiBaseFromSecret: boolean;
}

/** What resolving a model needs. */
export interface ModelResolverDeps {
  gateway: GatewayStores;
  env: (name: string) => string | undefined;
  apiBase: ApiBasePolicy;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** A model choice as `issues/invoke` records it. */
export interface ModelChoice {
  /** `gateway:/<endpoint>` or `<provider>:/<model>`. */
  uri: string;
  secretId?: string;
}

async function fromSecret(
  gateway: GatewayStores,
  secretId: string,
): Promise<{ apiKey?: string; apiBase?: string }> {
  const opened = await gateway.secrets.open(secretId);
  const all = { ...opened.value, ...(opened.info.auth_config ?? {}) };
  return { apiKey: all.api_key, apiBase: all.api_base };
}

/** Resolves a model URI to the provider, model and credentials to call. */
export async function resolveTarget(
  choice: ModelChoice,
  deps: ModelResolverDeps,
): Promise<ProviderTarget> {
  const sep = choice.uri.indexOf(":/");
  const scheme = choice.uri.slice(0, sep);
  const rest = choice.uri.slice(sep + 2);
  if (scheme === "gateway") {
    const endpoint = await deps.gateway.endpoints.get(undefined, rest);
    const mapping = endpoint.model_mappings.find((m) => m.linkage_type === "PRIMARY") ??
      endpoint.model_mappings[0];
    const def = mapping?.model_definition;
    if (!def) {
      throw invalidParameter(`AI Gateway endpoint '${rest}' has no model configured`);
    }
    const creds = def.secret_id ? await fromSecret(deps.gateway, def.secret_id) : {};
    return {
      provider: def.provider.toLowerCase(),
      model: def.model_name,
      ...creds,
      apiBaseFromSecret: creds.apiBase !== undefined,
    };
  }
  const provider = scheme.toLowerCase();
  if (choice.secretId) {
    const creds = await fromSecret(deps.gateway, choice.secretId);
    return { provider, model: rest, ...creds, apiBaseFromSecret: creds.apiBase !== undefined };
  }
  const config = CORE_PROVIDER_ENV_VARS[provider];
  const vars: Record<string, string | undefined> = typeof config === "object"
    ? config
    : { api_key: config };
  return {
    provider,
    model: rest,
    apiKey: vars.api_key ? deps.env(vars.api_key) : undefined,
    apiBase: vars.api_base ? deps.env(vars.api_base) : undefined,
    apiBaseFromSecret: false,
  };
}

/** A provider that answered with an error (the job fails with this text). */
export class ProviderError extends Error {
  override name = "ProviderError";
}

/** An OpenAI-protocol chat model at `target`. */
export async function chatModel(
  uri: string,
  target: ProviderTarget,
  deps: Pick<ModelResolverDeps, "apiBase" | "fetch" | "timeoutMs">,
): Promise<ChatModel> {
  const base = target.apiBase ?? OPENAI_COMPATIBLE_BASES[target.provider];
  if (base === undefined) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Provider '${target.provider}' is not supported for issue detection by this server: ` +
        `use OpenAI or an OpenAI-compatible provider (${
          Object.keys(OPENAI_COMPATIBLE_BASES).join(", ")
        }), directly or through an AI Gateway endpoint.`,
    );
  }
  if (target.apiBaseFromSecret) await validateApiBase(base, deps.apiBase);
  const doFetch = deps.fetch ?? fetch;
  const url = `${base.replace(/\/+$/, "")}/chat/completions`;
  return {
    uri,
    async complete(messages, format) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: target.model,
            messages,
            ...(format
              ? { response_format: { type: "json_schema", json_schema: { ...format } } }
              : {}),
          }),
          signal: AbortSignal.timeout(deps.timeoutMs ?? 120_000),
        });
      } catch (e) {
        throw new ProviderError(
          `Failed to reach provider '${target.provider}': ${(e as Error).message}`,
        );
      }
      const text = await res.text();
      if (!res.ok) {
        throw new ProviderError(
          `Provider '${target.provider}' answered HTTP ${res.status}: ${text.slice(0, 1000)}`,
        );
      }
      let content: unknown;
      try {
        content = (JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] })
          .choices?.[0]?.message?.content;
      } catch {
        content = undefined;
      }
      if (typeof content !== "string") {
        throw new ProviderError(
          `Provider '${target.provider}' answered without a message: ${text.slice(0, 1000)}`,
        );
      }
      return content;
    },
  };
}
