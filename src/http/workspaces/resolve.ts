/**
 * Resolves the request's workspace from `X-MLFLOW-WORKSPACE`, as MLflow's
 * `workspace_before_request_handler`, and serves the request inside it (`withWorkspace`):
 *
 * - `server-info` is answered whatever the header says (the UI reads it before choosing);
 * - workspaces off: a non-blank header is refused (500 `FEATURE_DISABLED`), a blank one ignored;
 * - workspaces on: blank → `default`; otherwise the name must be valid (400) and exist (404
 *   `Workspace '<name>' not found`). Existence is cached for a few seconds (one GetItem per
 *   workspace per replica, not per request).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { MlflowError } from "../../errors.ts";
import {
  validateWorkspaceName,
  type WorkspaceStore,
} from "../../store/workspaces/workspace_store.ts";
import { DEFAULT_WORKSPACE, withWorkspace } from "../../util/workspace_context.ts";

/** MLflow's `WORKSPACE_HEADER_NAME`. */
export const WORKSPACE_HEADER = "X-MLFLOW-WORKSPACE";

/** The middleware; `enabled` is `--enable-workspaces`. */
export function workspaceResolver(store: WorkspaceStore, enabled: boolean): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path.replace(/\/+$/, "").endsWith("/mlflow/server-info")) return await next();
    const header = (c.req.header(WORKSPACE_HEADER) ?? "").trim();
    if (!enabled) {
      if (header !== "") {
        throw new MlflowError(
          "FEATURE_DISABLED",
          "Workspace APIs are not available: workspaces are not enabled on this server",
        );
      }
      return await next();
    }
    let workspace = DEFAULT_WORKSPACE;
    if (header !== "") {
      if (header !== DEFAULT_WORKSPACE) validateWorkspaceName(header);
      workspace = (await store.getCached(header)).name;
    }
    await withWorkspace(workspace, () => next());
  };
}
