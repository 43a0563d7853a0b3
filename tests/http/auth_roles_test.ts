/**
 * Roles (RBAC) as MLflow 3.17.2's basic-auth app serves them: the role routes' payloads and
 * errors, who may call them (admins, workspace admins, role holders), and how role grants fold
 * with direct grants into a user's level on a resource (DENY wins, a workspace-wide MANAGE
 * manages everything, roles of another workspace do not apply).
 */
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import { testBackends } from "../support/backends.ts";

const BOB = { username: "bob", password: "bob-password-123" };
const WSA = { username: "wsadmin", password: "wsadmin-password-1" };
const NO_DEFAULT = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";
const V3 = "/api/3.0/mlflow";

type Json = Record<string, unknown>;

async function setup(backend = "engine"): Promise<{ s: AuthApp; E: string }> {
  const s = await authApp({ ini: NO_DEFAULT, backend: backend as "engine" | "dynamodb-local" });
  await s.users.createUser(BOB.username, BOB.password);
  await s.users.createUser(WSA.username, WSA.password);
  const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "rbac" });
  return { s, E: (e.body as { experiment_id: string }).experiment_id };
}

async function ok(res: Promise<{ status: number; body: unknown }>): Promise<Json> {
  const r = await res;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as Json;
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] role routes: create, get, list, update, permissions, assign, unassign, delete`, async () => {
    await roundTrip(backend.name);
  });
  Deno.test(`[${backend.name}] a user's level folds direct and role grants: highest wins, DENY vetoes, workspace MANAGE manages`, async () => {
    await folding(backend.name);
  });
}

async function roundTrip(backend: string) {
  const { s, E } = await setup(backend);
  try {
    const created = await ok(s.call(ADMIN, "POST", `${V3}/roles/create`, {
      workspace: "default",
      name: "readers",
      description: "read E",
    }));
    const role = created.role as Json;
    assert.deepEqual(
      { ...role, id: 0 },
      { id: 0, name: "readers", workspace: "default", description: "read E", permissions: [] },
    );
    const id = role.id as number;
    const rp = (await ok(s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, {
      role_id: id,
      resource_type: "experiment",
      resource_pattern: E,
      permission: "READ",
    }))).role_permission as Json;
    assert.deepEqual({ ...rp, id: 0 }, {
      id: 0,
      role_id: id,
      resource_type: "experiment",
      resource_pattern: E,
      permission: "READ",
    });
    const got = (await ok(s.call(ADMIN, "GET", `${V3}/roles/get?role_id=${id}`))).role as Json;
    assert.deepEqual(got.permissions, [rp]);
    const listed = (await ok(s.call(ADMIN, "GET", `${V3}/roles/list?workspace=default`)))
      .roles as Json[];
    assert.deepEqual(listed.map((r) => r.name), ["readers"]);
    assert.deepEqual(
      (await ok(s.call(ADMIN, "GET", `${V3}/roles/list?workspace=other`))).roles as Json[],
      [],
    );
    const updated = (await ok(s.call(ADMIN, "PATCH", `${V3}/roles/update`, {
      role_id: id,
      name: "viewers",
    }))).role as Json;
    assert.equal(updated.name, "viewers");
    assert.equal(updated.description, "read E");
    const a = (await ok(s.call(ADMIN, "POST", `${V3}/roles/assign`, {
      username: BOB.username,
      role_id: id,
    }))).assignment as Json;
    assert.equal(a.role_id, id);
    const members = (await ok(s.call(ADMIN, "GET", `${V3}/roles/users/list?role_id=${id}`)))
      .assignments as Json[];
    assert.deepEqual(members, [a]);
    const bobRoles = (await ok(s.call(BOB, "GET", `${V3}/users/roles/list?username=bob`)))
      .roles as Json[];
    assert.deepEqual(bobRoles.map((r) => r.name), ["viewers"]);
    // The user's permission listings carry the role's rows.
    await ok(s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, {
      role_id: id,
      resource_type: "prompt",
      resource_pattern: "*",
      permission: "USE",
    }));
    const mine = (await ok(s.call(BOB, "GET", `${V3}/users/current/permissions`)))
      .permissions as Json[];
    assert.deepEqual(
      mine.map((p) => [p.role_name, p.resource_type, p.resource_pattern, p.permission]),
      [["viewers", "experiment", E, "READ"], ["viewers", "prompt", "*", "USE"]],
    );
    const listedPerms =
      (await ok(s.call(ADMIN, "GET", `${V3}/users/permissions/list?username=bob`)))
        .permissions as Json[];
    assert.equal(listedPerms.length, 2);
    const users = (await ok(s.call(ADMIN, "GET", "/api/2.0/mlflow/users/list"))).users as Json[];
    const bob = users.find((u) => u.username === "bob")!;
    assert.deepEqual((bob.roles as Json[]).map((r) => r.name), ["viewers"]);
    const up = (await ok(s.call(ADMIN, "PATCH", `${V3}/roles/permissions/update`, {
      role_permission_id: rp.id,
      permission: "EDIT",
    }))).role_permission as Json;
    assert.equal(up.permission, "EDIT");
    await ok(s.call(ADMIN, "DELETE", `${V3}/roles/permissions/remove`, {
      role_permission_id: rp.id,
    }));
    assert.deepEqual(
      ((await ok(s.call(ADMIN, "GET", `${V3}/roles/permissions/list?role_id=${id}`)))
        .role_permissions as Json[]).map((p) => p.resource_type),
      ["prompt"],
    );
    await ok(s.call(ADMIN, "DELETE", `${V3}/roles/unassign`, { username: "bob", role_id: id }));
    const again = await s.call(ADMIN, "DELETE", `${V3}/roles/unassign`, {
      username: "bob",
      role_id: id,
    });
    assert.equal(again.status, 404);
    assert.equal((again.body as Json).error_code, "RESOURCE_DOES_NOT_EXIST");
    await ok(s.call(ADMIN, "POST", `${V3}/roles/assign`, { username: "bob", role_id: id }));
    await ok(s.call(ADMIN, "DELETE", `${V3}/roles/delete`, { role_id: id }));
    const gone = await s.call(ADMIN, "GET", `${V3}/roles/get?role_id=${id}`);
    assert.equal(gone.status, 404);
    assert.equal((gone.body as Json).message, `Role with id=${id} not found`);
    assert.deepEqual(
      (await ok(s.call(BOB, "GET", `${V3}/users/roles/list?username=bob`))).roles,
      [],
    );
    // The name is free again once the role is gone.
    await ok(
      s.call(ADMIN, "POST", `${V3}/roles/create`, { workspace: "default", name: "viewers" }),
    );
  } finally {
    await s.close();
  }
}

