/**
 * The REST API of MLflow 3.17.2's basic-auth app (`mlflow/server/auth/__init__.py`), which
 * `mlflow.server.get_app_client("basic-auth", tracking_uri=...)` (`AuthServiceClient`) calls:
 * users (create, get, list, current, update-password, update-admin, delete) under `/2.0`, and
 * the unified per-user grants (`users/permissions/grant|revoke|get`, `users/current/permissions`,
 * `users/permissions/list`) under `/3.0`. Who may call what is the route table's business
 * (`src/auth/route_permissions.ts`); the handlers only do the work.
 *
 * @module
 */
import { Hono } from "hono";
import { invalidParameter, missingParameter, MlflowError } from "../../errors.ts";
import { allows, type PermissionName, validateGrant } from "../../auth/permissions.ts";
import type { ResourceType } from "../../auth/permissions.ts";
import type { Grant, User } from "../../auth/user_store.ts";
import { rawMessage } from "../request.ts";
import { mountMlflow } from "../mount.ts";
import type { Access } from "./access.ts";
import { authUser } from "./middleware.ts";
import { workspacesOf } from "./role_guard.ts";
import { pooledMap } from "../../util/pool.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";

function param(msg: Record<string, unknown>, name: string): string {
  const v = msg[name];
  if (v === undefined || v === null || v === "") throw invalidParameter(missingParameter(name));
  return String(v);
}

function caller(c: Parameters<typeof authUser>[0]): User {
  const user = authUser(c);
  if (!user) throw new MlflowError("UNAUTHENTICATED", "You are not authenticated.");
  return user;
}

/**
 * MLflow's `_list_user_role_permissions`: the direct grants (MLflow's synthetic `__user_<id>__`
 * role) and then every permission of every role the user holds.
 */
/** The workspace of an experiment, or undefined when there is no such experiment. */
export type ExperimentWorkspace = (experimentId: string) => Promise<string | undefined>;

/**
 * The workspace MLflow reports for a direct grant: the one it was made in; for a grant stored
 * before that was recorded, its experiment's (experiments, scorers `<experiment id>/<name>`),
 * else `default`.
 */
async function grantWorkspaceOf(g: Grant, experimentWorkspace: ExperimentWorkspace) {
  if (g.workspace !== undefined) return g.workspace;
  const experimentId = g.resource_type === "experiment"
    ? g.resource_id
    : g.resource_type === "scorer"
    ? g.resource_id.split("/")[0]
    : undefined;
  if (!experimentId || experimentId === "*") return DEFAULT_WORKSPACE;
  return await experimentWorkspace(experimentId) ?? DEFAULT_WORKSPACE;
}

async function permissionRows(
  access: Access,
  user: User,
  grants: Grant[],
  experimentWorkspace: ExperimentWorkspace,
) {
  const workspaces = await pooledMap(grants, (g) => grantWorkspaceOf(g, experimentWorkspace));
  const direct = grants.map((g, i) => ({
    role_id: user.id,
    role_name: `__user_${user.id}__`,
    workspace: workspaces[i]!,
    resource_type: g.resource_type,
    resource_pattern: g.resource_id,
    permission: g.permission,
  }));
  const viaRoles = (await access.roles.rolesOf(user.username)).flatMap((role) =>
    role.permissions.map((p) => ({
      role_id: role.id,
      role_name: role.name,
      workspace: role.workspace,
      resource_type: p.resource_type,
      resource_pattern: p.resource_pattern,
      permission: p.permission,
    }))
  );
  return [...direct, ...viaRoles];
}

