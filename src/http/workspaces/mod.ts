/**
 * Workspaces for the app (`--enable-workspaces`): the header resolver in front of every route,
 * the scope guard after authentication, and the workspace CRUD routes. `src/app.ts` calls these;
 * with workspaces off only the resolver (refusing the header) and the 503 routes are installed.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Stores } from "../../store/stores.ts";
import { mountMlflow } from "../mount.ts";
import { workspaceResolver } from "./resolve.ts";
import { workspaceScopeGuard } from "./scope_guard.ts";
import { workspaceRoutes } from "./routes.ts";
import { workspaceAccessGuard } from "./access.ts";
import type { Access } from "../auth/access.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";

/** Installs the resolver on `root` (call before the auth guard). */
export function installWorkspaceResolver(root: Hono, stores: Stores, enabled: boolean): void {
  root.use("*", workspaceResolver(stores.workspaces, enabled));
}

/**
 * Installs the scope guard on `root`, and with basic-auth (`access`) the workspace permission
 * checks (call after the auth guard).
 */
export function installWorkspaceScope(
  root: Hono,
  stores: Stores,
  enabled: boolean,
  staticPrefix: string,
  access?: Access,
): void {
  if (!enabled) return;
  if (access) {
    const experimentWorkspace = async (id: string) => {
      const e = await stores.experiments.findInAnyWorkspace(id, false);
      return e ? e.workspace ?? DEFAULT_WORKSPACE : null;
    };
    root.use("*", workspaceAccessGuard(access, staticPrefix, experimentWorkspace));
  }
  root.use("*", workspaceScopeGuard(stores, staticPrefix));
}

/** Mounts the workspace CRUD routes under `/api/3.0/mlflow` and `/ajax-api/3.0/mlflow`. */
export function mountWorkspaceRoutes(app: Hono, stores: Stores, enabled: boolean): void {
  mountMlflow(app, workspaceRoutes(stores.workspaces, enabled), ["3.0"]);
}