Deno.test("role routes answer MLflow's errors for bad input", async () => {
  const { s } = await setup();
  try {
    const err = async (method: string, path: string, body: unknown, status: number) => {
      const r = await s.call(ADMIN, method, path, body);
      assert.equal(r.status, status, `${path} ${JSON.stringify(r.body)}`);
      return r.body as Json;
    };
    await ok(s.call(ADMIN, "POST", `${V3}/roles/create`, { workspace: "default", name: "r" }));
    const dup = await err("POST", `${V3}/roles/create`, { workspace: "default", name: "r" }, 400);
    assert.equal(dup.error_code, "RESOURCE_ALREADY_EXISTS");
    // The same name in another workspace is another role.
    await ok(s.call(ADMIN, "POST", `${V3}/roles/create`, { workspace: "other", name: "r" }));
    const reserved = await err("POST", `${V3}/roles/create`, {
      workspace: "default",
      name: "__user_7__",
    }, 400);
    assert.match(reserved.message as string, /reserved '__user_' prefix/);
    const empty = await err("POST", `${V3}/roles/create`, { workspace: "default", name: " " }, 400);
    assert.equal(empty.message, "Role name cannot be empty.");
    const noWs = await err("POST", `${V3}/roles/create`, { name: "x" }, 400);
    assert.match(noWs.message as string, /Missing value for required parameter 'workspace'/);
    const notInt = await err("GET", `${V3}/roles/get?role_id=abc`, undefined, 400);
    assert.equal(notInt.message, "Parameter 'role_id' must be an integer. Got: 'abc'");
    const nothing = await err("PATCH", `${V3}/roles/update`, { role_id: 1 }, 400);
    assert.match(nothing.message as string, /At least one of 'name' or 'description'/);
    const badType = await err("POST", `${V3}/roles/permissions/add`, {
      role_id: 1,
      resource_type: "planet",
      resource_pattern: "*",
      permission: "READ",
    }, 400);
    assert.match(badType.message as string, /Invalid resource type 'planet'/);
    const wsRead = await err("POST", `${V3}/roles/permissions/add`, {
      role_id: 1,
      resource_type: "workspace",
      resource_pattern: "*",
      permission: "READ",
    }, 400);
    assert.match(wsRead.message as string, /Workspace-wide grants accept only/);
    const wsId = await err("POST", `${V3}/roles/permissions/add`, {
      role_id: 1,
      resource_type: "workspace",
      resource_pattern: "default",
      permission: "MANAGE",
    }, 400);
    assert.match(wsId.message as string, /supports only wildcard/);
    const perm = {
      role_id: 1,
      resource_type: "experiment",
      resource_pattern: "*",
      permission: "READ",
    };
    await ok(s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, perm));
    const dupPerm = await err("POST", `${V3}/roles/permissions/add`, perm, 400);
    assert.equal(dupPerm.error_code, "RESOURCE_ALREADY_EXISTS");
    const noRole = await err("POST", `${V3}/roles/permissions/add`, { ...perm, role_id: 999 }, 404);
    assert.equal(noRole.message, "Role with id=999 not found");
    const noUser = await err("POST", `${V3}/roles/assign`, { username: "ghost", role_id: 1 }, 404);
    assert.equal(noUser.error_code, "RESOURCE_DOES_NOT_EXIST");
    await ok(s.call(ADMIN, "POST", `${V3}/roles/assign`, { username: "bob", role_id: 1 }));
    const twice = await err("POST", `${V3}/roles/assign`, { username: "bob", role_id: 1 }, 400);
    assert.equal(twice.error_code, "RESOURCE_ALREADY_EXISTS");
    const noPerm = await err("DELETE", `${V3}/roles/permissions/remove`, {
      role_permission_id: 999,
    }, 404);
    assert.equal(noPerm.message, "Role permission with id=999 not found");
    const listEmpty = await err("GET", `${V3}/roles/list?workspace=`, undefined, 400);
    assert.match(listEmpty.message as string, /must be a non-empty string/);
    // Deleting a user removes their assignments.
    await ok(s.call(ADMIN, "DELETE", "/api/2.0/mlflow/users/delete", { username: "bob" }));
    assert.deepEqual(
      (await ok(s.call(ADMIN, "GET", `${V3}/roles/users/list?role_id=1`))).assignments,
      [],
    );
  } finally {
    await s.close();
  }
});

