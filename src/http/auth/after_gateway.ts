/**
 * MLflow 3.17.2's after-request hooks of the AI Gateway routes under basic-auth: the creator of a
 * secret, model definition or endpoint gets MANAGE on it and its grants go with its delete; lists
 * keep the rows the caller reads (`filter_list_gateway_*`); a model definition's secret, and an
 * endpoint's model definitions (with their secrets), are withheld from non-admins where a DENY
 * covers them, and a guardrail's scorer unless they read it (`_withhold_denied_*`); the secrets config hides `using_default_passphrase` from
 * non-admins; the invocation routes' model list keeps the endpoints the caller may USE.
 *
 * @module
 */
import type { Context } from "hono";
import type { User } from "../../auth/user_store.ts";
import type { ResourceType } from "../../auth/permissions.ts";
import type { Access } from "./access.ts";
import { type Params, scorerPattern } from "./locate.ts";
import { pooledMap } from "../../util/pool.ts";

type Json = Record<string, unknown>;

async function body(c: Context): Promise<Json | undefined> {
  if (!c.res.headers.get("content-type")?.includes("application/json")) return undefined;
  try {
    const parsed = await c.res.clone().json();
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? parsed as Json
      : undefined;
  } catch {
    return undefined;
  }
}

function replace(c: Context, json: Json): void {
  const headers = new Headers(c.res.headers);
  headers.delete("content-length");
  c.res = new Response(JSON.stringify(json), { status: c.res.status, headers });
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** What a route created: its resource type, and where its id is in the answer. */
const CREATED: Record<string, [ResourceType, string, string]> = {
  "/mlflow/gateway/secrets/create": ["gateway_secret", "secret", "secret_id"],
  "/mlflow/gateway/model-definitions/create": [
    "gateway_model_definition",
    "model_definition",
    "model_definition_id",
  ],
  "/mlflow/gateway/endpoints/create": ["gateway_endpoint", "endpoint", "endpoint_id"],
};

/** What a route deleted: its resource type and id parameter. */
const DELETED: Record<string, [ResourceType, string]> = {
  "/mlflow/gateway/secrets/delete": ["gateway_secret", "secret_id"],
  "/mlflow/gateway/model-definitions/delete": ["gateway_model_definition", "model_definition_id"],
  "/mlflow/gateway/endpoints/delete": ["gateway_endpoint", "endpoint_id"],
};

/** The list routes: the answer's field, the rows' type and id field. */
const LISTS: Record<string, [string, ResourceType, string]> = {
  "/mlflow/gateway/secrets/list": ["secrets", "gateway_secret", "secret_id"],
  "/mlflow/gateway/model-definitions/list": [
    "model_definitions",
    "gateway_model_definition",
    "model_definition_id",
  ],
  "/mlflow/gateway/endpoints/list": ["endpoints", "gateway_endpoint", "endpoint_id"],
};

/** Answers that embed model definitions or endpoints to redact. */
const EMBEDS: Record<string, "definition" | "endpoint" | "mapping" | "guardrails"> = {
  "/mlflow/gateway/model-definitions/get": "definition",
  "/mlflow/gateway/model-definitions/update": "definition",
  "/mlflow/gateway/endpoints/get": "endpoint",
  "/mlflow/gateway/endpoints/update": "endpoint",
  "/mlflow/gateway/endpoints/create": "endpoint",
  "/mlflow/gateway/endpoints/models/attach": "mapping",
  "/mlflow/gateway/guardrails/add-to-endpoint": "guardrails",
  "/mlflow/gateway/guardrails/update-config": "guardrails",
  "/mlflow/gateway/guardrails/list-for-endpoint": "guardrails",
};

/** True when `pattern` is a gateway route with an after-request hook. */
export function isGatewayHook(pattern: string): boolean {
  return pattern in CREATED || pattern in DELETED || pattern in LISTS || pattern in EMBEDS ||
    pattern === "/mlflow/gateway/secrets/config" || pattern === "/gateway/mlflow/v1/models";
}

/** Redacts what a DENY covers, in place; true when something was withheld. */
class Redactor {
  constructor(private readonly access: Access, private readonly user: User) {}

  private denied(type: ResourceType, id: string): Promise<boolean> {
    return this.access.can(this.user, type, id, "NOT_DENIED").then((ok) => !ok);
  }

  /** A model definition's secret (MLflow's `_withhold_denied_definition_secrets`). */
  async definition(d: Json): Promise<boolean> {
    const secret = str(d.secret_id);
    if (!secret || !(await this.denied("gateway_secret", secret))) return false;
    delete d.secret_id;
    delete d.secret_name;
    return true;
  }

  /** An endpoint's model mapping (MLflow's `_withhold_denied_model_mappings`). */
  async mapping(m: Json): Promise<boolean> {
    const def = m.model_definition as Json | undefined;
    const defId = str(m.model_definition_id) ?? str(def?.model_definition_id);
    if (defId && await this.denied("gateway_model_definition", defId)) {
      delete m.model_definition;
      delete m.model_definition_id;
      return true;
    }
    return def ? await this.definition(def) : false;
  }

  /**
   * A guardrail config's scorer, unless the caller reads its experiment and the scorer
   * (MLflow's `_withhold_denied_guardrail_scorers`).
   */
  async guardrail(config: Json): Promise<boolean> {
    const scorer = (config.guardrail as Json | undefined)?.scorer as Json | undefined;
    if (!scorer) return false;
    const exp = String(scorer.experiment_id);
    const name = String(scorer.scorer_name);
    if (
      await this.access.can(this.user, "experiment", exp, "READ") &&
      await this.access.can(this.user, "scorer", scorerPattern(exp, name), "READ")
    ) return false;
    delete (config.guardrail as Json).scorer;
    return true;
  }

  async endpoint(e: Json): Promise<boolean> {
    const mappings = Array.isArray(e.model_mappings) ? e.model_mappings as Json[] : [];
    let withheld = false;
    for (const m of mappings) withheld = (await this.mapping(m)) || withheld;
    return withheld;
  }
}

/** Runs the gateway hook of `pattern` after a 2xx answer. */
export async function afterGateway(
  c: Context,
  access: Access,
  user: User,
  pattern: string,
  params: Params,
  endpointId: (name: string) => Promise<string | undefined>,
): Promise<void> {
  const created = CREATED[pattern];
  if (created) {
    const [type, field, idField] = created;
    const id = str(((await body(c))?.[field] as Json | undefined)?.[idField]);
    if (id) {
      await access.users.grant(user.username, type, id, "MANAGE", true);
      access.forgetGrantsOf(user.username);
    }
  }
  const deleted = DELETED[pattern];
  if (deleted) {
    const id = str(params[deleted[1]]);
    if (id) {
      await access.users.deleteGrants(deleted[0], id);
      access.forgetGrants();
    }
    return;
  }
  if (user.is_admin) return;
  const json = await body(c);
  if (!json) return;
  const redact = new Redactor(access, user);
  const list = LISTS[pattern];
  if (list) {
    const [field, type, idField] = list;
    const rows = Array.isArray(json[field]) ? json[field] as Json[] : [];
    const keep = await pooledMap(rows, (r) => access.can(user, type, String(r[idField]), "READ"));
    const kept = rows.filter((_, i) => keep[i]);
    for (const r of kept) {
      if (type === "gateway_model_definition") await redact.definition(r);
      if (type === "gateway_endpoint") await redact.endpoint(r);
    }
    // An empty repeated field is left out, as MLflow's protobuf JSON does.
    const out: Json = { ...json, [field]: kept };
    if (kept.length === 0) delete out[field];
    replace(c, out);
    return;
  }
  switch (EMBEDS[pattern]) {
    case "definition":
      if (await redact.definition((json.model_definition ?? {}) as Json)) replace(c, json);
      return;
    case "endpoint":
      if (await redact.endpoint((json.endpoint ?? {}) as Json)) replace(c, json);
      return;
    case "mapping":
      if (await redact.mapping((json.mapping ?? {}) as Json)) replace(c, json);
      return;
    case "guardrails": {
      const configs = Array.isArray(json.configs) ? json.configs as Json[] : [json.config as Json];
      let withheld = false;
      for (const config of configs) {
        if (config) withheld = (await redact.guardrail(config)) || withheld;
      }
      if (withheld) replace(c, json);
      return;
    }
  }
  if (pattern === "/mlflow/gateway/secrets/config" && "using_default_passphrase" in json) {
    delete json.using_default_passphrase;
    replace(c, json);
  } else if (pattern === "/gateway/mlflow/v1/models" && Array.isArray(json.data)) {
    // MLflow's `_filter_list_gateway_models`: the endpoints the caller may invoke (USE).
    const rows = json.data as Json[];
    const keep = await pooledMap(rows, async (r) => {
      const name = str(r.id);
      if (!name) return false;
      const id = await endpointId(name);
      return id !== undefined && await access.can(user, "gateway_endpoint", id, "USE");
    });
    replace(c, { ...json, data: rows.filter((_, i) => keep[i]) });
  }
}
