/**
 * Deleting a workspace with basic-auth on drops the direct grants made in it, as MLflow 3.17.2
 * does after any successful delete (`_cleanup_workspace_permissions` deletes the workspace's
 * roles, the users' synthetic per-workspace roles that hold their direct grants among them). With
 * `SET_DEFAULT` the moved experiment and registered model keep no grant from the deleted
 * workspace, and a workspace created again under the same name inherits none.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { authApp } from "./auth_app.ts";
import { BOB, ok, V2, V3, WS } from "./workspace_auth_support.ts";

Deno.test("deleting a workspace with SET_DEFAULT drops the grants made in it, as MLflow", async () => {
  const s = await authApp({ args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    await ok(s, "default", "POST", `${V3}/workspaces`, { name: "team-b" });
    const E = (await ok(s, "team-b", "POST", `${V2}/experiments/create`, { name: "far" }))
      .experiment_id as string;
    await ok(s, "team-b", "POST", `${V2}/registered-models/create`, { name: "m" });
    const D = (await ok(s, "default", "POST", `${V2}/experiments/create`, { name: "near" }))
      .experiment_id as string;
    const grant = (ws: string, type: string, id: string, permission: string) =>
      ok(s, ws, "POST", `${V3}/users/permissions/grant`, {
        username: BOB.username,
        resource_type: type,
        resource_id: id,
        permission,
      });
    await grant("team-b", "experiment", E, "EDIT");
    await grant("team-b", "registered_model", "m", "MANAGE");
    await grant("default", "experiment", D, "READ");
    const bobGet = (ws: string, path: string) => s.call(BOB, "GET", path, undefined, WS(ws));
    assert.equal((await bobGet("team-b", `${V2}/registered-models/get?name=m`)).status, 200);

    await ok(s, "default", "DELETE", `${V3}/workspaces/team-b?mode=SET_DEFAULT`);

    // Only the grant made in `default` is left.
    const listed = await ok(s, "default", "GET", `${V3}/users/permissions/list?username=bob`);
    assert.deepEqual(
      listed.permissions.map((p: any) => `${p.workspace}:${p.resource_type}:${p.resource_pattern}`),
      [`default:experiment:${D}`],
    );
    // The moved experiment and model are in `default` now, and Bob has no grant on them there.
    const rename = await s.call(
      BOB,
      "POST",
      `${V2}/experiments/update`,
      { experiment_id: E, new_name: "taken" },
      WS("default"),
    );
    assert.equal(rename.status, 403, JSON.stringify(rename.body));
    assert.equal((await bobGet("default", `${V2}/registered-models/get?name=m`)).status, 403);
    assert.equal((await bobGet("default", `${V2}/experiments/get?experiment_id=${D}`)).status, 200);

    // A workspace created again under the same name inherits nothing.
    await ok(s, "default", "POST", `${V3}/workspaces`, { name: "team-b" });
    await ok(s, "team-b", "POST", `${V2}/registered-models/create`, { name: "m" });
    assert.equal((await bobGet("team-b", `${V2}/registered-models/get?name=m`)).status, 403);
  } finally {
    await s.close();
  }
});