async function folding(backend: string) {
  const { s, E } = await setup(backend);
  try {
    const read = () => s.call(BOB, "GET", `/api/2.0/mlflow/experiments/get?experiment_id=${E}`);
    const rename = () =>
      s.call(BOB, "POST", "/api/2.0/mlflow/experiments/update", {
        experiment_id: E,
        new_name: `rbac-${crypto.randomUUID()}`,
      });
    const del = () =>
      s.call(BOB, "POST", "/api/2.0/mlflow/experiments/delete", { experiment_id: E });
    assert.equal((await read()).status, 403);
    const role = async (workspace: string, name: string) =>
      ((await ok(s.call(ADMIN, "POST", `${V3}/roles/create`, { workspace, name }))).role as Json)
        .id as number;
    const add = async (role_id: number, resource_type: string, pattern: string, p: string) =>
      ((await ok(s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, {
        role_id,
        resource_type,
        resource_pattern: pattern,
        permission: p,
      }))).role_permission as Json).id as number;
    const assign = (role_id: number) =>
      ok(s.call(ADMIN, "POST", `${V3}/roles/assign`, { username: "bob", role_id }));
    // A role of another workspace does not apply (workspaces off: everything is `default`).
    const elsewhere = await role("other", "all");
    await add(elsewhere, "experiment", "*", "MANAGE");
    await assign(elsewhere);
    assert.equal((await read()).status, 403);
    // A wildcard READ role: reads, no writes.
    const readers = await role("default", "readers");
    await add(readers, "experiment", "*", "READ");
    await assign(readers);
    assert.equal((await read()).status, 200);
    assert.equal((await rename()).status, 403);
    // A direct EDIT grant on top: the higher level wins.
    await ok(s.call(ADMIN, "POST", `${V3}/users/permissions/grant`, {
      username: "bob",
      resource_type: "experiment",
      resource_id: E,
      permission: "EDIT",
    }));
    assert.equal((await rename()).status, 200);
    const effective = await ok(
      s.call(
        ADMIN,
        "GET",
        `${V3}/users/permissions/get?username=bob&resource_type=experiment&resource_id=${E}`,
      ),
    );
    assert.deepEqual(effective, { allowed: true, permission: "EDIT" });
    // A DENY role on E vetoes the direct grant.
    const deny = await role("default", "deny-e");
    const denyPerm = await add(deny, "experiment", E, "DENY");
    await assign(deny);
    assert.equal((await read()).status, 403);
    // Changing the DENY to MANAGE lets Bob delete.
    await ok(s.call(ADMIN, "PATCH", `${V3}/roles/permissions/update`, {
      role_permission_id: denyPerm,
      permission: "MANAGE",
    }));
    assert.equal((await read()).status, 200);
    await ok(s.call(ADMIN, "PATCH", `${V3}/roles/permissions/update`, {
      role_permission_id: denyPerm,
      permission: "DENY",
    }));
    // A workspace admin role overrides everything, DENY included (as MLflow).
    const admins = await role("default", "ws-admins");
    await add(admins, "workspace", "*", "MANAGE");
    await assign(admins);
    assert.equal((await del()).status, 200);
    await ok(s.call(ADMIN, "DELETE", `${V3}/roles/unassign`, { username: "bob", role_id: admins }));
    assert.equal((await read()).status, 403);
  } finally {
    await s.close();
  }
}

