/**
 * Everything the stock web UI calls beyond the REST protos: `/graphql` (`../graphql/`), the
 * shell's info routes (`info_routes.ts`) and the Flask-only data routes (`data_routes.ts`).
 * Mounted from `src/server/extra_routes.ts`, relative to the static prefix.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Config } from "../../config/config.ts";
import { ArtifactLocations, openArtifactStore } from "../../artifacts/locations.ts";
import type { Stores } from "../../store/stores.ts";
import { mountGraphql } from "../graphql/route.ts";
import { limitsFromEnv } from "../graphql/limits.ts";
import { registryDeps } from "../registry/mod.ts";
import { mountDataRoutes } from "./data_routes.ts";
import { mountInfoRoutes } from "./info_routes.ts";
import { mountPromptlabRoute } from "./promptlab_route.ts";

/** The mount function for the UI's non-proto routes. */
export async function uiRoutesFromConfig(
  config: Config,
  stores: Stores,
): Promise<(app: Hono) => void> {
  const registry = registryDeps(config, stores).registry;
  const destination = config.serveArtifacts
    ? await openArtifactStore(config.artifactsDestination)
    : undefined;
  const locations = new ArtifactLocations(destination);
  const limits = limitsFromEnv(Deno.env.toObject());
  return (app) => {
    mountGraphql(app, { stores, registry, locations }, limits);
    mountInfoRoutes(app, config.enableWorkspaces);
    mountDataRoutes(app, { stores, registry, locations });
    mountPromptlabRoute(app, { stores, locations });
  };
}
