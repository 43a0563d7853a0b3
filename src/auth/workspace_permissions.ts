/**
 * Workspace permissions with basic-auth (`--enable-workspaces`), as MLflow 3.17.2's two-tier
 * model: a workspace-wide grant (`resource_type` `workspace`, pattern `*`, kept in its workspace)
 * of `USE` makes a user a member (may see the workspace, create in it, and gets
 * `default_permission` on its resources), `MANAGE` makes a workspace admin (MANAGE on everything
 * in it). Without one, a user has no presence in the workspace: only explicit grants on
 * resources count, and `default_permission` does not apply, except in the default workspace
 * when `grant_default_workspace_access` is on. Admins bypass all of it.
 *
 * MLflow hands out workspace-wide grants through roles (RBAC); {@link setWorkspaceGrant} is the
 * hook a role assignment (or an operator script) calls.
 *
 * @module
 */
import type { PermissionName, ResourceType } from "./permissions.ts";
import type { UserStore } from "./user_store.ts";
import { DEFAULT_WORKSPACE, withWorkspace } from "../util/workspace_context.ts";

/** The levels MLflow accepts on a workspace-wide grant (`WORKSPACE_GRANTABLE_PERMISSIONS`). */
export type WorkspaceLevel = "USE" | "MANAGE";

const WORKSPACE = "workspace" as ResourceType;

/** Gives `username` a workspace-wide grant in `workspace` (replacing any earlier one). */
export function setWorkspaceGrant(
  users: UserStore,
  username: string,
  workspace: string,
  level: WorkspaceLevel,
): Promise<void> {
  return withWorkspace(workspace, () => users.grant(username, WORKSPACE, "*", level, true));
}

/** Removes the workspace-wide grant of `username` in `workspace`. */
export function removeWorkspaceGrant(
  users: UserStore,
  username: string,
  workspace: string,
): Promise<void> {
  return withWorkspace(workspace, () => users.revoke(username, WORKSPACE, "*"));
}

/** The settings the resolution needs. */
export interface WorkspaceAuthSettings {
  defaultPermission: PermissionName;
  grantDefaultWorkspaceAccess?: boolean;
}

/** True when a user without a workspace grant still uses `workspace` (the default one, opted in). */
export function inheritsWorkspace(settings: WorkspaceAuthSettings, workspace: string): boolean {
  return settings.grantDefaultWorkspaceAccess === true && workspace === DEFAULT_WORKSPACE;
}

/** True when the user may see `workspace` (any workspace-wide grant there, or inherited). */
export function canSeeWorkspace(
  settings: WorkspaceAuthSettings,
  workspace: string,
  workspaceGrant: PermissionName | undefined,
): boolean {
  return workspaceGrant !== undefined || inheritsWorkspace(settings, workspace);
}

/** True when the user may create experiments and registered models in `workspace`. */
export function canCreateInWorkspace(
  settings: WorkspaceAuthSettings,
  workspace: string,
  workspaceGrant: PermissionName | undefined,
): boolean {
  return workspaceGrant === "USE" || workspaceGrant === "MANAGE" ||
    (workspaceGrant === undefined && inheritsWorkspace(settings, workspace));
}

/** A non-admin's level on a resource of `workspace`, from its own grant and the workspace's. */
export function resolveInWorkspace(
  settings: WorkspaceAuthSettings,
  workspace: string,
  resourceGrant: PermissionName | undefined,
  workspaceGrant: PermissionName | undefined,
): PermissionName {
  if (workspaceGrant === "MANAGE") return "MANAGE";
  if (resourceGrant !== undefined) return resourceGrant;
  if (workspaceGrant === "USE" || inheritsWorkspace(settings, workspace)) {
    return settings.defaultPermission;
  }
  return "NO_PERMISSIONS";
}
