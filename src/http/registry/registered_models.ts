/**
 * `registered-models/*` endpoints of ModelRegistryService (search is in `search.ts`), including
 * aliases. DELETE and PATCH carry JSON bodies, as MLflow's client sends them.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { list, parseRequest, requireString } from "../request.ts";
import { modelVersionJson, registeredModelJson } from "./wire.ts";
import { NO_EVENTS, type RegistryEvents } from "./webhook_events.ts";

export const TagSchema = z.object({ key: z.string().optional(), value: z.string().optional() });

const NameSchema = z.object({ name: z.string().optional() });

/** Registers the registered-model and alias routes on `app`. */
export function registeredModelRoutes(
  app: Hono,
  registry: RegistryStore,
  events: RegistryEvents = NO_EVENTS,
): void {
  app.post("/registered-models/create", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        name: z.string().optional(),
        tags: z.array(TagSchema).optional(),
        description: z.string().optional(),
        deployment_job_id: z.string().optional(),
      }),
    );
    const rm = await registry.createRegisteredModel({
      name: requireString(req.name, "name"),
      tags: req.tags ?? [],
      description: req.description,
    });
    await events.modelCreated(rm.name, req.tags ?? [], req.description);
    return mlflowJson({ registered_model: registeredModelJson(rm) });
  });

  app.get("/registered-models/get", async (c) => {
    const req = await parseRequest(c, NameSchema);
    const rm = await registry.getRegisteredModel(requireString(req.name, "name"));
    return mlflowJson({ registered_model: registeredModelJson(rm) });
  });

  app.post("/registered-models/rename", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ name: z.string().optional(), new_name: z.string().optional() }),
    );
    const rm = await registry.renameRegisteredModel(
      requireString(req.name, "name"),
      requireString(req.new_name, "new_name"),
    );
    return mlflowJson({ registered_model: registeredModelJson(rm) });
  });

  app.patch("/registered-models/update", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        name: z.string().optional(),
        description: z.string().optional(),
        deployment_job_id: z.string().optional(),
      }),
    );
    // MLflow passes the proto field, "" when the request leaves it out.
    const rm = await registry.updateRegisteredModel(
      requireString(req.name, "name"),
      req.description ?? "",
    );
    return mlflowJson({ registered_model: registeredModelJson(rm) });
  });

  app.delete("/registered-models/delete", async (c) => {
    const req = await parseRequest(c, NameSchema);
    await registry.deleteRegisteredModel(requireString(req.name, "name"));
    return mlflowJson({});
  });

  const latestVersions = async (c: Context) => {
    const req = await parseRequest(
      c,
      z.object({ name: z.string().optional(), stages: list(z.string()).optional() }),
    );
    const mvs = await registry.getLatestVersions(requireString(req.name, "name"), req.stages ?? []);
    return mlflowJson({ model_versions: nonEmpty(mvs.map(modelVersionJson)) });
  };
  app.post("/registered-models/get-latest-versions", latestVersions);
  app.get("/registered-models/get-latest-versions", latestVersions);

  app.post("/registered-models/set-tag", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        name: z.string().optional(),
        key: z.string().optional(),
        value: z.string().optional(),
      }),
    );
    await registry.setRegisteredModelTag(
      requireString(req.name, "name"),
      requireString(req.key, "key"),
      req.value ?? "",
    );
    await events.modelTagSet(req.name!, req.key!, req.value ?? "");
    return mlflowJson({});
  });

  app.delete("/registered-models/delete-tag", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ name: z.string().optional(), key: z.string().optional() }),
    );
    await registry.deleteRegisteredModelTag(
      requireString(req.name, "name"),
      requireString(req.key, "key"),
    );
    await events.modelTagDeleted(req.name!, req.key!);
    return mlflowJson({});
  });

  const AliasSchema = z.object({ name: z.string().optional(), alias: z.string().optional() });

  app.post("/registered-models/alias", async (c) => {
    const req = await parseRequest(c, AliasSchema.extend({ version: z.string().optional() }));
    await registry.setRegisteredModelAlias(
      requireString(req.name, "name"),
      requireString(req.alias, "alias"),
      requireString(req.version, "version"),
    );
    await events.aliasCreated(req.name!, req.alias!, req.version!);
    return mlflowJson({});
  });

  app.delete("/registered-models/alias", async (c) => {
    const req = await parseRequest(c, AliasSchema);
    await registry.deleteRegisteredModelAlias(
      requireString(req.name, "name"),
      requireString(req.alias, "alias"),
    );
    await events.aliasDeleted(req.name!, req.alias!);
    return mlflowJson({});
  });

  app.get("/registered-models/alias", async (c) => {
    const req = await parseRequest(c, AliasSchema);
    const mv = await registry.getModelVersionByAlias(
      requireString(req.name, "name"),
      requireString(req.alias, "alias"),
    );
    return mlflowJson({ model_version: modelVersionJson(mv) });
  });
}
