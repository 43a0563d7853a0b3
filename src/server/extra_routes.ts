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
import { mountIssues } from "../http/issues/mod.ts";

/** Returns the mount functions for the optional route groups. */
export async function buildExtraRoutes(
  config: Config,
  stores: Stores,
): Promise<((app: Hono) => void)[]> {
  return [
    await loggedModelRoutesFromConfig(config, stores),
    await artifactRoutesFromConfig(config, stores.runs),
    mountRegistry(config, stores),
    await uiRoutesFromConfig(config, stores),
    await mountTracesFromConfig(config, stores),
    mountDatasets(stores),
    mountIssues(stores),
  ];
}
