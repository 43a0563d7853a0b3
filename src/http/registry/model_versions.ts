/**
 * `model-versions/*` endpoints of ModelRegistryService (search is in `search.ts`).
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import { mlflowJson } from "../json.ts";
import { bool, parseRequest, requireString } from "../request.ts";
import { type SourceContext, validateCreateSource } from "./source.ts";
import { TagSchema } from "./registered_models.ts";
import { modelVersionJson } from "./wire.ts";
import { NO_EVENTS, type RegistryEvents } from "./webhook_events.ts";

/** Links a logged model to a new version (`mlflow.modelVersions` tag). */
export type TagLoggedModel = (modelId: string, name: string, version: number) => Promise<void>;

const VersionSchema = z.object({ name: z.string().optional(), version: z.string().optional() });

/** Registers the model-version routes on `app`. */
export function modelVersionRoutes(
  app: Hono,
  registry: RegistryStore,
  source: SourceContext,
  tagLoggedModel: TagLoggedModel,
  events: RegistryEvents = NO_EVENTS,
): void {
  app.post("/model-versions/create", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        name: z.string().optional(),
        source: z.string().optional(),
        run_id: z.string().optional(),
        tags: z.array(TagSchema).optional(),
        run_link: z.string().optional(),
        description: z.string().optional(),
        model_id: z.string().optional(),
      }),
    );
    const name = requireString(req.name, "name");
    const tags = req.tags ?? [];
    const resolved = await validateCreateSource(source, {
      source: requireString(req.source, "source"),
      runId: req.run_id,
      modelId: req.model_id,
      tags,
    });
    // Unset proto strings reach MLflow's store as "" and come back as "" (explicit presence).
    const mv = await registry.createModelVersion({
      name,
      source: resolved.source,
      runId: resolved.runId,
      tags,
      runLink: req.run_link ?? "",
      description: req.description ?? "",
      ...(resolved.modelId ? { modelId: resolved.modelId } : {}),
    });
    if (!resolved.isPrompt && resolved.modelId) {
      await tagLoggedModel(resolved.modelId, name, mv.version);
    }
    await events.versionCreated(resolved.isPrompt, {
      name,
      version: String(mv.version),
      source: resolved.source,
      runId: resolved.runId,
      tags,
      description: req.description,
    });
    return mlflowJson({ model_version: modelVersionJson(mv) });
  });

  app.get("/model-versions/get", async (c) => {
    const req = await parseRequest(c, VersionSchema);
    const mv = await registry.getModelVersion(
      requireString(req.name, "name"),
      requireString(req.version, "version"),
    );
    return mlflowJson({ model_version: modelVersionJson(mv) });
  });

  app.patch("/model-versions/update", async (c) => {
    const req = await parseRequest(c, VersionSchema.extend({ description: z.string().optional() }));
    const mv = await registry.updateModelVersion(
      requireString(req.name, "name"),
      requireString(req.version, "version"),
      req.description,
    );
    return mlflowJson({ model_version: modelVersionJson(mv) });
  });

  app.post("/model-versions/transition-stage", async (c) => {
    const req = await parseRequest(
      c,
      VersionSchema.extend({
        stage: z.string().optional(),
        archive_existing_versions: bool.optional(),
      }),
    );
    const mv = await registry.transitionModelVersionStage(
      requireString(req.name, "name"),
      requireString(req.version, "version"),
      requireString(req.stage, "stage"),
      req.archive_existing_versions ?? false,
    );
    return mlflowJson({ model_version: modelVersionJson(mv) });
  });

  app.delete("/model-versions/delete", async (c) => {
    const req = await parseRequest(c, VersionSchema);
    await registry.deleteModelVersion(
      requireString(req.name, "name"),
      requireString(req.version, "version"),
    );
    return mlflowJson({});
  });

  app.get("/model-versions/get-download-uri", async (c) => {
    // MLflow's handler has no schema here: the store reports a missing name or version.
    const req = await parseRequest(c, VersionSchema);
    const uri = await registry.getModelVersionDownloadUri(req.name, req.version);
    return mlflowJson({ artifact_uri: uri });
  });

  app.post("/model-versions/set-tag", async (c) => {
    const req = await parseRequest(
      c,
      VersionSchema.extend({ key: z.string().optional(), value: z.string().optional() }),
    );
    await registry.setModelVersionTag(
      requireString(req.name, "name"),
      requireString(req.version, "version"),
      requireString(req.key, "key"),
      req.value ?? "",
    );
    await events.versionTagSet(req.name!, req.version!, req.key!, req.value ?? "");
    return mlflowJson({});
  });

  app.delete("/model-versions/delete-tag", async (c) => {
    const req = await parseRequest(c, VersionSchema.extend({ key: z.string().optional() }));
    await registry.deleteModelVersionTag(
      requireString(req.name, "name"),
      requireString(req.version, "version"),
      requireString(req.key, "key"),
    );
    await events.versionTagDeleted(req.name!, req.version!, req.key!);
    return mlflowJson({});
  });
}