Deno.test("who may call the role routes: admins, workspace admins of the role's workspace, role holders", async () => {
  const { s } = await setup();
  try {
    const wsAdmins = ((await ok(s.call(ADMIN, "POST", `${V3}/roles/create`, {
      workspace: "default",
      name: "admins",
    }))).role as Json).id as number;
    await ok(s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, {
      role_id: wsAdmins,
      resource_type: "workspace",
      resource_pattern: "*",
      permission: "MANAGE",
    }));
    await ok(
      s.call(ADMIN, "POST", `${V3}/roles/assign`, { username: WSA.username, role_id: wsAdmins }),
    );
    const other = ((await ok(s.call(ADMIN, "POST", `${V3}/roles/create`, {
      workspace: "other",
      name: "x",
    }))).role as Json).id as number;
    // Bob holds no role: every role route but his own role list is denied.
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/get?role_id=${wsAdmins}`)).status, 403);
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/list?workspace=default`)).status, 403);
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/list`)).status, 403);
    assert.equal(
      (await s.call(BOB, "POST", `${V3}/roles/create`, { workspace: "default", name: "b" })).status,
      403,
    );
    assert.equal((await s.call(BOB, "GET", `${V3}/users/roles/list?username=bob`)).status, 200);
    assert.equal((await s.call(BOB, "GET", `${V3}/users/roles/list?username=wsadmin`)).status, 403);
    // An unknown role is denied, not revealed.
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/get?role_id=999`)).status, 403);
    // The workspace admin manages roles of `default`, not of `other`.
    const made = await ok(s.call(WSA, "POST", `${V3}/roles/create`, {
      workspace: "default",
      name: "team",
    }));
    const team = (made.role as Json).id as number;
    await ok(s.call(WSA, "POST", `${V3}/roles/assign`, { username: "bob", role_id: team }));
    assert.equal(
      (await s.call(WSA, "POST", `${V3}/roles/create`, { workspace: "other", name: "t" })).status,
      403,
    );
    assert.equal((await s.call(WSA, "GET", `${V3}/roles/get?role_id=${other}`)).status, 403);
    assert.equal((await s.call(WSA, "GET", `${V3}/users/roles/list?username=bob`)).status, 200);
    // Bob now holds a role in `default`: he may view its roles, list them, not manage them.
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/get?role_id=${team}`)).status, 200);
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/list?workspace=default`)).status, 200);
    assert.equal(
      (await s.call(BOB, "GET", `${V3}/roles/list?workspace=default&workspace=other`)).status,
      403,
    );
    assert.equal((await s.call(BOB, "GET", `${V3}/roles/users/list?role_id=${team}`)).status, 403);
    assert.equal(
      (await s.call(BOB, "DELETE", `${V3}/roles/delete`, { role_id: team })).status,
      403,
    );
    // The ajax twin is guarded the same way.
    assert.equal(
      (await s.call(BOB, "DELETE", `/ajax-api/3.0/mlflow/roles/delete`, { role_id: team })).status,
      403,
    );
    assert.equal((await s.call(undefined, "GET", `${V3}/roles/list`)).status, 401);
  } finally {
    await s.close();
  }
});
