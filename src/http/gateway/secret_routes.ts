/**
 * Gateway secret routes (`/api/3.0/mlflow/gateway/secrets/*`), MLflow's `_create_gateway_secret`,
 * `_get_gateway_secret_info`, `_update_gateway_secret`, `_delete_gateway_secret`,
 * `_list_gateway_secrets`, and the UI's `secrets/config`. Values are validated as MLflow
 * validates them and answered masked.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { invalidParameter } from "../../errors.ts";
import type { SecretStore } from "../../store/gateway/secret_store.ts";
import { validateAuthConfig, validateSecretValue } from "../../store/gateway/secret_rules.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { parseRequest, requireString, str } from "../request.ts";
import type { GatewayOptions } from "./gateway_options.ts";

const strMap = z.record(z.string(), z.string());

const createSchema = z.object({
  secret_name: str.optional(),
  secret_value: strMap.optional(),
  provider: str.optional(),
  auth_config: strMap.optional(),
  created_by: str.optional(),
});
const updateSchema = z.object({
  secret_id: str.optional(),
  secret_value: strMap.optional(),
  auth_config: strMap.optional(),
  updated_by: str.optional(),
});
const idSchema = z.object({ secret_id: str.optional() });
const listSchema = z.object({ provider: str.optional() });

/** The secret routes (mounted under the 3.0 prefixes). */
export function secretRoutes(secrets: SecretStore, options: GatewayOptions): Hono {
  const app = new Hono();

  app.post("/gateway/secrets/create", async (c) => {
    const req = await parseRequest(c, createSchema);
    const name = requireString(req.secret_name, "secret_name");
    if (req.secret_value === undefined) {
      throw invalidParameter("Missing value for required parameter 'secret_value'.");
    }
    const authConfig = await validateAuthConfig(req.auth_config, options.apiBase);
    validateSecretValue(req.secret_value);
    const secret = await secrets.create({
      secret_name: name,
      secret_value: req.secret_value,
      provider: req.provider || undefined,
      auth_config: authConfig && Object.keys(authConfig).length ? authConfig : undefined,
      created_by: req.created_by || undefined,
    });
    return mlflowJson({ secret });
  });

  app.get("/gateway/secrets/get", async (c) => {
    const req = await parseRequest(c, idSchema);
    const secret = await secrets.get(requireString(req.secret_id, "secret_id"));
    return mlflowJson({ secret });
  });

  app.post("/gateway/secrets/update", async (c) => {
    const req = await parseRequest(c, updateSchema);
    const id = requireString(req.secret_id, "secret_id");
    const raw = req.auth_config && Object.keys(req.auth_config).length
      ? req.auth_config
      : undefined;
    const authConfig = raw ? (await validateAuthConfig(raw, options.apiBase)) ?? {} : undefined;
    const value = req.secret_value && Object.keys(req.secret_value).length
      ? req.secret_value
      : undefined;
    validateSecretValue(value);
    const secret = await secrets.update({
      secret_id: id,
      secret_value: value,
      auth_config: authConfig,
      updated_by: req.updated_by || undefined,
    });
    return mlflowJson({ secret });
  });

  app.delete("/gateway/secrets/delete", async (c) => {
    const req = await parseRequest(c, idSchema);
    await secrets.delete(requireString(req.secret_id, "secret_id"));
    return mlflowJson({});
  });

  app.get("/gateway/secrets/list", async (c) => {
    const req = await parseRequest(c, listSchema);
    return mlflowJson({ secrets: nonEmpty(await secrets.list(req.provider || undefined)) });
  });

  return app;
}

/**
 * `GET ajax-api/3.0/mlflow/gateway/secrets/config` (MLflow's `_get_secrets_config`): secrets are
 * always "available" and `using_default_passphrase` says whether no passphrase is configured,
 * as MLflow answers (the UI then warns). Writing a secret without one still fails unless the
 * operator opted in to MLflow's default key (see `gateway_options.ts`).
 */
export function secretsConfig(options: GatewayOptions) {
  return {
    secrets_available: true,
    using_default_passphrase: options.usingDefaultPassphrase ?? options.passphrase === undefined,
  };
}
