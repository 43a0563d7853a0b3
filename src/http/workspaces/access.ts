/**
 * Workspace permissions on the HTTP side (basic-auth and `--enable-workspaces` both on), as
 * MLflow 3.17.2's `validate_can_view_workspace`, `filter_list_workspaces` and
 * `_can_create_in_workspace` (rules in `src/auth/workspace_permissions.ts`). Admins pass; for
 * everyone else:
 *
 * - `GET /workspaces/<name>`: 403 unless the user may see that workspace;
 * - `GET /workspaces`: only the workspaces the user may see;
 * - creating an experiment, a registered model (prompts too) or an AI Gateway secret, or an AI
 *   Gateway endpoint that names no model definition: 403 unless the user may create in the
 *   request's workspace;
 * - the dataset searches (`experiments/search-datasets`, `datasets/search`): 403 when they name an
 *   experiment that is not in the request's workspace (another workspace's, or none), as MLflow's
 *   `validate_can_search_datasets` / `validate_can_search_evaluation_datasets` resolve each
 *   experiment's workspace first and deny what they cannot find there (the other searches leave
 *   such ids to their stores, which drop them: `src/http/visibility.ts`).
 *
 * Resource levels (READ, EDIT, ...) are resolved by the auth layer's `Access.permission`.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { normalizePath } from "../../auth/route_permissions.ts";
import { canCreateInWorkspace, canSeeWorkspace } from "../../auth/workspace_permissions.ts";
import { currentWorkspace, withWorkspace } from "../../util/workspace_context.ts";
import type { Access } from "../auth/access.ts";
import { authUser, forbidden } from "../auth/middleware.ts";
import { rawMessage } from "../request.ts";
import { MlflowError } from "../../errors.ts";

/**
 * True when an endpoint create names no model definition (MLflow 3.17.2's
 * `_validate_can_use_model_definitions_for_create`: then the workspace's USE is what it needs).
 */
async function namesNoModelDefinition(c: Context): Promise<boolean> {
  let params: Record<string, unknown>;
  try {
    params = await rawMessage(c);
  } catch (e) {
    if (e instanceof MlflowError) return false; // the handler answers the bad input
    throw e;
  }
  const configs = Array.isArray(params.model_configs) ? params.model_configs : [];
  return !configs.some((m) =>
    m !== null && typeof m === "object" &&
    typeof (m as Record<string, unknown>).model_definition_id === "string" &&
    (m as Record<string, unknown>).model_definition_id !== ""
  );
}

const CREATES = new Set([
  "POST /mlflow/experiments/create",
  "POST /mlflow/registered-models/create",
  // MLflow 3.17.2: persisting a provider credential is a workspace-scoped create.
  "POST /mlflow/gateway/secrets/create",
]);

/** The dataset searches that check every named experiment in the request's workspace. */
const DATASET_SEARCHES = new Set([
  "POST /mlflow/experiments/search-datasets",
  "POST /mlflow/datasets/search",
  "GET /mlflow/datasets/search",
]);

/** The `experiment_ids` a dataset search names (JSON body, else the query string). */
async function namedExperiments(c: Context): Promise<string[]> {
  if (c.req.method === "GET") return c.req.queries("experiment_ids") ?? [];
  try {
    const ids = (await rawMessage(c)).experiment_ids;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch (e) {
    if (e instanceof MlflowError) return []; // the handler answers the bad input
    throw e;
  }
}

async function filterList(c: Context, visible: (name: string) => Promise<boolean>): Promise<void> {
  if (c.res.status !== 200) return;
  const json = await c.res.clone().json() as { workspaces?: { name: string }[] };
  const kept = [];
  for (const w of json.workspaces ?? []) if (await visible(w.name)) kept.push(w);
  const headers = new Headers(c.res.headers);
  headers.delete("content-length");
  c.res = new Response(JSON.stringify(kept.length > 0 ? { workspaces: kept } : {}), {
    status: 200,
    headers,
  });
}

/** The guard; install after the auth guard (it reads the authenticated user). */
export function workspaceAccessGuard(
  access: Access,
  staticPrefix: string,
  /** The workspace of an experiment, or `null` when there is none with that id. */
  experimentWorkspace: (id: string) => Promise<string | null>,
): MiddlewareHandler {
  return async (c, next) => {
    const user = authUser(c);
    if (!user || user.is_admin) return await next();
    const path = normalizePath(c.req.path, staticPrefix);
    const key = `${c.req.method} ${path}`;
    const visible = async (name: string) =>
      canSeeWorkspace(
        access.config,
        name,
        await withWorkspace(name, () => access.workspaceGrant(user)),
      );
    const creates = CREATES.has(key) ||
      (key === "POST /mlflow/gateway/endpoints/create" && await namesNoModelDefinition(c));
    if (creates) {
      const here = currentWorkspace();
      if (!canCreateInWorkspace(access.config, here, await access.workspaceGrant(user))) {
        return forbidden();
      }
      return await next();
    }
    if (DATASET_SEARCHES.has(c.req.method === "HEAD" ? `GET ${path}` : key)) {
      const here = currentWorkspace();
      for (const id of await namedExperiments(c)) {
        if ((await experimentWorkspace(id)) !== here) return forbidden();
      }
      return await next();
    }
    const one = /^\/mlflow\/workspaces\/([^/]+)$/.exec(path);
    if (one && c.req.method === "GET") {
      if (!(await visible(decodeURIComponent(one[1]!)))) return forbidden();
      return await next();
    }
    await next();
    if (path === "/mlflow/workspaces" && c.req.method === "GET") await filterList(c, visible);
  };
}
