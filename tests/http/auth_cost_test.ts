/**
 * What basic-auth adds to a request in DynamoDB reads, measured with the engine's own counters
 * (the units DynamoDB would bill): the same request by an admin with a warm login (no grant or
 * role reads) is the baseline; a user's first request (cold caches) adds the credential check,
 * the grant read and the role reads; the next requests within `auth_cache_ttl_seconds` (warm)
 * add nothing. `docs/auth.md` ("Cost of an authenticated request") quotes these figures.
 */
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import type { Engine } from "../../src/engine/mod.ts";

const ALICE = { username: "alice", password: "alice-password-1" };
const CAROL = { username: "carol", password: "carol-password-1" };
const INI = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";

interface Cost {
  rcu: number;
  calls: number;
}

async function cost(s: AuthApp, fn: () => Promise<{ status: number }>): Promise<Cost> {
  const stats = (s.rawPort as Engine).stats;
  const rcu = stats.readUnits;
  const calls = Object.values(stats.calls).reduce((a, b) => a + b, 0);
  const r = await fn();
  assert.equal(r.status, 200);
  return {
    rcu: stats.readUnits - rcu,
    calls: Object.values(stats.calls).reduce((a, b) => a + b, 0) - calls,
  };
}

Deno.test("[engine] auth adds 2 RCU to a cold request (2.5 with one role), 0 when warm", async () => {
  const s = await authApp({ ini: INI, backend: "engine" });
  try {
    assert.ok("stats" in (s.rawPort as object), "the engine backend counts units");
    await s.users.createUser(ALICE.username, ALICE.password);
    await s.users.createUser(CAROL.username, CAROL.password);
    const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "cost" });
    const E = (e.body as { experiment_id: string }).experiment_id;
    await s.users.grant(ALICE.username, "experiment", E, "READ");
    // Carol reads through a role.
    const role = await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/create", {
      workspace: "default",
      name: "readers",
    });
    const roleId = (role.body as { role: { id: number } }).role.id;
    await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/permissions/add", {
      role_id: roleId,
      resource_type: "experiment",
      resource_pattern: "*",
      permission: "READ",
    });
    await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/assign", {
      username: "carol",
      role_id: roleId,
    });
    const get = (who: typeof ADMIN) => () =>
      s.call(who, "GET", `/api/2.0/mlflow/experiments/get?experiment_id=${E}`);

    const handler = await cost(s, get(ADMIN)); // the admin's login is warm: the handler alone
    const aliceCold = await cost(s, get(ALICE));
    const aliceWarm = await cost(s, get(ALICE));
    const carolCold = await cost(s, get(CAROL));
    const carolWarm = await cost(s, get(CAROL));
    const added = (c: Cost) => ({ rcu: c.rcu - handler.rcu, calls: c.calls - handler.calls });
    // Cold: the user item (strongly consistent GetItem, 1 RCU), the grant (GetItem, 0.5) and
    // the user's role assignments (Query, 0.5).
    assert.deepEqual(added(aliceCold), { rcu: 2, calls: 3 });
    // One role more: its permissions (Query of the role partition, 0.5).
    assert.deepEqual(added(carolCold), { rcu: 2.5, calls: 4 });
    // Warm (within the TTL): nothing.
    assert.deepEqual(added(aliceWarm), { rcu: 0, calls: 0 });
    assert.deepEqual(added(carolWarm), { rcu: 0, calls: 0 });
    console.log(
      `handler ${handler.rcu} RCU/${handler.calls} calls; auth adds cold ${added(aliceCold).rcu} ` +
        `RCU (one role: ${added(carolCold).rcu}), warm ${added(aliceWarm).rcu}`,
    );
  } finally {
    await s.close();
  }
});
