/**
 * The records of RBAC roles as MLflow's API shows them (role, permission, assignment) and how a
 * permission item of the table becomes one. The store is `role_store.ts`, which re-exports the
 * types.
 *
 * @module
 */
import { fromItem } from "../store/db.ts";
import type { PermissionName } from "./permissions.ts";

/** A permission a role holds. */
export interface RolePermission {
  id: number;
  role_id: number;
  resource_type: string;
  resource_pattern: string;
  permission: PermissionName;
}

/** A role as MLflow's API shows it. */
export interface Role {
  id: number;
  name: string;
  workspace: string;
  description: string | null;
  permissions: RolePermission[];
}

/** A user's membership in a role. */
export interface RoleAssignment {
  id: number;
  user_id: number;
  role_id: number;
}

export function permissionOf(raw: Parameters<typeof fromItem>[0]): RolePermission {
  const p = fromItem<RolePermission>(raw);
  return {
    id: Number(p.id),
    role_id: Number(p.role_id),
    resource_type: p.resource_type,
    resource_pattern: p.resource_pattern,
    permission: p.permission,
  };
}

export interface RoleItem {
  id: number;
  name: string;
  workspace: string;
  description: string | null;
}
