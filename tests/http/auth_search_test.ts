/**
 * Searches answer only what the caller may read, in full pages, whatever grants the level
 * comes from (roles included), and the searches that must name their experiments refuse or
 * answer nothing when they name none: runs, logged models, traces and datasets never list
 * another user's items.
 */
import assert from "node:assert/strict";
import { ADMIN, authApp } from "./auth_app.ts";

const BOB = { username: "bob", password: "bob-password-123" };
const INI = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";
type Json = Record<string, unknown>;

Deno.test("an experiment search through a wildcard role skips a DENY and keeps pages full", async () => {
  const s = await authApp({ ini: INI });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", {
        name: `s${i}`,
      });
      ids.push((e.body as { experiment_id: string }).experiment_id);
    }
    const role = await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/create", {
      workspace: "default",
      name: "all-but",
    });
    const roleId = (role.body as { role: { id: number } }).role.id;
    const add = (pattern: string, permission: string) =>
      s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/permissions/add", {
        role_id: roleId,
        resource_type: "experiment",
        resource_pattern: pattern,
        permission,
      });
    await add("*", "READ");
    await add(ids[4]!, "DENY");
    await add(ids[3]!, "DENY");
    await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/assign", {
      username: "bob",
      role_id: roleId,
    });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const q = `max_results=2&order_by=name${token ? `&page_token=${token}` : ""}`;
      const r = await s.call(BOB, "GET", `/api/2.0/mlflow/experiments/search?${q}`);
      assert.equal(r.status, 200);
      const body = r.body as { experiments?: Json[]; next_page_token?: string };
      const page = (body.experiments ?? []).map((e) => e.experiment_id as string);
      token = body.next_page_token;
      if (token) assert.equal(page.length, 2, "a page with a next token is full");
      seen.push(...page);
    } while (token);
    // The Default experiment "0" is readable through the wildcard too.
    assert.deepEqual(seen.sort(), ["0", ids[0], ids[1], ids[2], ids[5]].sort());
  } finally {
    await s.close();
  }
});

Deno.test("searches that name no experiment list nothing of others", async () => {
  const s = await authApp({ ini: INI });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "x" });
    const E = (e.body as { experiment_id: string }).experiment_id;
    await s.call(ADMIN, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: E });
    await s.call(ADMIN, "POST", "/api/2.0/mlflow/logged-models", { experiment_id: E, name: "lm" });
    await s.call(ADMIN, "POST", "/api/2.0/mlflow/traces", { experiment_id: E });
    const runs = await s.call(BOB, "POST", "/api/2.0/mlflow/runs/search", { experiment_ids: [] });
    assert.equal(runs.status, 200);
    assert.deepEqual((runs.body as Json).runs ?? [], []);
    // An unreadable experiment leaves the search (MLflow's `filter_experiment_ids`): nothing.
    const named = await s.call(BOB, "POST", "/api/2.0/mlflow/runs/search", { experiment_ids: [E] });
    assert.equal(named.status, 200);
    assert.deepEqual((named.body as Json).runs ?? [], []);
    assert.equal(
      (await s.call(BOB, "POST", "/api/2.0/mlflow/logged-models/search", {})).status,
      400,
    );
    const lms = await s.call(BOB, "POST", "/api/2.0/mlflow/logged-models/search", {
      experiment_ids: [E],
    });
    assert.equal(lms.status, 200);
    assert.deepEqual((lms.body as Json).models ?? [], []);
    assert.equal((await s.call(BOB, "POST", "/api/3.0/mlflow/traces/search", {})).status, 403);
    assert.equal((await s.call(BOB, "POST", "/api/3.0/mlflow/datasets/search", {})).status, 403);
    const mv = await s.call(BOB, "GET", "/api/2.0/mlflow/model-versions/search");
    assert.equal(mv.status, 200);
    assert.deepEqual((mv.body as Json).model_versions ?? [], []);
  } finally {
    await s.close();
  }
});
