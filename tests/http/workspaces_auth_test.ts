/**
 * Workspace permissions with basic-auth (`--app-name basic-auth --enable-workspaces`), as MLflow
 * 3.17.2's two-tier model: a workspace-wide USE grant makes a member (sees the workspace,
 * creates in it, gets `default_permission`), MANAGE a workspace admin; without one a user has no
 * presence in the workspace; `grant_default_workspace_access` opens the default workspace; grants
 * on a registered model hold in its own workspace only; the per-user grant API refuses the
 * `workspace` type with MLflow's message.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import { setWorkspaceGrant } from "../../src/auth/workspace_permissions.ts";

const PASSWORD = "a-long-password-1";
const WS = "/api/3.0/mlflow/workspaces";
const API = "/api/2.0/mlflow";

type Who = { username: string; password: string };
const as = (username: string): Who => ({ username, password: PASSWORD });

function inWs(app: AuthApp, who: Who, ws: string) {
  return (method: string, path: string, body?: unknown) =>
    app.call(who, method, path, body, { "x-mlflow-workspace": ws });
}

Deno.test("workspace permissions: members, workspace admins, strangers, per-workspace model grants", async () => {
  const s = await authApp({ args: ["--enable-workspaces"] });
  try {
    for (const ws of ["team-a", "team-b"]) {
      assert.equal((await s.call(ADMIN, "POST", WS, { name: ws })).status, 201);
    }
    for (const u of ["alice", "carol", "dave", "bob"]) await s.users.createUser(u, PASSWORD);
    await setWorkspaceGrant(s.users, "alice", "team-a", "USE");
    await setWorkspaceGrant(s.users, "alice", "team-b", "USE");
    await setWorkspaceGrant(s.users, "carol", "team-a", "USE");
    await setWorkspaceGrant(s.users, "dave", "team-a", "MANAGE");

    // Visibility of workspaces.
    const listed = await s.call(as("alice"), "GET", WS);
    assert.deepEqual(
      (listed.body as { workspaces: { name: string }[] }).workspaces.map((w) => w.name),
      ["team-a", "team-b"],
    );
    assert.deepEqual((await s.call(as("bob"), "GET", WS)).body, {});
    const all = await s.call(ADMIN, "GET", WS);
    assert.equal((all.body as { workspaces: unknown[] }).workspaces.length, 3);
    assert.equal((await s.call(as("carol"), "GET", `${WS}/team-b`)).status, 403);
    assert.equal((await s.call(as("carol"), "GET", `${WS}/team-a`)).status, 200);
    assert.equal((await s.call(as("carol"), "POST", WS, { name: "team-c" })).status, 403);

    // Creating needs membership.
    const alice = inWs(s, as("alice"), "team-a");
    const created = await alice("POST", `${API}/experiments/create`, { name: "exp" });
    assert.equal(created.status, 200);
    const id = (created.body as { experiment_id: string }).experiment_id;
    assert.equal(
      (await inWs(s, as("bob"), "team-a")("POST", `${API}/experiments/create`, { name: "x" }))
        .status,
      403,
    );
    assert.equal(
      (await s.call(as("bob"), "POST", `${API}/experiments/create`, { name: "x" })).status,
      403,
    );

    // Levels on a resource: stranger none, member default_permission (READ), admin MANAGE.
    const get = `${API}/experiments/get?experiment_id=${id}`;
    assert.equal((await inWs(s, as("bob"), "team-a")("GET", get)).status, 403);
    assert.equal((await inWs(s, as("carol"), "team-a")("GET", get)).status, 200);
    assert.equal(
      (await inWs(s, as("carol"), "team-a")("POST", `${API}/experiments/update`, {
        experiment_id: id,
        new_name: "carol-was-here",
      })).status,
      403,
    );
    assert.equal(
      (await inWs(s, as("dave"), "team-a")("POST", `${API}/experiments/delete`, {
        experiment_id: id,
      })).status,
      200,
    );

    // A registered model's grants hold in its workspace only.
    assert.equal(
      (await alice("POST", `${API}/registered-models/create`, { name: "m" })).status,
      200,
    );
    const adminB = inWs(s, ADMIN, "team-b");
    assert.equal(
      (await adminB("POST", `${API}/registered-models/create`, { name: "m" })).status,
      200,
    );
    const aliceB = inWs(s, as("alice"), "team-b");
    assert.equal((await aliceB("GET", `${API}/registered-models/get?name=m`)).status, 200);
    assert.equal(
      (await aliceB("DELETE", `${API}/registered-models/delete`, { name: "m" })).status,
      403,
    );
    assert.equal(
      (await alice("DELETE", `${API}/registered-models/delete`, { name: "m" })).status,
      200,
    );
    assert.equal((await adminB("GET", `${API}/registered-models/get?name=m`)).status, 200);

    // Workspace-wide grants are not made through the per-user grant API (MLflow 3.17.2).
    const refused = await s.call(ADMIN, "POST", "/api/3.0/mlflow/users/permissions/grant", {
      username: "bob",
      resource_type: "workspace",
      resource_id: "*",
      permission: "USE",
    });
    assert.equal(refused.status, 400);
    assert.match(
      (refused.body as { message: string }).message,
      /resource_type 'workspace' is not supported by the per-user permission convenience APIs/,
    );
  } finally {
    await s.close();
  }
});

Deno.test("grant_default_workspace_access opens the default workspace to users without a grant", async () => {
  const closed = await authApp({ args: ["--enable-workspaces"] });
  const open = await authApp({
    args: ["--enable-workspaces"],
    ini: "[mlflow]\ndefault_permission = READ\ngrant_default_workspace_access = true\n",
  });
  try {
    for (const s of [closed, open]) await s.users.createUser("bob", PASSWORD);
    const create = (s: AuthApp) =>
      s.call(as("bob"), "POST", `${API}/experiments/create`, { name: "bobs" });
    assert.equal((await create(closed)).status, 403);
    assert.equal(
      (await closed.call(as("bob"), "GET", `${API}/experiments/get?experiment_id=0`)).status,
      403,
    );
    assert.equal((await create(open)).status, 200);
    assert.equal(
      (await open.call(as("bob"), "GET", `${API}/experiments/get?experiment_id=0`)).status,
      200,
    );
    assert.equal((await open.call(as("bob"), "GET", `${WS}/default`)).status, 200);
  } finally {
    await closed.close();
    await open.close();
  }
});

Deno.test("workspace access handed out through roles: a role's workspace USE makes a member of its workspace only", async () => {
  const s = await authApp({ args: ["--enable-workspaces"] });
  const V3 = "/api/3.0/mlflow";
  try {
    for (const ws of ["team-a", "team-b"]) {
      assert.equal((await s.call(ADMIN, "POST", WS, { name: ws })).status, 201);
    }
    await s.users.createUser("erin", PASSWORD);
    const erinIn = (ws: string) => inWs(s, as("erin"), ws);
    // No grant and no role: no presence in team-a.
    assert.equal(
      (await erinIn("team-a")("POST", `${API}/experiments/create`, { name: "e" })).status,
      403,
    );

    const created = await s.call(ADMIN, "POST", `${V3}/roles/create`, {
      workspace: "team-a",
      name: "members",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const roleId = (created.body as { role: { id: number } }).role.id;
    const rp = await s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, {
      role_id: roleId,
      resource_type: "workspace",
      resource_pattern: "*",
      permission: "USE",
    });
    assert.equal(rp.status, 200, JSON.stringify(rp.body));
    const assigned = await s.call(ADMIN, "POST", `${V3}/roles/assign`, {
      username: "erin",
      role_id: roleId,
    });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));

    // Member of team-a through the role (creates there), still a stranger in team-b.
    const made = await erinIn("team-a")("POST", `${API}/experiments/create`, { name: "e" });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(
      (await erinIn("team-b")("POST", `${API}/experiments/create`, { name: "e" })).status,
      403,
    );
    const listed = await s.call(as("erin"), "GET", WS);
    assert.deepEqual(
      (listed.body as { workspaces: { name: string }[] }).workspaces.map((w) => w.name),
      ["team-a"],
    );
  } finally {
    await s.close();
  }
});
