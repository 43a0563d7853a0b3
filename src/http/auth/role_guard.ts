/**
 * Who may call the role (RBAC) routes, as MLflow 3.17.2's validators decide
 * (`validate_can_manage_roles`, `validate_can_view_roles`, `validate_can_list_roles`,
 * `validate_can_view_user_roles`): admins always; otherwise by the workspace the request's role
 * lives in (found from `role_id`, `role_permission_id` or `workspace`):
 *
 * - `manage`: a workspace admin there (a role in it holds `workspace` `*` MANAGE);
 * - `view`: any role in that workspace;
 * - `list`: a role in every `workspace` asked for (none asked: admins only);
 * - `user_roles`: the user named by `username`, or a workspace admin of one of that user's
 *   workspaces.
 *
 * A role or role permission that does not exist is denied (403), not revealed by a 404.
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import type { Role } from "../../auth/role_store.ts";
import { intParam } from "../../auth/role_rules.ts";
import type { User } from "../../auth/user_store.ts";
import { MlflowError } from "../../errors.ts";
import type { Access } from "./access.ts";

/** Which of MLflow's role validators a route uses. */
export type RoleCheck = "manage" | "view" | "list" | "user_roles";

async function roleWorkspace(access: Access, params: Record<string, unknown>) {
  try {
    if ("role_id" in params) {
      return (await access.roles.getRole(intParam("role_id", params.role_id))).workspace;
    }
    if ("role_permission_id" in params) {
      const p = await access.roles.getPermission(
        intParam("role_permission_id", params.role_permission_id),
      );
      return (await access.roles.getRole(p.role_id)).workspace;
    }
  } catch (e) {
    if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
    throw e;
  }
  if ("workspace" in params) {
    const ws = params.workspace;
    if (typeof ws !== "string" || ws.trim() === "") {
      throw invalidParameter("Parameter 'workspace' must be a non-empty string.");
    }
    return ws;
  }
  throw invalidParameter("Request must include one of: role_id, role_permission_id, workspace.");
}

/** The workspaces where `username` holds a role, and those where they are workspace admin. */
export async function workspacesOf(
  access: Access,
  username: string,
): Promise<{ present: Set<string>; admin: Set<string> }> {
  const roles: Role[] = await access.roles.rolesOf(username);
  const present = new Set(roles.map((r) => r.workspace));
  const admin = new Set(
    roles.filter((r) =>
      r.permissions.some((p) =>
        p.resource_type === "workspace" && p.resource_pattern === "*" && p.permission === "MANAGE"
      )
    ).map((r) => r.workspace),
  );
  return { present, admin };
}

/** True when the (non-admin) `user` may call a role route of kind `check`. */
export async function roleRouteAllowed(
  access: Access,
  user: User,
  check: RoleCheck,
  params: Record<string, unknown>,
): Promise<boolean> {
  if (user.is_admin) return true;
  switch (check) {
    case "manage":
    case "view": {
      const ws = await roleWorkspace(access, params);
      if (ws === undefined) return false;
      const mine = await workspacesOf(access, user.username);
      return check === "manage" ? mine.admin.has(ws) : mine.present.has(ws);
    }
    case "list": {
      const raw = params.workspace;
      const asked = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
        .filter((w): w is string => typeof w === "string" && w.trim() !== "")
        .map((w) => w.trim());
      if (asked.length === 0) return false;
      const { present } = await workspacesOf(access, user.username);
      return asked.every((w) => present.has(w));
    }
    case "user_roles": {
      const target = params.username;
      if (target === user.username) return true;
      if (typeof target !== "string" || !(await access.users.findUser(target))) return false;
      const mine = await workspacesOf(access, user.username);
      const theirs = await workspacesOf(access, target);
      return [...theirs.present].some((w) => mine.admin.has(w));
    }
  }
}
