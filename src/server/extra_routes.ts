/**
 * Route groups beyond tracking (artifacts, registry, ...), built from the configuration.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Config } from "../config/config.ts";
import type { Stores } from "../store/stores.ts";
import { loggedModelRoutesFromConfig } from "../http/logged_models/logged_models.ts";
import { mountRegistry } from "../http/registry/mod.ts";
import { artifactRoutesFromConfig } from "../http/artifacts/mod.ts";
import { uiRoutesFromConfig } from "../http/ui_routes/mod.ts";
import { mountTracesFromConfig } from "../http/traces/mod.ts";
import { mountDatasets } from "../http/datasets/mod.ts";
import { mountWebhooks } from "../http/webhooks/mod.ts";
import { type WebhookService, webhookService } from "../webhooks/service.ts";
import { webhookSettings } from "../webhooks/settings.ts";
import { mountGateway } from "../http/gateway/mod.ts";
import { gatewayOptionsFromEnv } from "../http/gateway/gateway_options.ts";
import { mountIssues } from "../http/issues/mod.ts";

/**
 * Returns the mount functions for the optional route groups. `webhooks` is the service whose
 * worker the caller runs; without one, events are queued and nothing sends them.
 */
export async function buildExtraRoutes(
  config: Config,
  stores: Stores,
  webhooks?: WebhookService,
): Promise<((app: Hono) => void)[]> {
  // A hand-built config (tests) may lack the webhook settings: MLflow's defaults then.
  const hooks = webhooks ??
    await webhookService(stores.db, config.webhooks ?? webhookSettings({}));
  return [
    await loggedModelRoutesFromConfig(config, stores),
    await artifactRoutesFromConfig(config, stores.runs),
    mountRegistry(config, stores, hooks.emitter),
    mountWebhooks(hooks),
    await uiRoutesFromConfig(config, stores),
    await mountTracesFromConfig(config, stores),
    mountDatasets(stores),
    mountGateway(stores, gatewayOptionsFromEnv(config.appName === "basic-auth")),
    mountIssues(stores),
  ];
}
