/**
 * The input rules of MLflow 3.17.2's role API, apart from the store that applies them: which
 * resource types and levels a role permission may name (`_validate_permission_for_resource_type`,
 * `_validate_resource_pattern`), the reserved `__user_` role names, and integer ids as
 * `_coerce_int_param` reads them. Messages are MLflow's.
 *
 * @module
 */
import { invalidParameter, missingParameter } from "../errors.ts";
import { isPermission, PERMISSIONS, pyTuple } from "./permissions.ts";

/** Resource types a role permission may name here: the ones this server enforces. */
export const ROLE_RESOURCE_TYPES = [
  "experiment",
  "gateway_endpoint",
  "gateway_model_definition",
  "gateway_secret",
  "prompt",
  "registered_model",
  "scorer",
  "workspace",
] as const;

/** MLflow's reserved prefix of the per-user synthetic roles. */
const SYNTHETIC_PREFIX = "__user_";

export function rejectSyntheticName(name: string): void {
  if (name.startsWith(SYNTHETIC_PREFIX)) {
    throw invalidParameter(
      `Role name '${name}' uses the reserved '__user_' prefix, which is held for the per-user ` +
        "permission representation. Choose a different name.",
    );
  }
}

/** MLflow's `_validate_permission_for_resource_type` and `_validate_resource_pattern`. */
export function validateRolePermission(
  resourceType: unknown,
  pattern: unknown,
  permission: unknown,
) {
  if (!isPermission(permission)) {
    throw invalidParameter(
      `Invalid permission '${permission}'. Valid permissions are: ${
        pyTuple([...PERMISSIONS.slice(1), "NO_PERMISSIONS", "DENY"])
      }`,
    );
  }
  if (
    typeof resourceType !== "string" ||
    !(ROLE_RESOURCE_TYPES as readonly string[]).includes(resourceType)
  ) {
    throw invalidParameter(
      `Invalid resource type '${resourceType}'. Valid resource types are: ${
        pyTuple(ROLE_RESOURCE_TYPES)
      }`,
    );
  }
  if (resourceType === "workspace") {
    if (permission !== "USE" && permission !== "MANAGE") {
      throw invalidParameter(
        `Invalid permission '${permission}' for resource_type='workspace'. ` +
          "Workspace-wide grants accept only: ('MANAGE', 'USE').",
      );
    }
  } else if (permission === "NO_PERMISSIONS") {
    throw invalidParameter(
      `Invalid permission '${permission}' for resource_type='${resourceType}'. ` +
        "Resource-level grants accept only: ('DENY', 'EDIT', 'MANAGE', 'READ', 'USE').",
    );
  }
  if (pattern === undefined || pattern === null) {
    throw invalidParameter(missingParameter("resource_pattern"));
  }
  if (resourceType === "workspace" && pattern !== "*") {
    throw invalidParameter(
      `Invalid resource_pattern '${pattern}' for resource_type='workspace'. This resource type ` +
        "supports only wildcard ('*') grants.",
    );
  }
}

/** An integer request parameter, or MLflow's 400 (`_coerce_int_param`). */
export function intParam(name: string, raw: unknown): number {
  if (raw === undefined || raw === null || raw === "") {
    throw invalidParameter(missingParameter(name));
  }
  if (typeof raw === "boolean") return raw ? 1 : 0;
  const text = String(Array.isArray(raw) ? raw[0] : raw).trim();
  if (!/^[+-]?[0-9]+$/.test(text)) {
    throw invalidParameter(`Parameter '${name}' must be an integer. Got: ${pyRepr(raw)}`);
  }
  return Number(text);
}

function pyRepr(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null) return "None";
  return JSON.stringify(v);
}
