/**
 * From an endpoint's configuration to the provider a request calls, as MLflow's
 * `_create_provider`: the first PRIMARY model, or with `REQUEST_BASED_TRAFFIC_SPLIT` a weighted
 * random pick among the PRIMARY models per request; with a fallback configuration, the FALLBACK
 * models in `fallback_order` after it, tried in turn until one answers (at most `max_attempts`
 * fallbacks; a stream falls back only before its first chunk). Providers MLflow reaches through
 * LiteLLM are not available here (501).
 *
 * @module
 */
import { invalidParameter, notFound } from "../../../errors.ts";
import { GATEWAY_DESTINATION_KEYS } from "../secret_rules.ts";
import { AnthropicProvider } from "./anthropic_provider.ts";
import type { EndpointCallConfig, ModelCallConfig } from "./endpoint_config.ts";
import { GatewayHttpError } from "./gateway_http_error.ts";
import { OPENAI_COMPATIBLE_BASES, OpenAIProvider } from "./openai_provider.ts";
import type { Outbound } from "./outbound.ts";
import type { Json } from "./payloads.ts";
import type { PassthroughAction, PassthroughResult, Provider } from "./provider.ts";
import { type ProviderSpan, tokenUsage } from "./usage_trace.ts";

/** `MLFLOW_GATEWAY_ALLOWED_PROVIDERS`: whether a provider may be called (unset: all). */
export type ProviderPolicy = (provider: string) => boolean;

/** Builds the provider of one model. */
export function providerFor(m: ModelCallConfig, out: Outbound, allowed?: ProviderPolicy): Provider {
  if (allowed && !allowed(m.provider)) {
    throw invalidParameter(
      `Provider '${m.provider}' is not allowed by the current gateway provider policy.`,
    );
  }
  const init = {
    provider: m.provider,
    modelName: m.model_name,
    secret: m.secret_value,
    auth: m.auth_config ?? {},
    out,
  };
  if (m.provider === "openai" || m.provider === "azure" || OPENAI_COMPATIBLE_BASES[m.provider]) {
    return new OpenAIProvider(init);
  }
  if (m.provider === "anthropic") return new AnthropicProvider(init);
  throw new GatewayHttpError(
    501,
    `Provider '${m.provider}' is not supported by this server's AI Gateway (supported: openai, ` +
      `azure, anthropic, ${Object.keys(OPENAI_COMPATIBLE_BASES).join(", ")}).`,
  );
}

/** `_enable_upstream_ssrf_protection`: a secret that names its own upstream is checked. */
export function needsSsrfProtection(config: EndpointCallConfig): boolean {
  return config.models.some((m) =>
    m.auth_config !== undefined && GATEWAY_DESTINATION_KEYS.some((k) => m.auth_config![k])
  );
}

/** A provider whose non-streamed calls are noted for the usage trace (`_maybe_trace_method`). */
class Traced implements Provider {
  readonly displayName: string;
  readonly providerName: string;
  constructor(
    private readonly inner: Provider,
    private readonly model: string,
    private readonly spans: ProviderSpan[],
  ) {
    this.displayName = inner.displayName;
    this.providerName = inner.providerName;
  }

  private async note<T>(method: string, call: () => Promise<T>): Promise<T> {
    const startMs = Date.now();
    const base = { provider: this.providerName, model: this.model, method, startMs };
    try {
      const out = await call();
      const usage = Symbol.asyncIterator in (out as object) ? undefined : tokenUsage(out);
      this.spans.push({ ...base, endMs: Date.now(), ...(usage ? { usage } : {}) });
      return out;
    } catch (e) {
      const error = e instanceof GatewayHttpError ? e.describe() : String((e as Error).message);
      this.spans.push({ ...base, endMs: Date.now(), error });
      throw e;
    }
  }

  chat(p: Json) {
    return this.note("chat", () => this.inner.chat(p));
  }
  async *chatStream(p: Json): AsyncIterable<Json> {
    const startMs = Date.now();
    const base = { provider: this.providerName, model: this.model, method: "chat_stream", startMs };
    let usage: Record<string, number> | undefined;
    try {
      for await (const chunk of this.inner.chatStream(p)) {
        usage = tokenUsage(chunk) ?? usage;
        yield chunk;
      }
      this.spans.push({ ...base, endMs: Date.now(), ...(usage ? { usage } : {}) });
    } catch (e) {
      const error = e instanceof GatewayHttpError ? e.describe() : String((e as Error).message);
      this.spans.push({ ...base, endMs: Date.now(), error });
      throw e;
    }
  }
  embeddings(p: Json) {
    return this.note("embeddings", () => this.inner.embeddings(p));
  }
  passthrough(a: PassthroughAction, p: Json, h: Record<string, string>) {
    return this.note("passthrough", () => this.inner.passthrough(a, p, h));
  }
}