/** The user-management routes (`/api/2.0/mlflow/users/...` and the ajax twin). */
function userRoutes(access: Access): Hono {
  const users = access.users;
  const r = new Hono();
  r.post("/users/create", async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (type.split(";")[0]!.trim().toLowerCase() !== "application/json") {
      return c.text("Invalid content type. Must be application/json", 400);
    }
    const msg = await rawMessage(c);
    if (!msg.username || !msg.password) {
      return c.text("Username and password cannot be empty.", 400);
    }
    return c.json({ user: await users.createUser(msg.username, msg.password) });
  });
  r.get("/users/get", async (c) => {
    const msg = await rawMessage(c);
    return c.json({ user: await users.getUser(param(msg, "username")) });
  });
  r.get("/users/list", async (c) => {
    const all = await users.listUsers();
    // Each user's roles, as far as the caller may see them (MLflow's `list_users`): all for an
    // admin and for oneself, those of the workspaces a workspace admin administers.
    const me = caller(c);
    const admin = me.is_admin ? undefined : (await workspacesOf(access, me.username)).admin;
    const out = await pooledMap(all, async (u) => {
      const roles = await access.roles.rolesOf(u.username);
      const visible = admin === undefined || u.username === me.username
        ? roles
        : roles.filter((role) => admin.has(role.workspace));
      return { ...u, roles: visible };
    });
    return c.json({ users: out });
  });
  r.get("/users/current", async (c) => {
    const me = await users.getUser(caller(c).username);
    return c.json({ user: me, is_basic_auth: true });
  });
  r.patch("/users/update-password", async (c) => {
    const msg = await rawMessage(c);
    const username = param(msg, "username");
    const password = msg.password;
    if (username === caller(c).username) {
      const current = msg.current_password;
      if (typeof current !== "string" || current === "") {
        throw invalidParameter("Current password is required when changing your own password.");
      }
      if (!(await users.authenticate(username, current))) {
        throw invalidParameter("Current password does not match.");
      }
      if (password === current) {
        throw invalidParameter("New password must differ from the current password.");
      }
    }
    await users.updatePassword(username, password);
    access.forgetUser(username);
    return c.json({});
  });
  r.patch("/users/update-admin", async (c) => {
    const msg = await rawMessage(c);
    const username = param(msg, "username");
    const raw = msg.is_admin;
    const isAdmin = typeof raw === "boolean" ? raw : /^true$/i.test(String(raw ?? ""));
    await users.updateAdmin(username, isAdmin);
    access.forgetUser(username);
    return c.json({});
  });
  r.delete("/users/delete", async (c) => {
    const msg = await rawMessage(c);
    const username = param(msg, "username");
    if (username === caller(c).username) {
      throw new MlflowError(
        "BAD_REQUEST",
        "Users cannot delete their own account. Ask another admin to delete this user instead.",
      );
    }
    await users.getUser(username);
    await access.roles.unassignAll(username);
    await users.deleteUser(username);
    access.forgetUser(username);
    access.forgetRoles();
    return c.json({});
  });
  return r;
}

/** The unified per-user grant routes (`/api/3.0/mlflow/users/...` and the ajax twin). */
function grantRoutes(access: Access, experimentWorkspace: ExperimentWorkspace): Hono {
  const users = access.users;
  const r = new Hono();
  const target = (msg: Record<string, unknown>) => ({
    username: param(msg, "username"),
    type: param(msg, "resource_type"),
    id: param(msg, "resource_id"),
  });
  r.post("/users/permissions/grant", async (c) => {
    const msg = await rawMessage(c);
    const t = target(msg);
    const permission = param(msg, "permission");
    await users.getUser(t.username);
    validateGrant(t.type, permission);
    await users.grant(t.username, t.type as ResourceType, t.id, permission as PermissionName);
    access.forgetGrantsOf(t.username);
    return c.json({});
  });
  r.post("/users/permissions/revoke", async (c) => {
    const t = target(await rawMessage(c));
    await users.getUser(t.username);
    validateGrant(t.type, "READ");
    await users.revoke(t.username, t.type as ResourceType, t.id);
    access.forgetGrantsOf(t.username);
    return c.json({});
  });
  r.get("/users/permissions/get", async (c) => {
    const t = target(await rawMessage(c));
    const user = await users.getUser(t.username);
    validateGrant(t.type, "READ");
    const permission = await access.permission(user, t.type as ResourceType, t.id);
    return c.json({ allowed: allows(permission, "USE"), permission });
  });
  r.get("/users/current/permissions", async (c) => {
    const me = await users.getUser(caller(c).username);
    return c.json({
      is_admin: me.is_admin,
      permissions: await permissionRows(
        access,
        me,
        await users.grantsOf(me.username),
        experimentWorkspace,
      ),
    });
  });
  r.get("/users/permissions/list", async (c) => {
    const user = await users.getUser(param(await rawMessage(c), "username"));
    return c.json({
      is_admin: user.is_admin,
      permissions: await permissionRows(
        access,
        user,
        await users.grantsOf(user.username),
        experimentWorkspace,
      ),
    });
  });
  return r;
}

/** Mounts the auth API on `app`. */
export function mountAuthApi(
  app: Hono,
  access: Access,
  experimentWorkspace: ExperimentWorkspace,
): void {
  mountMlflow(app, userRoutes(access), ["2.0"]);
  mountMlflow(app, grantRoutes(access, experimentWorkspace), ["3.0"]);
}
