/**
 * Gateway guardrail routes (`/api/3.0/mlflow/gateway/guardrails/*`), MLflow's
 * `_create_gateway_guardrail`, `_get_gateway_guardrail`, `_delete_gateway_guardrail`,
 * `_list_gateway_guardrails`, `_add_guardrail_to_endpoint`, `_remove_guardrail_from_endpoint`,
 * `_list_endpoint_guardrail_configs` and `_update_endpoint_guardrail_config`. The creator is the
 * authenticated user (none without basic-auth), as MLflow's `_get_user()`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { invalidParameter } from "../../errors.ts";
import { decodeOptionalPageToken, encodePageToken } from "../../search/page_token.ts";
import {
  GUARDRAIL_ACTIONS,
  GUARDRAIL_STAGES,
  type GuardrailStore,
} from "../../store/gateway/guardrail_store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { int64, parseRequest, requireString, str } from "../request.ts";
import { authUser } from "../auth/middleware.ts";

const enumish = z.union([z.string(), z.number()]);
const createSchema = z.object({
  name: str.optional(),
  scorer_id: str.optional(),
  scorer_version: int64.optional(),
  stage: enumish.optional(),
  action: enumish.optional(),
  action_endpoint_id: str.optional(),
});
const idSchema = z.object({ guardrail_id: str.optional() });
const listSchema = z.object({ max_results: int64.optional(), page_token: str.optional() });
const configSchema = z.object({
  endpoint_id: str.optional(),
  guardrail_id: str.optional(),
  execution_order: int64.optional(),
});

function required<T>(v: T | undefined, name: string): T {
  if (v === undefined) {
    throw invalidParameter(
      `Missing value for required parameter '${name}'. ` +
        "See the API docs for more information about request parameters.",
    );
  }
  return v;
}

function enumValue<T extends string>(names: readonly T[], raw: unknown, field: string): T {
  const name = typeof raw === "number" ? names[raw - 1] : names.find((n) => n === raw);
  if (name === undefined) {
    throw invalidParameter(`Invalid ${field}: ${typeof raw === "number" ? raw : 0}`);
  }
  return name;
}

function user(c: Context): string | undefined {
  return authUser(c)?.username;
}

/** The routes (mounted under the 3.0 prefixes). */
export function guardrailRoutes(guardrails: GuardrailStore): Hono {
  const app = new Hono();

  app.post("/gateway/guardrails/create", async (c) => {
    const req = await parseRequest(c, createSchema);
    const name = requireString(req.name, "name");
    const scorerId = requireString(req.scorer_id, "scorer_id");
    const version = required(req.scorer_version, "scorer_version");
    const stage = enumValue(GUARDRAIL_STAGES, required(req.stage, "stage"), "stage");
    const action = enumValue(GUARDRAIL_ACTIONS, required(req.action, "action"), "action");
    const guardrail = await guardrails.create({
      name,
      scorer_id: scorerId,
      scorer_version: version,
      stage,
      action,
      action_endpoint_id: req.action_endpoint_id || undefined,
      created_by: user(c),
    });
    return mlflowJson({ guardrail });
  });

  app.get("/gateway/guardrails/get", async (c) => {
    const req = await parseRequest(c, idSchema);
    return mlflowJson({
      guardrail: await guardrails.get(requireString(req.guardrail_id, "guardrail_id")),
    });
  });

  app.delete("/gateway/guardrails/delete", async (c) => {
    const req = await parseRequest(c, idSchema);
    await guardrails.delete(requireString(req.guardrail_id, "guardrail_id"));
    return mlflowJson({});
  });

  app.get("/gateway/guardrails/list", async (c) => {
    const req = await parseRequest(c, listSchema);
    const max = req.max_results || 1000;
    if (max < 1 || max > 50000) {
      throw invalidParameter(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be ` +
          (max < 1 ? "a positive integer" : "at most 50000"),
      );
    }
    const after = decodeOptionalPageToken<string>(req.page_token, "guardrails");
    const page = await guardrails.page(max, after);
    return mlflowJson({
      guardrails: nonEmpty(page.items),
      ...(page.last ? { next_page_token: encodePageToken(page.last, "guardrails") } : {}),
    });
  });

  app.post("/gateway/guardrails/add-to-endpoint", async (c) => {
    const req = await parseRequest(c, configSchema);
    const config = await guardrails.add(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.guardrail_id, "guardrail_id"),
      req.execution_order,
      user(c),
    );
    return mlflowJson({ config });
  });

  app.delete("/gateway/guardrails/remove-from-endpoint", async (c) => {
    const req = await parseRequest(c, configSchema);
    await guardrails.remove(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.guardrail_id, "guardrail_id"),
    );
    return mlflowJson({});
  });

  app.get("/gateway/guardrails/list-for-endpoint", async (c) => {
    const req = await parseRequest(c, configSchema);
    const configs = await guardrails.listForEndpoint(requireString(req.endpoint_id, "endpoint_id"));
    return mlflowJson({ configs: nonEmpty(configs) });
  });

  app.patch("/gateway/guardrails/update-config", async (c) => {
    const req = await parseRequest(c, configSchema);
    const config = await guardrails.updateOrder(
      requireString(req.endpoint_id, "endpoint_id"),
      requireString(req.guardrail_id, "guardrail_id"),
      req.execution_order,
    );
    return mlflowJson({ config });
  });

  return app;
}
