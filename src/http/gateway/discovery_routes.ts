/**
 * The UI's gateway discovery routes (`ajax-api/3.0/mlflow/gateway/{supported-providers,
 * supported-models,provider-config}`), answered as an installed MLflow 3.17.2 answers them: the
 * providers are the provider files of the model catalog MLflow's wheel bundles
 * (`catalog_providers.json`, names only: `vertex_ai-*` variants folded into `vertex_ai`,
 * `bedrock_converse` left out, as MLflow's `get_all_providers`); the model listing itself is
 * not shipped (no models); the provider
 * configuration (auth modes and their fields) comes from `provider_auth_modes.json`, a snapshot
 * of MLflow's `get_provider_config_response` for the providers with several auth modes, and
 * MLflow's single API-key mode for every other provider. `MLFLOW_GATEWAY_ALLOWED_PROVIDERS`
 * restricts providers as in MLflow.
 *
 * @module
 */
import type { Hono } from "hono";
import { invalidParameter } from "../../errors.ts";
import catalog from "./provider_auth_modes.json" with { type: "json" };
import catalogProviders from "./catalog_providers.json" with { type: "json" };

const ALIASES: Record<string, string> = catalog.aliases;
const AUTH_MODES: Record<string, unknown> = catalog.auth_modes;

/** MLflow's `normalize_provider_name`. */
export const normalizeProvider = (name: string) => ALIASES[name] ?? name;
const normalize = normalizeProvider;

/** Python's `str.title()` for provider names. */
function title(s: string): string {
  return s.replace(/[A-Za-z]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

/** `MLFLOW_GATEWAY_ALLOWED_PROVIDERS` as normalised names; undefined: every provider. */
export function allowedProviders(): Set<string> | undefined {
  const raw = Deno.env.get("MLFLOW_GATEWAY_ALLOWED_PROVIDERS");
  const names = (raw ?? "").split(",").map((p) => p.trim().toLowerCase()).filter(Boolean)
    .map(normalize);
  return names.length ? new Set(names) : undefined;
}

/** MLflow's `get_provider_config_response`. */
export function providerConfig(provider: string | undefined): unknown {
  if (!provider) throw invalidParameter("Provider parameter is required");
  const allowed = allowedProviders();
  if (allowed && !allowed.has(normalize(provider.toLowerCase()))) {
    throw invalidParameter(
      `Provider '${provider}' is not allowed by the current gateway provider policy.`,
    );
  }
  const name = normalize(provider.toLowerCase());
  const config = catalog.bedrock_providers.includes(name) ? "bedrock" : name;
  if (AUTH_MODES[config]) return AUTH_MODES[config];
  return {
    auth_modes: [{
      mode: "api_key",
      display_name: "API Key",
      description: `Use ${title(name)} API Key`,
      secret_fields: [{
        name: "api_key",
        type: "string",
        description: `${title(name)} API Key`,
        required: true,
      }],
      config_fields: [{
        name: "api_base",
        type: "string",
        description: `${title(name)} API Base URL`,
        required: false,
      }],
    }],
    default_mode: "api_key",
  };
}

/** MLflow's `get_all_providers`, sorted as `_list_supported_providers` answers. */
export function supportedProviders(): string[] {
  const names = new Set<string>();
  for (const p of catalogProviders.providers) {
    if (p === "bedrock_converse") continue;
    names.add(p === "vertex_ai" || p.startsWith("vertex_ai-") ? "vertex_ai" : p);
  }
  const allowed = allowedProviders();
  return [...names].filter((p) => !allowed || allowed.has(normalize(p.toLowerCase()))).sort();
}

/** Mounts the discovery routes (ajax only, as in MLflow). */
export function mountDiscoveryRoutes(app: Hono): void {
  const base = "/ajax-api/3.0/mlflow/gateway";
  app.get(`${base}/supported-providers`, (c) => c.json({ providers: supportedProviders() }));
  app.get(`${base}/supported-models`, (c) => c.json({ models: [] }));
  app.get(`${base}/provider-config`, (c) => c.json(providerConfig(c.req.query("provider"))));
}
