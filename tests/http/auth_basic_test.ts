/**
 * `--app-name basic-auth` as a user sees it: 401 with MLflow's challenge, 403 `Permission denied`,
 * the auth REST API of MLflow 3.17.2, creator MANAGE, search filtering, grants that follow a
 * registered model's rename and delete, and the cost of an authenticated request.
 */
import assert from "node:assert/strict";
import { ADMIN, authApp, basic } from "./auth_app.ts";
import { testBackends } from "../support/backends.ts";

const ALICE = { username: "alice", password: "alice-password-1" };
const BOB = { username: "bob", password: "bob-password-123" };
const API = "/api/2.0/mlflow";
const API3 = "/api/3.0/mlflow";

Deno.test("no or wrong credentials get 401 with MLflow's Basic challenge; /health stays open", async () => {
  const s = await authApp();
  try {
    for (
      const headers of [
        {} as Record<string, string>,
        { authorization: basic(ADMIN.username, "wrong-password!") },
        { authorization: basic("nobody", ADMIN.password) },
        { authorization: "Basic !!!" },
        { authorization: "Bearer abc" },
      ]
    ) {
      const res = await s.app.request(`${API}/experiments/search?max_results=1`, { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), 'Basic realm="mlflow"');
      assert.match(await res.text(), /You are not authenticated/);
    }
    assert.equal((await s.app.request("/health")).status, 200);
    assert.equal((await s.app.request("/version")).status, 200);
    const ok = await s.call(ADMIN, "GET", `${API}/experiments/search?max_results=1`);
    assert.equal(ok.status, 200);
    // An unknown path is still the 404 the client's fallbacks need (after authentication).
    assert.equal((await s.call(ADMIN, "GET", `${API}/no/such/route`)).status, 404);
    assert.equal((await s.call(undefined, "GET", `${API}/no/such/route`)).status, 401);
  } finally {
    await s.close();
  }
});

