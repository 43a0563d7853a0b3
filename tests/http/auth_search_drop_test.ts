/**
 * Run and logged-model searches under basic-auth, as MLflow 3.17.2: no permission check refuses
 * them (SearchRuns has no before-request validator; SearchLoggedModels gates nothing on its
 * experiments); the experiments the caller may not read are dropped from `experiment_ids`
 * (`filter_experiment_ids` in `search_runs_impl`; logged-model rows filtered after the fact), so
 * the answer holds the readable experiments' items only. With workspaces on, naming another
 * workspace's experiment is not a 403 either: its id is dropped, as MLflow's store drops it.
 */
import assert from "node:assert/strict";
import { ADMIN, authApp } from "./auth_app.ts";

const BOB = { username: "bob", password: "bob-password-123" };
const INI = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";
type Json = Record<string, unknown>;
const WS = (ws: string) => ({ "x-mlflow-workspace": ws });

Deno.test("runs and logged-model searches drop the experiments the caller cannot read", async () => {
  const s = await authApp({ ini: INI, args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const made = async (ws: string, name: string) => {
      const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name }, WS(ws));
      assert.equal(e.status, 200, JSON.stringify(e.body));
      const id = (e.body as { experiment_id: string }).experiment_id;
      const r = await s.call(ADMIN, "POST", "/api/2.0/mlflow/runs/create", {
        experiment_id: id,
      }, WS(ws));
      const lm = await s.call(ADMIN, "POST", "/api/2.0/mlflow/logged-models", {
        experiment_id: id,
        name: `lm-${name}`,
      }, WS(ws));
      assert.equal(lm.status, 200, JSON.stringify(lm.body));
      return {
        id,
        run: (r.body as { run: { info: { run_id: string } } }).run.info.run_id,
        model: (lm.body as { model: { info: { model_id: string } } }).model.info.model_id,
      };
    };
    const ws = await s.call(ADMIN, "POST", "/api/3.0/mlflow/workspaces", { name: "team-b" });
    assert.equal(ws.status, 201, JSON.stringify(ws.body));
    const mine = await made("default", "mine");
    const theirs = await made("default", "theirs");
    const foreign = await made("team-b", "foreign");
    const grant = await s.call(ADMIN, "POST", "/api/3.0/mlflow/users/permissions/grant", {
      username: "bob",
      resource_type: "experiment",
      resource_id: mine.id,
      permission: "READ",
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));

    const runs = async (ids: string[]) => {
      const r = await s.call(BOB, "POST", "/api/2.0/mlflow/runs/search", { experiment_ids: ids });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (((r.body as Json).runs ?? []) as { info: { run_id: string } }[])
        .map((x) => x.info.run_id);
    };
    const models = async (ids: string[]) => {
      const r = await s.call(BOB, "POST", "/api/2.0/mlflow/logged-models/search", {
        experiment_ids: ids,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (((r.body as Json).models ?? []) as { info: { model_id: string } }[])
        .map((x) => x.info.model_id);
    };
    assert.deepEqual(await runs([mine.id, theirs.id]), [mine.run]);
    assert.deepEqual(await runs([theirs.id]), []);
    assert.deepEqual(await runs([foreign.id, mine.id]), [mine.run]);
    assert.deepEqual(await runs([foreign.id]), []);
    assert.deepEqual(await models([mine.id, theirs.id]), [mine.model]);
    assert.deepEqual(await models([theirs.id, foreign.id]), []);
    // The ajax twin (the UI's) answers the same.
    const ajax = await s.call(BOB, "POST", "/ajax-api/2.0/mlflow/runs/search", {
      experiment_ids: [theirs.id, mine.id],
    });
    assert.equal(ajax.status, 200);
    assert.deepEqual(
      ((ajax.body as Json).runs as { info: { run_id: string } }[]).map((x) => x.info.run_id),
      [mine.run],
    );
    // The admin still sees both of default's experiments.
    const all = await s.call(ADMIN, "POST", "/api/2.0/mlflow/runs/search", {
      experiment_ids: [mine.id, theirs.id],
    });
    assert.equal(((all.body as Json).runs as unknown[]).length, 2);
  } finally {
    await s.close();
  }
});
