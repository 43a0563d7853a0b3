/**
 * MLflow's permission levels (`mlflow/server/auth/permissions.py`), ordered
 * `NO_PERMISSIONS < READ < USE < EDIT < MANAGE`, and the resource types a grant may name.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";

/** A permission level's name as MLflow spells it. */
export type PermissionName = "NO_PERMISSIONS" | "READ" | "USE" | "EDIT" | "MANAGE";

/** What a route needs: a level on its resource. */
export type Need = "READ" | "USE" | "EDIT" | "MANAGE";

const RANK: Record<PermissionName, number> = {
  NO_PERMISSIONS: 0,
  READ: 1,
  USE: 2,
  EDIT: 3,
  MANAGE: 4,
};

/** Every level, weakest first. */
export const PERMISSIONS = Object.keys(RANK) as PermissionName[];

/** True when `held` is at least `need`. */
export function allows(held: PermissionName, need: Need): boolean {
  return RANK[held] >= RANK[need];
}

/** True for a level name MLflow knows. */
export function isPermission(s: unknown): s is PermissionName {
  return typeof s === "string" && Object.hasOwn(RANK, s);
}

/** The resource types we grant on (MLflow's concrete, per-id types that this server serves). */
export const RESOURCE_TYPES = ["experiment", "registered_model", "prompt", "scorer"] as const;
export type ResourceType = typeof RESOURCE_TYPES[number];

/** MLflow's check of a grant's level: a known level, and not NO_PERMISSIONS. */
export function validateGrant(resourceType: unknown, permission: unknown): void {
  if (resourceType === "workspace") {
    // MLflow 3.17.2 (`_reject_workspace_resource_type`): workspace-wide grants come from roles.
    throw invalidParameter(
      "resource_type 'workspace' is not supported by the per-user permission convenience APIs. " +
        "Use set_workspace_permission / delete_workspace_permission for workspace-wide grants.",
    );
  }
  if (
    typeof resourceType !== "string" ||
    !(RESOURCE_TYPES as readonly string[]).includes(resourceType)
  ) {
    throw invalidParameter(
      `Invalid resource type '${resourceType}'. Valid resource types are: ${
        pyTuple([...RESOURCE_TYPES].sort())
      }`,
    );
  }
  if (!isPermission(permission)) {
    throw invalidParameter(
      `Invalid permission '${permission}'. Valid permissions are: ${pyTuple(PERMISSIONS)}`,
    );
  }
  if (permission === "NO_PERMISSIONS") {
    throw invalidParameter(
      `Invalid permission '${permission}' for resource_type='${resourceType}'. ` +
        `Resource-level grants accept only: ('DENY', 'EDIT', 'MANAGE', 'READ', 'USE').`,
    );
  }
}

function pyTuple(items: readonly string[]): string {
  return `(${items.map((s) => `'${s}'`).join(", ")})`;
}
