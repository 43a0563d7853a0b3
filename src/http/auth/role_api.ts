/**
 * The role (RBAC) routes of MLflow 3.17.2's basic-auth app (`/api/3.0/mlflow/roles/...`, the
 * ajax twins, and `users/roles/list`), which `AuthServiceClient`'s role methods call: create,
 * get, list, update, delete a role; add, remove, list, update its permissions; assign and
 * unassign users, and list either side. Payloads, answers and messages as MLflow's handlers
 * (`mlflow/server/auth/__init__.py`); who may call what is `role_guard.ts`'s business through
 * the route table. Every change drops this process's cached role grants.
 *
 * @module
 */
import { Hono } from "hono";
import { invalidParameter, MlflowError } from "../../errors.ts";
import { intParam } from "../../auth/role_rules.ts";
import { missingParameter } from "../../errors.ts";
import { rawMessage } from "../request.ts";
import { mountMlflow } from "../mount.ts";
import type { Access } from "./access.ts";
import { authUser } from "./middleware.ts";
import { workspacesOf } from "./role_guard.ts";

function required(msg: Record<string, unknown>, name: string): unknown {
  if (!(name in msg)) throw invalidParameter(missingParameter(name));
  return msg[name];
}

function nonEmpty(v: unknown): v is string {
  return typeof v === "string" && v.trim() !== "";
}

function roleRoutes(access: Access): Hono {
  const roles = access.roles;
  const users = access.users;
  const r = new Hono();
  const changed = () => access.forgetRoles();

  r.post("/roles/create", async (c) => {
    const msg = await rawMessage(c);
    const name = required(msg, "name");
    const workspace = required(msg, "workspace");
    if (!nonEmpty(name)) throw invalidParameter("Role name cannot be empty.");
    if (!nonEmpty(workspace)) throw invalidParameter("Workspace cannot be empty.");
    const description = msg.description ?? null;
    if (description !== null && typeof description !== "string") {
      throw invalidParameter("Role description must be a string or null.");
    }
    return c.json({ role: await roles.createRole(name, workspace, description) });
  });
  r.get("/roles/get", async (c) => {
    const id = intParam("role_id", required(await rawMessage(c), "role_id"));
    return c.json({ role: await roles.getRole(id) });
  });
  r.get("/roles/list", async (c) => {
    const asked = c.req.queries("workspace") ?? [];
    if (asked.some((w) => w.trim() === "")) {
      throw invalidParameter("Parameter 'workspace' must be a non-empty string when provided.");
    }
    const list = asked.length > 0 ? await roles.listRoles(asked) : await roles.listRoles();
    return c.json({ roles: list });
  });
  r.patch("/roles/update", async (c) => {
    const msg = await rawMessage(c);
    const id = intParam("role_id", required(msg, "role_id"));
    const name = msg.name ?? undefined;
    const description = msg.description ?? undefined;
    if (name === undefined && description === undefined) {
      throw invalidParameter(
        "At least one of 'name' or 'description' must be provided to update a role.",
      );
    }
    if (name !== undefined && !nonEmpty(name)) throw invalidParameter("Role name cannot be empty.");
    if (description !== undefined && typeof description !== "string") {
      throw invalidParameter("Role description must be a string.");
    }
    const role = await roles.updateRole(id, name as string | undefined, description);
    changed();
    return c.json({ role });
  });
  r.delete("/roles/delete", async (c) => {
    const id = intParam("role_id", required(await rawMessage(c), "role_id"));
    await roles.deleteRole(id);
    changed();
    return c.json({});
  });
  r.post("/roles/permissions/add", async (c) => {
    const msg = await rawMessage(c);
    const id = intParam("role_id", required(msg, "role_id"));
    const type = required(msg, "resource_type");
    const pattern = required(msg, "resource_pattern");
    const permission = required(msg, "permission");
    const rp = await roles.addPermission(
      id,
      type as string,
      String(pattern),
      permission as never,
    );
    changed();
    return c.json({ role_permission: rp });
  });
  r.delete("/roles/permissions/remove", async (c) => {
    const msg = await rawMessage(c);
    await roles.removePermission(
      intParam("role_permission_id", required(msg, "role_permission_id")),
    );
    changed();
    return c.json({});
  });
  r.get("/roles/permissions/list", async (c) => {
    const id = intParam("role_id", required(await rawMessage(c), "role_id"));
    return c.json({ role_permissions: (await roles.getRole(id)).permissions });
  });
  r.patch("/roles/permissions/update", async (c) => {
    const msg = await rawMessage(c);
    const id = intParam("role_permission_id", required(msg, "role_permission_id"));
    const rp = await roles.updatePermission(id, required(msg, "permission"));
    changed();
    return c.json({ role_permission: rp });
  });
  r.post("/roles/assign", async (c) => {
    const msg = await rawMessage(c);
    const user = await users.getUser(required(msg, "username"));
    const assignment = await roles.assign(user, intParam("role_id", required(msg, "role_id")));
    changed();
    return c.json({ assignment });
  });
  r.delete("/roles/unassign", async (c) => {
    const msg = await rawMessage(c);
    const user = await users.getUser(required(msg, "username"));
    await roles.unassign(user, intParam("role_id", required(msg, "role_id")));
    changed();
    return c.json({});
  });
  r.get("/users/roles/list", async (c) => {
    const user = await users.getUser(required(await rawMessage(c), "username"));
    let list = await roles.rolesOf(user.username);
    // Only what the caller may see: everything for admins and the user; a workspace admin sees
    // the roles in the workspaces they administer.
    const me = authUser(c);
    if (!me) throw new MlflowError("UNAUTHENTICATED", "You are not authenticated.");
    if (!me.is_admin && me.username !== user.username) {
      const { admin } = await workspacesOf(access, me.username);
      list = list.filter((role) => admin.has(role.workspace));
    }
    return c.json({ roles: list });
  });
  r.get("/roles/users/list", async (c) => {
    const id = intParam("role_id", required(await rawMessage(c), "role_id"));
    return c.json({ assignments: await roles.membersOf(id) });
  });
  return r;
}

/** Mounts the role routes on `app` (`/api/3.0/mlflow/...` and `/ajax-api/3.0/mlflow/...`). */
export function mountRoleApi(app: Hono, access: Access): void {
  mountMlflow(app, roleRoutes(access), ["3.0"]);
}