/** A weighted pick among providers per call (`TrafficRouteProvider`). */
class TrafficSplit implements Provider {
  readonly displayName = "TrafficRoute";
  readonly providerName = "traffic_route";
  constructor(
    private readonly providers: Provider[],
    private readonly weights: number[],
    private readonly random: () => number,
  ) {}

  private pick(): Provider {
    const total = this.weights.reduce((a, b) => a + b, 0);
    if (total <= 0) return this.providers[Math.floor(this.random() * this.providers.length)]!;
    let r = this.random() * total;
    for (let i = 0; i < this.providers.length; i++) {
      r -= this.weights[i]!;
      if (r < 0) return this.providers[i]!;
    }
    return this.providers.at(-1)!;
  }

  chat(p: Json) {
    return this.pick().chat(p);
  }
  chatStream(p: Json) {
    return this.pick().chatStream(p);
  }
  embeddings(p: Json) {
    return this.pick().embeddings(p);
  }
  passthrough(a: PassthroughAction, p: Json, h: Record<string, string>) {
    return this.pick().passthrough(a, p, h);
  }
}

function describe(e: unknown): string {
  if (e instanceof GatewayHttpError) return e.describe();
  return e instanceof Error ? e.message : String(e);
}

/** Tries providers in order until one answers (`FallbackProvider`). */
class Fallback implements Provider {
  readonly displayName = "Fallback";
  readonly providerName = "fallback";
  private readonly maxAttempts: number;
  constructor(private readonly providers: Provider[], maxAttempts: number) {
    this.maxAttempts = Math.min(maxAttempts, providers.length);
  }

  private failed(last: unknown): GatewayHttpError {
    return new GatewayHttpError(
      last instanceof GatewayHttpError ? last.status : 500,
      `All ${this.maxAttempts} fallback attempts failed. Last error: ${describe(last)}`,
      "AIGatewayException",
    );
  }

  private async first<T>(call: (p: Provider) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const p of this.providers.slice(0, this.maxAttempts)) {
      try {
        return await call(p);
      } catch (e) {
        last = e;
      }
    }
    throw this.failed(last);
  }

  private async *firstStream<T>(open: (p: Provider) => AsyncIterable<T>): AsyncIterable<T> {
    let last: unknown;
    for (const p of this.providers.slice(0, this.maxAttempts)) {
      let yielded = false;
      try {
        for await (const chunk of open(p)) {
          yielded = true;
          yield chunk;
        }
        return;
      } catch (e) {
        if (yielded) throw e;
        last = e;
      }
    }
    throw this.failed(last);
  }

  chat(p: Json) {
    return this.first((x) => x.chat(p));
  }
  chatStream(p: Json) {
    return this.firstStream((x) => x.chatStream(p));
  }
  embeddings(p: Json) {
    return this.first((x) => x.embeddings(p));
  }
  async passthrough(
    a: PassthroughAction,
    p: Json,
    h: Record<string, string>,
  ): Promise<PassthroughResult> {
    if (!p.stream) return await this.first((x) => x.passthrough(a, p, h));
    return this.firstStream(async function* (x) {
      const r = await x.passthrough(a, p, h);
      if (Symbol.asyncIterator in r) yield* r as AsyncIterable<string>;
    });
  }
}

/** The provider of an endpoint (MLflow's `_create_provider`). */
export function createProvider(
  config: EndpointCallConfig,
  out: Outbound,
  random: () => number = Math.random,
  allowed?: ProviderPolicy,
  spans?: ProviderSpan[],
): Provider {
  const leaf = (m: ModelCallConfig) => {
    const p = providerFor(m, out, allowed);
    return spans ? new Traced(p, m.model_name, spans) : p;
  };
  const primaries = config.models.filter((m) => m.linkage_type === "PRIMARY");
  if (!primaries.length) {
    throw notFound(`Endpoint '${config.endpoint_name}' has no PRIMARY models configured`);
  }
  const primary = config.routing_strategy === "REQUEST_BASED_TRAFFIC_SPLIT"
    ? new TrafficSplit(
      primaries.map(leaf),
      primaries.map((m) => Math.trunc(m.weight * 100)),
      random,
    )
    : leaf(primaries[0]!);
  if (!config.fallback_config) return primary;
  const fallbacks = config.models.filter((m) => m.linkage_type === "FALLBACK")
    .sort((a, b) => (a.fallback_order ?? Infinity) - (b.fallback_order ?? Infinity));
  if (!fallbacks.length) return primary;
  const max = config.fallback_config.max_attempts || fallbacks.length;
  return new Fallback([primary, ...fallbacks.map(leaf)], max + 1);
}
