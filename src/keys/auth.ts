/**
 * Auth keys of the key schema: basic-auth users and their per-resource grants, RBAC roles (their
 * permissions, members and user-side assignments), and workspaces. Part of `key_schema.ts`, which
 * re-exports it; import that, not this file.
 *
 * @module
 */
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";
import { encoder, inWorkspace } from "./internal.ts";
import {
  type Gsi1Key,
  type Key,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  nameInKey,
} from "./names.ts";

// ---------------------------------------------------------------------------------------------
// Auth (basic-auth app): users and their per-resource grants

/** A user of the basic-auth app; listed through GSI1 under {@link USERS_GSI1_PK}. */
export const userKey = (username: string): Key => ({
  pk: userPk(username),
  sk: "USER",
});
const userPk = (username: string): string =>
  `USER#${nameInKey(username, MAX_PARTITION_KEY_BYTES, "USER#".length)}`;
export const USERS_GSI1_PK = "USERS";
export const userGsi1 = (username: string): Gsi1Key => ({
  gsi1pk: USERS_GSI1_PK,
  gsi1sk: nameInKey(username, MAX_SORT_KEY_BYTES, 0),
});
/** The partition of a user: the user item and every grant the user holds. */
export const userPartitionPk = userPk;

/**
 * One grant: `username` holds a permission on one resource (`experiment`, `registered_model`, ...).
 * Resources named by a per-workspace name (registered models, prompts) carry their workspace
 * outside `default` (`registered_model@<ws>`), so one name in two workspaces never shares grants.
 */
export const grantKey = (
  username: string,
  resourceType: string,
  resourceId: string,
  workspace = DEFAULT_WORKSPACE,
): Key => {
  const type = inWorkspace(resourceType, workspace);
  return {
    pk: userPk(username),
    sk: `${GRANT_PREFIX}${type}#${
      nameInKey(
        resourceId,
        MAX_SORT_KEY_BYTES,
        GRANT_PREFIX.length + encoder.encode(type).length + 1,
      )
    }`,
  };
};
export const GRANT_PREFIX = "GRANT#";
/** Grants listed by resource (rename and delete of a registered model move or remove them). */
/** The workspace a grant's sort key carries (`default` when its type has no `@<ws>`). */
export const grantKeyWorkspace = (sk: string): string => {
  const rest = sk.startsWith(GRANT_PREFIX) ? sk.slice(GRANT_PREFIX.length) : "";
  const type = rest.slice(0, Math.max(rest.indexOf("#"), 0));
  const at = type.indexOf("@");
  return at < 0 ? DEFAULT_WORKSPACE : type.slice(at + 1);
};
export const grantGsi1 = (
  username: string,
  resourceType: string,
  resourceId: string,
  workspace = DEFAULT_WORKSPACE,
): Gsi1Key => ({
  gsi1pk: grantsOnGsi1Pk(resourceType, resourceId, workspace),
  gsi1sk: nameInKey(username, MAX_SORT_KEY_BYTES, 0),
});
export const grantsOnGsi1Pk = (
  resourceType: string,
  resourceId: string,
  workspace = DEFAULT_WORKSPACE,
): string => {
  const type = inWorkspace(resourceType, workspace);
  return `GRANTS#${type}#${
    nameInKey(
      resourceId,
      MAX_PARTITION_KEY_BYTES,
      "GRANTS#".length + encoder.encode(type).length + 1,
    )
  }`;
};

// ---------------------------------------------------------------------------------------------
// Auth roles (RBAC, MLflow 3.17.2): a role's partition holds the role item, its permissions and
// its members; a user's partition holds one assignment item per role (docs/key-schema.md).

/** The partition of a role. */
export const rolePk = (roleId: number): string => `ROLE#${roleId}`;
/** The role item; every role is listed through GSI1 under {@link ROLES_GSI1_PK}. */
export const roleKey = (roleId: number): Key => ({ pk: rolePk(roleId), sk: "ROLE" });
export const ROLES_GSI1_PK = "ROLES";
export const roleGsi1 = (roleId: number): Gsi1Key => ({
  gsi1pk: ROLES_GSI1_PK,
  gsi1sk: String(roleId).padStart(12, "0"),
});
/** Claims a role name within its workspace (names are unique per workspace). */
export const roleNameKey = (workspace: string, name: string): Key => ({
  pk: `ROLENAME#${
    nameInKey(JSON.stringify([workspace, name]), MAX_PARTITION_KEY_BYTES, "ROLENAME#".length)
  }`,
  sk: "ROLENAME",
});
/** Sort-key prefix of a role's permissions (`PERM#<type>#<pattern>`), read with the role item. */
export const ROLE_PERMISSION_PREFIX = "PERM#";
/** One permission of a role: unique per (resource type, pattern). */
export const rolePermissionKey = (roleId: number, resourceType: string, pattern: string): Key => ({
  pk: rolePk(roleId),
  sk: `${ROLE_PERMISSION_PREFIX}${resourceType}#${
    nameInKey(pattern, MAX_SORT_KEY_BYTES, ROLE_PERMISSION_PREFIX.length + resourceType.length + 1)
  }`,
});
/** Finds a role permission by its id (the API names it by id alone). */
export const rolePermissionIdKey = (permissionId: number): Key => ({
  pk: `ROLEPERM#${permissionId}`,
  sk: "ROLEPERM",
});
/** Sort-key prefix of a role's members. */
export const ROLE_MEMBER_PREFIX = "MEMBER#";
/** A member of a role (role side of an assignment). */
export const roleMemberKey = (roleId: number, username: string): Key => ({
  pk: rolePk(roleId),
  sk: `${ROLE_MEMBER_PREFIX}${nameInKey(username, MAX_SORT_KEY_BYTES, ROLE_MEMBER_PREFIX.length)}`,
});
/** Sort-key prefix of a user's role assignments (user side). */
export const USER_ROLE_PREFIX = "ROLE#";
/** A role of a user (user side of an assignment), in the user's partition. */
export const userRoleKey = (username: string, roleId: number): Key => ({
  pk: userPk(username),
  sk: `${USER_ROLE_PREFIX}${String(roleId).padStart(12, "0")}`,
});

// ---------------------------------------------------------------------------------------------
// Workspaces (`--enable-workspaces`): one item per created workspace, listed through GSI1.
// `default` has an item only once it was updated; it exists without one.

export const workspaceKey = (name: string): Key => ({ pk: `WS#${name}`, sk: "WS" });
export const WORKSPACES_GSI1_PK = "WSS";
export const workspaceGsi1 = (name: string): Gsi1Key => ({
  gsi1pk: WORKSPACES_GSI1_PK,
  gsi1sk: name,
});
