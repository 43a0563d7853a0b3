/**
 * Gateway model definition, endpoint, model attachment, tag and binding routes
 * (`/api/3.0/mlflow/gateway/{model-definitions,endpoints}/*`), with MLflow's request checks
 * (`_create_gateway_endpoint` and its siblings in `mlflow/server/handlers.py`).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { invalidParameter } from "../../errors.ts";
import type { BindingStore } from "../../store/gateway/binding_store.ts";
import type {
  EndpointStore,
  FallbackConfig,
  ModelConfig,
} from "../../store/gateway/endpoint_store.ts";
import type { ModelDefinitionStore } from "../../store/gateway/model_definition_store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import {
  bool,
  double,
  int64,
  list,
  parseRequest,
  protoEnum,
  requireString,
  str,
} from "../request.ts";

const LINKAGE_TYPES = ["PRIMARY", "FALLBACK"] as const;

const modelConfig = z.object({
  model_definition_id: str.optional(),
  linkage_type: z.unknown().optional(),
  weight: double.optional(),
  fallback_order: int64.optional(),
});
const fallbackConfig = z.object({
  strategy: protoEnum(["SEQUENTIAL"]).optional(),
  max_attempts: int64.optional(),
});
const routing = protoEnum(["REQUEST_BASED_TRAFFIC_SPLIT"]);

const defCreate = z.object({
  name: str.optional(),
  secret_id: str.optional(),
  provider: str.optional(),
  model_name: str.optional(),
  created_by: str.optional(),
});
const defId = z.object({ model_definition_id: str.optional() });
const defList = z.object({ provider: str.optional(), secret_id: str.optional() });
const defUpdate = z.object({
  model_definition_id: str.optional(),
  name: str.optional(),
  secret_id: str.optional(),
  model_name: str.optional(),
  updated_by: str.optional(),
  provider: str.optional(),
});
const endpointCreate = z.object({
  name: str.optional(),
  model_configs: list(modelConfig).optional(),
  created_by: str.optional(),
  routing_strategy: routing.optional(),
  fallback_config: fallbackConfig.optional(),
  experiment_id: str.optional(),
  usage_tracking: bool.optional(),
});
const endpointUpdate = endpointCreate.extend({
  endpoint_id: str.optional(),
  updated_by: str.optional(),
});
const endpointGet = z.object({ endpoint_id: str.optional(), name: str.optional() });
const endpointId = z.object({ endpoint_id: str.optional() });
const endpointList = z.object({ provider: str.optional(), secret_id: str.optional() });
const attach = z.object({
  endpoint_id: str.optional(),
  model_config: modelConfig.optional(),
  created_by: str.optional(),
});
const detach = z.object({ endpoint_id: str.optional(), model_definition_id: str.optional() });
const binding = z.object({
  endpoint_id: str.optional(),
  resource_type: str.optional(),
  resource_id: str.optional(),
  created_by: str.optional(),
});
const tag = z.object({ endpoint_id: str.optional(), key: str.optional(), value: str.optional() });

function linkage(raw: unknown, where: string): ModelConfig["linkage_type"] {
  const byNumber = typeof raw === "number" ? LINKAGE_TYPES[raw - 1] : undefined;
  const name = byNumber ?? raw;
  if (typeof name === "string" && (LINKAGE_TYPES as readonly string[]).includes(name)) {
    return name as ModelConfig["linkage_type"];
  }
  throw invalidParameter(
    `Invalid or missing value for required parameter 'linkage_type' in ${where}. ` +
      `Must be one of: ${LINKAGE_TYPES.join(", ")}.`,
  );
}

function toConfig(c: z.output<typeof modelConfig>, where: string): ModelConfig {
  return {
    model_definition_id: c.model_definition_id ?? "",
    linkage_type: linkage(c.linkage_type, where),
    ...(c.weight !== undefined ? { weight: c.weight } : {}),
    ...(c.fallback_order !== undefined ? { fallback_order: c.fallback_order } : {}),
  };
}

function checkEndpointName(name: string | undefined): void {
  if (name && !/^[a-zA-Z0-9_\-.]+$/.test(name)) {
    throw invalidParameter(
      `Invalid endpoint name '${name}'. ` +
        "Name can only contain letters, numbers, underscores, hyphens, and dots.",
    );
  }
}

function fallback(f: z.output<typeof fallbackConfig> | undefined): FallbackConfig | undefined {
  if (f === undefined) return undefined;
  return {
    ...(f.strategy ? { strategy: f.strategy } : {}),
    ...(f.max_attempts !== undefined ? { max_attempts: f.max_attempts } : {}),
  };
}

/** The routes (mounted under the 3.0 prefixes). */
export function endpointRoutes(
  defs: ModelDefinitionStore,
  endpoints: EndpointStore,
  bindings: BindingStore,
): Hono {
  const app = new Hono();

  app.post("/gateway/model-definitions/create", async (c) => {
    const req = await parseRequest(c, defCreate);
    const model_definition = await defs.create({
      name: requireString(req.name, "name"),
      secret_id: requireString(req.secret_id, "secret_id"),
      provider: requireString(req.provider, "provider"),
      model_name: requireString(req.model_name, "model_name"),
      created_by: req.created_by || undefined,
    });
    return mlflowJson({ model_definition });
  });

  app.get("/gateway/model-definitions/get", async (c) => {
    const req = await parseRequest(c, defId);
    const id = requireString(req.model_definition_id, "model_definition_id");
    return mlflowJson({ model_definition: await defs.get(id) });
  });

  app.get("/gateway/model-definitions/list", async (c) => {
    const req = await parseRequest(c, defList);
    const list = await defs.list({
      provider: req.provider || undefined,
      secret_id: req.secret_id || undefined,
    });
    return mlflowJson({ model_definitions: nonEmpty(list) });
  });

  app.post("/gateway/model-definitions/update", async (c) => {
    const req = await parseRequest(c, defUpdate);
    const model_definition = await defs.update({
      model_definition_id: requireString(req.model_definition_id, "model_definition_id"),
      name: req.name || undefined,
      secret_id: req.secret_id || undefined,
      model_name: req.model_name || undefined,
      provider: req.provider || undefined,
      updated_by: req.updated_by || undefined,
    });
    return mlflowJson({ model_definition });
  });

  app.delete("/gateway/model-definitions/delete", async (c) => {
    const req = await parseRequest(c, defId);
    await defs.delete(requireString(req.model_definition_id, "model_definition_id"));
    return mlflowJson({});
  });

  app.post("/gateway/endpoints/create", async (c) => {
    const req = await parseRequest(c, endpointCreate);
    const name = requireString(req.name, "name");
    if (req.model_configs === undefined) {
      throw invalidParameter(
        "Missing value for required parameter 'model_configs'. " +
          "See the API docs for more information about request parameters.",
      );
    }
    checkEndpointName(name);
    const configs = req.model_configs.map((m, i) => toConfig(m, `model_configs[${i}]`));
    const endpoint = await endpoints.create({
      name,
      model_configs: configs,
      created_by: req.created_by || undefined,
      routing_strategy: req.routing_strategy,
      fallback_config: fallback(req.fallback_config),
      experiment_id: req.experiment_id || undefined,
      usage_tracking: req.usage_tracking ?? true,
    });
    return mlflowJson({ endpoint });
  });

  app.get("/gateway/endpoints/get", async (c) => {
    const req = await parseRequest(c, endpointGet);
    const endpoint = await endpoints.get(req.endpoint_id || undefined, req.name || undefined);
    return mlflowJson({ endpoint });
  });

  app.post("/gateway/endpoints/update", async (c) => {
    const req = await parseRequest(c, endpointUpdate);
    const id = requireString(req.endpoint_id, "endpoint_id");
    checkEndpointName(req.name);
    const configs = req.model_configs?.length
      ? req.model_configs.map((m, i) => toConfig(m, `model_configs[${i}]`))
      : undefined;
    const endpoint = await endpoints.update({
      endpoint_id: id,
      name: req.name || undefined,
      updated_by: req.updated_by || undefined,
      routing_strategy: req.routing_strategy,
      fallback_config: fallback(req.fallback_config),
      model_configs: configs,
      experiment_id: req.experiment_id || undefined,
      usage_tracking: req.usage_tracking,
    });
    return mlflowJson({ endpoint });
  });

  app.delete("/gateway/endpoints/delete", async (c) => {
    const req = await parseRequest(c, endpointId);
    const id = requireString(req.endpoint_id, "endpoint_id");
    await endpoints.delete(id);
    await bindings.deleteForEndpoint(id);
    return mlflowJson({});
  });

  app.get("/gateway/endpoints/list", async (c) => {
    const req = await parseRequest(c, endpointList);
    // MLflow's handler filters by provider only (it reads no secret_id).
    const list = await endpoints.list({ provider: req.provider || undefined });
    return mlflowJson({ endpoints: nonEmpty(list) });
  });

  app.post("/gateway/endpoints/models/attach", async (c) => {
    const req = await parseRequest(c, attach);
    const id = requireString(req.endpoint_id, "endpoint_id");
    if (req.model_config === undefined) {
      throw invalidParameter(
        "Missing value for required parameter 'model_config'. " +
          "See the API docs for more information about request parameters.",
      );
    }
    const mapping = await endpoints.attach(
      id,
      toConfig(req.model_config, "model_config"),
      req.created_by || undefined,
    );
    return mlflowJson({ mapping });
  });

  app.post("/gateway/endpoints/models/detach", async (c) => {
    const req = await parseRequest(c, detach);
    await endpoints.detach(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.model_definition_id, "model_definition_id"),
    );
    return mlflowJson({});
  });

  app.post("/gateway/endpoints/bindings/create", async (c) => {
    const req = await parseRequest(c, binding);
    const created = await bindings.create({
      endpoint_id: requireString(req.endpoint_id, "endpoint_id"),
      resource_type: requireString(req.resource_type, "resource_type"),
      resource_id: requireString(req.resource_id, "resource_id"),
      created_by: req.created_by || undefined,
    });
    return mlflowJson({ binding: created });
  });

  app.delete("/gateway/endpoints/bindings/delete", async (c) => {
    const req = await parseRequest(c, binding);
    await bindings.delete(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.resource_type, "resource_type"),
      requireString(req.resource_id, "resource_id"),
    );
    return mlflowJson({});
  });

  app.get("/gateway/endpoints/bindings/list", async (c) => {
    const req = await parseRequest(c, binding);
    const list = await bindings.list({
      endpoint_id: req.endpoint_id || undefined,
      resource_type: req.resource_type || undefined,
      resource_id: req.resource_id || undefined,
    });
    return mlflowJson({ bindings: nonEmpty(list) });
  });

  app.post("/gateway/endpoints/set-tag", async (c) => {
    const req = await parseRequest(c, tag);
    await endpoints.setTag(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.key, "key"),
      req.value ?? "",
    );
    return mlflowJson({});
  });

  app.delete("/gateway/endpoints/delete-tag", async (c) => {
    const req = await parseRequest(c, tag);
    await endpoints.deleteTag(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.key, "key"),
    );
    return mlflowJson({});
  });

  return app;
}
