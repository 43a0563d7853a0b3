/**
 * Mounts the AI Gateway configuration routes under `/api/3.0/mlflow/gateway/*` and the ajax
 * twins, the UI's discovery routes and `ajax-api/2.0/mlflow/gateway-proxy`. With
 * `MLFLOW_ENABLE_AI_GATEWAY=false` every `gateway/*` route answers MLflow's 501
 * `NOT_IMPLEMENTED` ("The AI Gateway feature is disabled ...").
 *
 * @module
 */
import type { Hono } from "hono";
import type { Stores } from "../../store/stores.ts";
import { createGatewayStores } from "../../store/gateway/gateway_store.ts";
import { mountMlflow } from "../mount.ts";
import { budgetRoutes } from "./budget_routes.ts";
import { allowedProviders, mountDiscoveryRoutes, normalizeProvider } from "./discovery_routes.ts";
import { endpointRoutes } from "./endpoint_routes.ts";
import { guardrailRoutes } from "./guardrail_routes.ts";
import { gatewayDisabled, type GatewayOptions, gatewayOptionsFromEnv } from "./gateway_options.ts";
import { mountInvokeRoutes } from "./invoke_routes.ts";
import { mountProxyRoute } from "./proxy_routes.ts";
import { GatewayInvoker, routeTimeoutMsFromEnv } from "../../store/gateway/invoke/invoke.ts";
import { TraceStore } from "../../store/traces/trace_store.ts";
import { retentionFromEnv } from "../traces/mod.ts";
import { secretRoutes, secretsConfig } from "./secret_routes.ts";

/** `MLFLOW_GATEWAY_ALLOWED_PROVIDERS` as the invoker's provider policy (unset: none). */
function providerPolicy(): ((provider: string) => boolean) | undefined {
  const allowed = allowedProviders();
  return allowed && ((p) => allowed.has(normalizeProvider(p.toLowerCase())));
}

/** Returns the mount function of the gateway routes. */
export function mountGateway(
  stores: Stores,
  options: GatewayOptions = gatewayOptionsFromEnv(),
): (app: Hono) => void {
  const gw = createGatewayStores(stores.db, stores.experiments, options.passphrase);
  return (app: Hono) => {
    mountProxyRoute(app, options.deploymentsTarget);
    mountInvokeRoutes(
      app,
      options.enabled
        ? new GatewayInvoker(gw, {
          policy: options.apiBase,
          timeoutMs: options.routeTimeoutMs ?? routeTimeoutMsFromEnv(),
          random: options.random,
          allowedProvider: providerPolicy(),
          // usage traces expire as other traces (no spill: a huge span is not recorded)
          traces: new TraceStore(stores.db, stores.experiments, retentionFromEnv()),
        })
        : undefined,
    );
    if (!options.enabled) {
      for (const api of ["api", "ajax-api"]) {
        app.all(`/${api}/3.0/mlflow/gateway/*`, () => {
          throw gatewayDisabled();
        });
      }
      return;
    }
    app.get("/ajax-api/3.0/mlflow/gateway/secrets/config", (c) => c.json(secretsConfig(options)));
    mountDiscoveryRoutes(app);
    mountMlflow(app, secretRoutes(gw.secrets, options), ["3.0"]);
    mountMlflow(app, endpointRoutes(gw.defs, gw.endpoints, gw.bindings), ["3.0"]);
    mountMlflow(app, budgetRoutes(gw.budgets, options), ["3.0"]);
    mountMlflow(app, guardrailRoutes(gw.guardrails), ["3.0"]);
  };
}
