/**
 * The model registry's HTTP surface: all 21 ModelRegistryService RPCs under `/api/2.0/mlflow`
 * and `/ajax-api/2.0/mlflow`. Prompts use the same endpoints (they are tagged models).
 *
 * @module
 */
import { Hono } from "hono";
import { mountMlflow } from "../mount.ts";
import type { Config } from "../../config/config.ts";
import { LoggedModelStore } from "../../store/logged_models/logged_model_store.ts";
import { appendModelVersionTag } from "../../store/logged_models/model_version_tag.ts";
import { RegistryStore } from "../../store/registry/registry_store.ts";
import type { Stores } from "../../store/stores.ts";
import { modelVersionRoutes, type TagLoggedModel } from "./model_versions.ts";
import { registeredModelRoutes } from "./registered_models.ts";
import { registrySearchRoutes } from "./search.ts";
import type { SourceContext } from "./source.ts";
import type { WebhookEmitter } from "../../webhooks/emitter.ts";
import { type RegistryEvents, registryEvents } from "./webhook_events.ts";

/** What the registry routes need. */
export interface RegistryRouteDeps {
  registry: RegistryStore;
  /** Source validation's view of runs and logged models (see `source.ts`). */
  source: Omit<SourceContext, "registry">;
  tagLoggedModel: TagLoggedModel;
  /** Webhook events of registry writes (none → no events). */
  webhooks?: WebhookEmitter;
}

/** The registry routes (relative to `/api/2.0/mlflow`). */
export function registryRoutes(deps: RegistryRouteDeps): Hono {
  const app = new Hono();
  const events: RegistryEvents = registryEvents(deps.webhooks, deps.registry);
  // Static paths only, so registration order does not matter; search first for readability.
  registrySearchRoutes(app, deps.registry);
  registeredModelRoutes(app, deps.registry, events);
  modelVersionRoutes(
    app,
    deps.registry,
    { ...deps.source, registry: deps.registry },
    deps.tagLoggedModel,
    events,
  );
  return app;
}

/** Wires the registry to the tracking stores (runs, logged models) and the server settings. */
export function registryDeps(
  config: Pick<Config, "defaultArtifactRoot" | "artifactsDestination">,
  stores: Stores,
): RegistryRouteDeps {
  const loggedModels = new LoggedModelStore(stores.db, stores.experiments);
  const registry = new RegistryStore(stores.db, async (modelId) => {
    const m = await loggedModels.get(modelId);
    return { artifactLocation: m.artifactLocation, sourceRunId: m.sourceRunId };
  });
  return {
    registry,
    source: {
      runArtifactUri: async (runId) => (await stores.runs.get(runId)).info.artifactUri,
      loggedModelArtifactLocation: async (modelId) =>
        (await loggedModels.get(modelId)).artifactLocation,
      trustedRoots: [config.defaultArtifactRoot, config.artifactsDestination].filter(Boolean),
      env: (name) => Deno.env.get(name),
    },
    tagLoggedModel: (modelId, name, version) =>
      appendModelVersionTag(stores.db, modelId, name, version),
  };
}

/** The mount function `src/server/extra_routes.ts` adds. */
export function mountRegistry(
  config: Config,
  stores: Stores,
  webhooks?: WebhookEmitter,
): (app: Hono) => void {
  const routes = registryRoutes({ ...registryDeps(config, stores), webhooks });
  return (app) => mountMlflow(app, routes);
}