Deno.test("the auth API: create, get, list, current, update-password, update-admin, delete", async () => {
  const s = await authApp();
  try {
    const created = await s.call(ADMIN, "POST", `${API}/users/create`, ALICE);
    assert.equal(created.status, 200);
    const user = (created.body as { user: { id: number; username: string; is_admin: boolean } })
      .user;
    assert.deepEqual({ username: user.username, is_admin: user.is_admin }, {
      username: "alice",
      is_admin: false,
    });
    assert.equal(typeof user.id, "number");
    const dup = await s.call(ADMIN, "POST", `${API}/users/create`, ALICE);
    assert.equal(dup.status, 400);
    assert.equal((dup.body as { error_code: string }).error_code, "RESOURCE_ALREADY_EXISTS");
    const short = await s.call(ADMIN, "POST", `${API}/users/create`, {
      username: "carol",
      password: "short",
    });
    assert.equal(short.status, 400);
    assert.equal(
      (short.body as { message: string }).message,
      "Password must be at least 12 characters.",
    );
    const empty = await s.call(ADMIN, "POST", `${API}/users/create`, {
      username: "",
      password: "",
    });
    assert.deepEqual([empty.status, empty.body], [400, "Username and password cannot be empty."]);
    // A non-admin cannot create users, nor read someone else.
    assert.equal((await s.call(ALICE, "POST", `${API}/users/create`, BOB)).status, 403);
    assert.equal((await s.call(ALICE, "GET", `${API}/users/get?username=admin`)).status, 403);
    const self = await s.call(ALICE, "GET", `${API}/users/get?username=alice`);
    assert.equal((self.body as { user: { username: string } }).user.username, "alice");
    const missing = await s.call(ADMIN, "GET", `${API}/users/get?username=ghost`);
    assert.equal(missing.status, 404);
    assert.equal(
      (missing.body as { message: string }).message,
      "User with username=ghost not found",
    );
    const current = await s.call(ALICE, "GET", `${API}/users/current`);
    assert.deepEqual(current.body, {
      user: { id: user.id, username: "alice", is_admin: false },
      is_basic_auth: true,
    });
    const list = await s.call(ALICE, "GET", `${API}/users/list`);
    assert.deepEqual(
      (list.body as { users: { username: string }[] }).users.map((u) => u.username).sort(),
      ["admin", "alice"],
    );
    // Self-service password change needs the current password.
    const noCurrent = await s.call(ALICE, "PATCH", `${API}/users/update-password`, {
      username: "alice",
      password: "alice-password-2",
    });
    assert.equal(noCurrent.status, 400);
    assert.match((noCurrent.body as { message: string }).message, /Current password is required/);
    const changed = await s.call(ALICE, "PATCH", `${API}/users/update-password`, {
      username: "alice",
      password: "alice-password-2",
      current_password: ALICE.password,
    });
    assert.equal(changed.status, 200);
    assert.equal((await s.call(ALICE, "GET", `${API}/users/current`)).status, 401);
    const alice2 = { username: "alice", password: "alice-password-2" };
    assert.equal((await s.call(alice2, "GET", `${API}/users/current`)).status, 200);
    // Admin flag: alice becomes admin and can then create users.
    assert.equal(
      (await s.call(alice2, "PATCH", `${API}/users/update-admin`, {
        username: "alice",
        is_admin: true,
      })).status,
      403,
    );
    assert.equal(
      (await s.call(ADMIN, "PATCH", `${API}/users/update-admin`, {
        username: "alice",
        is_admin: true,
      })).status,
      200,
    );
    assert.equal((await s.call(alice2, "POST", `${API}/users/create`, BOB)).status, 200);
    // Nobody deletes themselves; the admin deletes alice, whose login then fails.
    const selfDelete = await s.call(ADMIN, "DELETE", `${API}/users/delete`, { username: "admin" });
    assert.equal(selfDelete.status, 400);
    assert.equal((selfDelete.body as { error_code: string }).error_code, "BAD_REQUEST");
    assert.equal(
      (await s.call(ADMIN, "DELETE", `${API}/users/delete`, { username: "alice" })).status,
      200,
    );
    assert.equal((await s.call(alice2, "GET", `${API}/users/current`)).status, 401);
  } finally {
    await s.close();
  }
});

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] grants: READ reads but cannot write; the creator manages; searches show only readable`, async () => {
    const s = await authApp({
      backend: backend.name,
      ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
    });
    try {
      for (const u of [ALICE, BOB]) {
        assert.equal((await s.call(ADMIN, "POST", `${API}/users/create`, u)).status, 200);
      }
      const made = await s.call(ALICE, "POST", `${API}/experiments/create`, { name: "alice-exp" });
      assert.equal(made.status, 200);
      const expId = (made.body as { experiment_id: string }).experiment_id;
      // Bob has no grant: 403 on read and write, and the search hides the experiment.
      assert.equal(
        (await s.call(BOB, "GET", `${API}/experiments/get?experiment_id=${expId}`)).status,
        403,
      );
      const bobSearch = await s.call(BOB, "POST", `${API}/experiments/search`, {
        max_results: 100,
      });
      assert.deepEqual((bobSearch.body as { experiments?: unknown[] }).experiments ?? [], []);
      // Alice, the creator, holds MANAGE and grants Bob READ.
      const perm = await s.call(
        ALICE,
        "GET",
        `${API3}/users/permissions/get?username=alice&resource_type=experiment&resource_id=${expId}`,
      );
      assert.deepEqual(perm.body, { allowed: true, permission: "MANAGE" });
      const grant = await s.call(ALICE, "POST", `${API3}/users/permissions/grant`, {
        username: "bob",
        resource_type: "experiment",
        resource_id: expId,
        permission: "READ",
      });
      assert.equal(grant.status, 200);
      const again = await s.call(ALICE, "POST", `${API3}/users/permissions/grant`, {
        username: "bob",
        resource_type: "experiment",
        resource_id: expId,
        permission: "READ",
      });
      assert.equal((again.body as { error_code: string }).error_code, "RESOURCE_ALREADY_EXISTS");
      const badType = await s.call(ALICE, "POST", `${API3}/users/permissions/grant`, {
        username: "bob",
        resource_type: "planet",
        resource_id: expId,
        permission: "READ",
      });
      assert.equal(badType.status, 400);
      // Bob cannot grant himself more.
      assert.equal(
        (await s.call(BOB, "POST", `${API3}/users/permissions/grant`, {
          username: "bob",
          resource_type: "experiment",
          resource_id: "0",
          permission: "MANAGE",
        })).status,
        403,
      );
      const got = await s.call(BOB, "GET", `${API}/experiments/get?experiment_id=${expId}`);
      assert.equal(got.status, 200);
      const names = await s.call(BOB, "GET", `${API}/experiments/search?max_results=100`);
      assert.deepEqual(
        (names.body as { experiments: { name: string }[] }).experiments.map((e) => e.name),
        ["alice-exp"],
      );
      const write = await s.call(BOB, "POST", `${API}/runs/create`, { experiment_id: expId });
      assert.deepEqual([write.status, write.body], [403, "Permission denied"]);
      const rename = await s.call(BOB, "POST", `${API}/experiments/update`, {
        experiment_id: expId,
        new_name: "stolen",
      });
      assert.equal(rename.status, 403);
      // A run Alice logs is readable by Bob, not writable.
      const run = await s.call(ALICE, "POST", `${API}/runs/create`, { experiment_id: expId });
      const runId = (run.body as { run: { info: { run_id: string } } }).run.info.run_id;
      assert.equal((await s.call(BOB, "GET", `${API}/runs/get?run_id=${runId}`)).status, 200);
      assert.equal(
        (await s.call(BOB, "POST", `${API}/runs/log-metric`, {
          run_id: runId,
          key: "m",
          value: 1,
          timestamp: 0,
        })).status,
        403,
      );
      // EDIT writes but cannot delete: only MANAGE deletes.
      await s.call(ALICE, "POST", `${API3}/users/permissions/revoke`, {
        username: "bob",
        resource_type: "experiment",
        resource_id: expId,
      });
      await s.call(ALICE, "POST", `${API3}/users/permissions/grant`, {
        username: "bob",
        resource_type: "experiment",
        resource_id: expId,
        permission: "EDIT",
      });
      assert.equal(
        (await s.call(BOB, "POST", `${API}/runs/log-metric`, {
          run_id: runId,
          key: "m",
          value: 1,
          timestamp: 0,
        })).status,
        200,
      );
      assert.equal(
        (await s.call(BOB, "POST", `${API}/experiments/delete`, { experiment_id: expId })).status,
        403,
      );
      assert.equal(
        (await s.call(ALICE, "POST", `${API}/experiments/delete`, { experiment_id: expId })).status,
        200,
      );
      const rows = await s.call(BOB, "GET", `${API3}/users/current/permissions`);
      assert.deepEqual(
        (rows.body as { permissions: { resource_pattern: string; permission: string }[] })
          .permissions.map((p) => [p.resource_pattern, p.permission]),
        [[expId, "EDIT"]],
      );
    } finally {
      await s.close();
    }
  });
}

Deno.test("a registered model's grants follow its rename and go with its delete", async () => {
  const s = await authApp({
    ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
  });
  try {
    await s.call(ADMIN, "POST", `${API}/users/create`, ALICE);
    await s.call(ADMIN, "POST", `${API}/users/create`, BOB);
    assert.equal(
      (await s.call(ALICE, "POST", `${API}/registered-models/create`, { name: "m1" })).status,
      200,
    );
    await s.call(ADMIN, "POST", `${API}/registered-models/create`, { name: "hidden" });
    const seen = await s.call(ALICE, "GET", `${API}/registered-models/search?max_results=100`);
    assert.deepEqual(
      (seen.body as { registered_models: { name: string }[] }).registered_models.map((m) => m.name),
      ["m1"],
    );
    assert.equal((await s.call(BOB, "GET", `${API}/registered-models/get?name=m1`)).status, 403);
    const renamed = await s.call(ALICE, "POST", `${API}/registered-models/rename`, {
      name: "m1",
      new_name: "m2",
    });
    assert.equal(renamed.status, 200);
    assert.equal((await s.call(ALICE, "GET", `${API}/registered-models/get?name=m2`)).status, 200);
    assert.deepEqual(await s.users.grantsOn("registered_model", "m1"), []);
    assert.equal(
      (await s.call(ALICE, "DELETE", `${API}/registered-models/delete`, { name: "m2" })).status,
      200,
    );
    assert.deepEqual(await s.users.grantsOn("registered_model", "m2"), []);
    // A new model of the old name does not inherit Alice's grant.
    await s.call(ADMIN, "POST", `${API}/registered-models/create`, { name: "m2" });
    assert.equal((await s.call(ALICE, "GET", `${API}/registered-models/get?name=m2`)).status, 403);
  } finally {
    await s.close();
  }
});

Deno.test("an authenticated request costs DynamoDB reads once per TTL, not per request", async () => {
  const s = await authApp();
  try {
    await s.call(ADMIN, "POST", `${API}/users/create`, ALICE);
    const exp = await s.call(ADMIN, "POST", `${API}/experiments/create`, { name: "e" });
    const id = (exp.body as { experiment_id: string }).experiment_id;
    // Count the auth table reads (user and grant items) from here on.
    let reads = 0;
    const port = s.stores.db.port;
    const getItem = port.getItem.bind(port);
    port.getItem = (input) => {
      if (input.Key?.pk?.S?.startsWith("USER#")) reads++;
      return getItem(input);
    };
    for (let i = 0; i < 20; i++) {
      const r = await s.call(ALICE, "GET", `${API}/experiments/get?experiment_id=${id}`);
      assert.equal(r.status, 200);
    }
    // One credential check and one grant read for all 20 requests.
    assert.equal(reads, 2);
    // Creating an experiment grants MANAGE but keeps the verified login: no second password check.
    const own = await s.call(ALICE, "POST", `${API}/experiments/create`, { name: "own" });
    const ownId = (own.body as { experiment_id: string }).experiment_id;
    for (let i = 0; i < 5; i++) {
      const r = await s.call(ALICE, "POST", `${API}/experiments/set-experiment-tag`, {
        experiment_id: ownId,
        key: "k",
        value: String(i),
      });
      assert.equal(r.status, 200);
    }
    assert.equal(reads, 3, "only the new grant is read");
  } finally {
    await s.close();
  }
});

Deno.test("a filtered search page is re-filled to max_results and its token skips nothing", async () => {
  const s = await authApp({
    ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
  });
  try {
    await s.call(ADMIN, "POST", `${API}/users/create`, BOB);
    const readable: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await s.call(ADMIN, "POST", `${API}/experiments/create`, { name: `e${i}` });
      const id = (r.body as { experiment_id: string }).experiment_id;
      if (i % 3 === 1) {
        readable.push(`e${i}`);
        await s.call(ADMIN, "POST", `${API3}/users/permissions/grant`, {
          username: "bob",
          resource_type: "experiment",
          resource_id: id,
          permission: "READ",
        });
      }
    }
    for (const method of ["GET", "POST"]) {
      const seen: string[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      for (let page = 0; page < 10; page++) {
        const params = {
          max_results: 2,
          order_by: ["name ASC"],
          ...token ? { page_token: token } : {},
        };
        const r = method === "GET"
          ? await s.call(
            BOB,
            "GET",
            `${API}/experiments/search?max_results=2&order_by=name%20ASC${
              token ? `&page_token=${encodeURIComponent(token)}` : ""
            }`,
          )
          : await s.call(BOB, "POST", `${API}/experiments/search`, params);
        assert.equal(r.status, 200);
        const b = r.body as { experiments?: { name: string }[]; next_page_token?: string };
        sizes.push((b.experiments ?? []).length);
        seen.push(...(b.experiments ?? []).map((e) => e.name));
        token = b.next_page_token;
        if (!token) break;
      }
      assert.deepEqual(seen, readable, method);
      assert.equal(sizes[0], 2, `${method}: the first page is full`);
    }
  } finally {
    await s.close();
  }
});
