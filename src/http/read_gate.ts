/**
 * The read checks a handler makes itself when its request names resources only inside its
 * payload (`/graphql` operations). The auth guard sets a gate for every authenticated non-admin
 * request; without one (auth off, or an admin) everything is readable. Kept apart from
 * `src/http/auth/` so that handlers need not know how permissions are found.
 *
 * @module
 */
import type { Context } from "hono";

/**
 * Whether the caller may read a resource (its existence is not revealed: unknown → false). A
 * resource of another workspace throws MLflow's not-found `MlflowError` instead (as if missing),
 * except for a non-admin under basic-auth: false (MLflow's GraphQL middleware resolves null).
 */
export interface ReadGate {
  experiment(id: string): Promise<boolean>;
  /**
   * Whether a search may keep this experiment id: the caller's grants in the request's workspace
   * allow reading it, without looking the experiment up (MLflow's `_role_based_read_predicate`).
   * Another workspace's id may pass; the search's store drops it (its `VisibleExperiments`).
   */
  searchable(id: string): Promise<boolean>;
  run(id: string): Promise<boolean>;
  registeredModel(name: string): Promise<boolean>;
}

const KEY = "mlflowReadGate";

/** Sets the gate of a request (the auth guard). */
export function setReadGate(c: Context, gate: ReadGate): void {
  c.set(KEY as never, gate as never);
}

/** The gate of a request, or `undefined` when every resource is readable. */
export function readGate(c: Context): ReadGate | undefined {
  return c.get(KEY as never) as ReadGate | undefined;
}
