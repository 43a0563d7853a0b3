/**
 * What the basic-auth guard does after a route succeeded: MLflow's after-request hooks (the
 * creator gets MANAGE; a registered model's grants follow its rename and go with its delete) and
 * the filtering of search answers to what the caller may read (`search_filter.ts`).
 *
 * @module
 */
import type { Context } from "hono";
import type { User } from "../../auth/user_store.ts";
import { ROUTE_PERMISSIONS } from "../../auth/route_permissions.ts";
import { filterSearch, type Refetch } from "./search_filter.ts";
import type { Access } from "./access.ts";
import type { Params } from "./locate.ts";

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
): Promise<void> {
  if (c.res.status < 200 || c.res.status >= 300) return;
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
      const name = ((await body(c))?.registered_model as Json | undefined)?.name;
      if (typeof name === "string") {
        await access.users.grant(user.username, "registered_model", name, "MANAGE", true);
        access.forgetGrantsOf(user.username);
      }
      return;
    }
    case "/mlflow/registered-models/rename":
      if (typeof params.name === "string" && typeof params.new_name === "string") {
        await access.users.moveGrants("registered_model", params.name, params.new_name);
        access.forgetGrants();
      }
      return;
    case "/mlflow/registered-models/delete":
      if (typeof params.name === "string") {
        await access.users.deleteGrants("registered_model", params.name);
        access.forgetGrants();
      }
      return;
  }
  if (user.is_admin || rule?.kind !== "authenticated" || !rule.filter) return;
  const json = await body(c);
  if (json) await filterSearch(c, access, user, rule.filter, json, refetch, innerPath);
}
