/**
 * What the basic-auth guard does after a route succeeded: MLflow's after-request hooks (the
 * creator gets MANAGE; a registered model's grants follow its rename and go with its delete; a
 * scorer's registrant gets MANAGE on it and its grants go with it; a deleted workspace drops
 * the cached grants and roles) and the filtering of search
 * answers to what the caller may read (`search_filter.ts`, and the scorer list here); the AI
 * Gateway's hooks are in `after_gateway.ts`.
 *
 * @module
 */
import type { Context } from "hono";
import type { User } from "../../auth/user_store.ts";
import { ROUTE_PERMISSIONS } from "../../auth/route_permissions.ts";
import { filterSearch, type IsPrompt, isPromptAnswer, type Refetch } from "./search_filter.ts";
import type { Access } from "./access.ts";
import { type Params, scorerPattern } from "./locate.ts";
import { pooledMap } from "../../util/pool.ts";
import { afterGateway, isGatewayHook } from "./after_gateway.ts";

type Json = Record<string, unknown>;

async function body(c: Context): Promise<Json | undefined> {
  if (!c.res.headers.get("content-type")?.includes("application/json")) return undefined;
  try {
    const parsed = await c.res.clone().json();
    return parsed && typeof parsed === "object" ? parsed as Json : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the hooks of `pattern` after a 2xx answer. */
export async function afterSuccess(
  c: Context,
  access: Access,
  user: User,
  pattern: string,
  params: Params,
  refetch: Refetch,
  innerPath: string,
  isPrompt: IsPrompt,
  gatewayEndpointId: (name: string) => Promise<string | undefined> = () =>
    Promise.resolve(undefined),
): Promise<void> {
  if (c.res.status < 200 || c.res.status >= 300) return;
  if (isGatewayHook(pattern)) {
    return await afterGateway(c, access, user, pattern, params, gatewayEndpointId);
  }
  const rule = ROUTE_PERMISSIONS[`${c.req.method} ${pattern}`];
  switch (pattern) {
    case "/mlflow/experiments/create": {
      const id = (await body(c))?.experiment_id;
      if (typeof id === "string") {
        await access.users.grant(user.username, "experiment", id, "MANAGE", true);
        access.forgetGrantsOf(user.username);
      }
      return;
    }
    case "/mlflow/registered-models/create": {
      const model = (await body(c))?.registered_model as Json | undefined;
      const name = model?.name;
      if (typeof name === "string") {
        // A prompt's creator manages the prompt (its stored tag, as the answer carries it).
        const type = isPromptAnswer(model) ? "prompt" : "registered_model";
        await access.users.grant(user.username, type, name, "MANAGE", true);
        access.forgetGrantsOf(user.username);
      }
      return;
    }
    case "/mlflow/registered-models/rename":
      if (typeof params.name === "string" && typeof params.new_name === "string") {
        await access.users.moveGrants("registered_model", params.name, params.new_name);
        await access.users.moveGrants("prompt", params.name, params.new_name);
        access.forgetGrants();
      }
      return;
    case "/mlflow/registered-models/delete":
      if (typeof params.name === "string") {
        await access.users.deleteGrants("registered_model", params.name);
        await access.users.deleteGrants("prompt", params.name);
        access.forgetGrants();
      }
      return;
    case "/mlflow/scorers/register": {
      const json = await body(c);
      if (typeof json?.name === "string" && json.experiment_id !== undefined) {
        const id = scorerPattern(String(json.experiment_id), json.name);
        await access.users.grant(user.username, "scorer", id, "MANAGE", true);
        access.forgetGrantsOf(user.username);
      }
      return;
    }
    case "/mlflow/scorers/delete": {
      const whole = params.version === undefined || params.version === null ||
        params.version === "";
      if (whole && typeof params.name === "string" && params.experiment_id !== undefined) {
        await access.users.deleteGrants(
          "scorer",
          scorerPattern(String(params.experiment_id), params.name),
        );
        access.forgetGrants();
      }
      return;
    }
    case "/mlflow/workspaces/:workspace_name":
      // A deleted workspace takes its roles and the grants made in it along.
      if (c.req.method === "DELETE") {
        access.forgetGrants();
        access.forgetRoles();
      }
      return;
    case "/mlflow/scorers/list":
      if (!user.is_admin) await filterScorers(c, access, user);
      return;
  }
  if (user.is_admin || rule?.kind !== "authenticated" || !rule.filter) return;
  const json = await body(c);
  if (json) await filterSearch(c, access, user, rule.filter, json, refetch, innerPath, isPrompt);
}

/** Keeps the scorers whose experiment and scorer the caller reads (MLflow's `filter_list_scorers`). */
async function filterScorers(c: Context, access: Access, user: User): Promise<void> {
  const json = await body(c);
  const rows = json?.scorers;
  if (!json || !Array.isArray(rows)) return;
  const keep = await pooledMap(rows as Json[], async (row) => {
    const exp = String(row.experiment_id);
    const name = String(row.scorer_name);
    return await access.can(user, "experiment", exp, "READ") &&
      await access.can(user, "scorer", scorerPattern(exp, name), "READ");
  });
  const headers = new Headers(c.res.headers);
  headers.delete("content-length");
  const kept = rows.filter((_, i) => keep[i]);
  // An empty repeated field is left out, as MLflow's protobuf JSON does.
  const out: Json = { ...json, scorers: kept };
  if (kept.length === 0) delete out.scorers;
  c.res = new Response(JSON.stringify(out), { status: c.res.status, headers });
}
