/**
 * MLflow's permission levels (`mlflow/server/auth/permissions.py`), ordered
 * `NO_PERMISSIONS < READ < USE < EDIT < MANAGE`, plus MLflow 3.17's explicit `DENY` veto, the
 * resource types a grant may name, and how the grants that match one resource fold into the
 * caller's level (`fold_grants_for_key` and `floor_positive_permission` of MLflow 3.17.2).
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";

/** A permission level's name as MLflow spells it. */
export type PermissionName = "NO_PERMISSIONS" | "READ" | "USE" | "EDIT" | "MANAGE" | "DENY";

/** What a route needs: a level on its resource, or only that it is not denied (`DENY`). */
export type Need = "READ" | "USE" | "EDIT" | "MANAGE" | "NOT_DENIED";

const RANK: Record<PermissionName, number> = {
  NO_PERMISSIONS: 0,
  READ: 1,
  USE: 2,
  EDIT: 3,
  MANAGE: 4,
  // An explicit veto: below every level, and it wins over any grant it is folded with.
  DENY: -1,
};

/** Every level, weakest first (without the DENY veto). */
export const PERMISSIONS = Object.keys(RANK).filter((p) => p !== "DENY") as PermissionName[];

/** The higher of two levels. */
export function maxPermission(a: PermissionName, b: PermissionName): PermissionName {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The caller's level from every grant that matches one resource (direct grants and role
 * grants alike), as MLflow 3.17.2 folds them: any DENY wins; else the highest grant, never
 * below `defaultPermission`; no grant at all is `defaultPermission`.
 */
export function foldGrants(
  matching: readonly PermissionName[],
  defaultPermission: PermissionName,
): PermissionName {
  if (matching.includes("DENY")) return "DENY";
  if (matching.length === 0) return defaultPermission;
  return matching.reduce(maxPermission, defaultPermission);
}

/** True when `held` is at least `need`. */
export function allows(held: PermissionName, need: Need): boolean {
  if (need === "NOT_DENIED") return held !== "DENY";
  return RANK[held] >= RANK[need];
}

/** True for a level name MLflow knows. */
export function isPermission(s: unknown): s is PermissionName {
  return typeof s === "string" && Object.hasOwn(RANK, s);
}

/** The resource types we grant on (MLflow's concrete, per-id types that this server serves). */
export const RESOURCE_TYPES = [
  "experiment",
  "registered_model",
  "prompt",
  "scorer",
  "gateway_secret",
  "gateway_endpoint",
  "gateway_model_definition",
] as const;
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
      `Invalid permission '${permission}'. Valid permissions are: ${
        pyTuple([...PERMISSIONS.slice(1), "NO_PERMISSIONS", "DENY"])
      }`,
    );
  }
  if (permission === "NO_PERMISSIONS") {
    throw invalidParameter(
      `Invalid permission '${permission}' for resource_type='${resourceType}'. ` +
        `Resource-level grants accept only: ('DENY', 'EDIT', 'MANAGE', 'READ', 'USE').`,
    );
  }
}

export function pyTuple(items: readonly string[]): string {
  return `(${items.map((s) => `'${s}'`).join(", ")})`;
}

/**
 * A scorer's grant key as MLflow 3.17.2 writes it (`_scorer_pattern`): the experiment id, `/`,
 * and the name quoted as Python's `urllib.parse.quote(name, safe="")`.
 */
export function scorerPattern(experimentId: string, name: string): string {
  const quoted = encodeURIComponent(name).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${experimentId}/${quoted}`;
}
