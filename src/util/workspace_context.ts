/**
 * The workspace of the request being served (`--enable-workspaces`, `X-MLFLOW-WORKSPACE`).
 *
 * The HTTP layer resolves the header once per request and runs the handler inside
 * {@link withWorkspace}; stores read {@link currentWorkspace} when they build keys, so the
 * workspace travels with the request through `AsyncLocalStorage` (never a module global) without
 * every store signature changing. Outside a request (start-up, `deno task gc`), and whenever
 * workspaces are off, the workspace is `default`, whose keys are exactly the keys of a server
 * without workspaces: existing data needs no migration.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** MLflow's `DEFAULT_WORKSPACE_NAME`. */
export const DEFAULT_WORKSPACE = "default";

const storage = new AsyncLocalStorage<string>();

/** Runs `fn` with `workspace` as the current request's workspace. */
export function withWorkspace<T>(workspace: string, fn: () => T): T {
  return storage.run(workspace, fn);
}

/** The current request's workspace; `default` outside a request or with workspaces off. */
export function currentWorkspace(): string {
  return storage.getStore() ?? DEFAULT_WORKSPACE;
}

/** True for the default workspace (whose keys carry no workspace component). */
export function isDefaultWorkspace(workspace: string): boolean {
  return workspace === DEFAULT_WORKSPACE;
}

/** True inside a request of a server running with `--enable-workspaces`. */
export function workspacesActive(): boolean {
  return storage.getStore() !== undefined;
}

/**
 * A condition on an item's `workspace` attribute matching the current workspace (absent for
 * `default`), for conditional writes that must not touch another workspace's item.
 */
export function workspaceCondition(): {
  expression: string;
  values: Record<string, { S: string }>;
} {
  const ws = currentWorkspace();
  return isDefaultWorkspace(ws)
    ? { expression: "attribute_not_exists(workspace)", values: {} }
    : { expression: "workspace = :wsname", values: { ":wsname": { S: ws } } };
}
