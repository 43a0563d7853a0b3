/**
 * Workspace isolation of proxied artifact paths (`mlflow-artifacts:/`), as MLflow's
 * `_get_workspace_scoped_repo_path_if_enabled`: with workspaces on, a request in workspace `w`
 * reads and writes under `workspaces/w/` only. The default workspace keeps the legacy root
 * layout (paths without the prefix), so artifacts written before workspaces stay where they are.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";
import {
  currentWorkspace,
  isDefaultWorkspace,
  workspacesActive,
} from "../util/workspace_context.ts";

/** MLflow's `WORKSPACES_DIR_NAME`. */
export const WORKSPACES_DIR = "workspaces";

/**
 * The path in the artifact store for `path` (already validated and relative) in the current
 * workspace; unchanged without workspaces. `undefined`/empty means the root.
 */
export function workspaceScopedPath(path: string | undefined): string | undefined {
  if (!workspacesActive()) return path;
  const ws = currentWorkspace();
  const normalized = (path ?? "").replace(/^\/+/, "");
  const base = `${WORKSPACES_DIR}/${ws}`;
  if (normalized === "") return isDefaultWorkspace(ws) ? path : base;
  if (isDefaultWorkspace(ws) && !normalized.startsWith(`${WORKSPACES_DIR}/`)) return path;
  const [first, second] = normalized.split("/", 3);
  if (first === WORKSPACES_DIR) {
    if (!second) {
      throw invalidParameter(
        "Artifact paths prefixed with 'workspaces/' must include a workspace name.",
      );
    }
    if (second !== ws) {
      throw invalidParameter(
        `Artifact path targets workspace '${second}' but the workspace specified in the request is '${ws}'.`,
      );
    }
    return normalized;
  }
  return `${base}/${normalized}`;
}
