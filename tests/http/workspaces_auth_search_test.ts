/**
 * Searches naming another workspace's experiment with basic-auth and workspaces both on, as
 * MLflow 3.17.2 answers them (the table in docs/workspaces.md, "Searches over several
 * experiments"). A user who may read every experiment of `default` (default_permission READ with
 * grant_default_workspace_access) passes the permission checks of runs, logged models, traces
 * (v3 and v2), trace metrics and filter correlation, which resolve grants in the request's
 * workspace without looking the experiment up; their stores then drop the other workspace's id,
 * so the answer holds `default`'s items only. The dataset searches resolve each experiment's
 * workspace first and deny what is not in the request's workspace: 403. Admins pass every check
 * and get the dropping answer everywhere.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import { BOB, ok, V2, V3, WS } from "./workspace_auth_support.ts";

const INI = "[mlflow]\ndefault_permission = READ\ngrant_default_workspace_access = true\n" +
  "auth_cache_ttl_seconds = 60\n";

/** One experiment with a run (with a dataset input), a logged model, a trace and a dataset. */
async function seed(s: AuthApp, ws: string, tag: string) {
  const E = (await ok(s, ws, "POST", `${V2}/experiments/create`, { name: `e-${tag}` }))
    .experiment_id as string;
  const R = (await ok(s, ws, "POST", `${V2}/runs/create`, { experiment_id: E })).run.info
    .run_id as string;
  await ok(s, ws, "POST", `${V2}/runs/log-inputs`, {
    run_id: R,
    datasets: [{ dataset: { name: `d-${tag}`, digest: "x", source_type: "local", source: "{}" } }],
  });
  const M = (await ok(s, ws, "POST", `${V2}/logged-models`, { experiment_id: E, name: "lm" }))
    .model.info.model_id as string;
  const T = `tr-${tag.padEnd(32, "0")}`;
  await ok(s, ws, "POST", `${V3}/traces`, {
    trace: {
      trace_info: {
        trace_id: T,
        trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } },
        request_time: "2026-11-30T00:00:00Z",
        execution_duration: "0.010s",
        state: "OK",
      },
    },
  });
  await ok(s, ws, "POST", `${V3}/datasets/create`, { name: `ds-${tag}`, experiment_ids: [E] });
  return { E, R, M, T };
}

const loc = (id: string) => ({
  type: "MLFLOW_EXPERIMENT",
  mlflow_experiment: { experiment_id: id },
});

Deno.test("with basic-auth and workspaces, searches drop another workspace's ids; dataset searches refuse them", async () => {
  const s = await authApp({ ini: INI, args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    await ok(s, "default", "POST", `${V3}/workspaces`, { name: "team-b" });
    const mine = await seed(s, "default", "mine");
    const far = await seed(s, "team-b", "far");
    const both = [mine.E, far.E];

    for (const who of [BOB, ADMIN]) {
      const call = async (method: string, path: string, body?: unknown) => {
        const r = await s.call(who, method, path, body, WS("default"));
        assert.equal(r.status, 200, `${who.username} ${method} ${path}: ${JSON.stringify(r.body)}`);
        return r.body as any;
      };
      const runs = await call("POST", `${V2}/runs/search`, { experiment_ids: both });
      assert.deepEqual(runs.runs.map((r: any) => r.info.run_id), [mine.R]);
      const models = await call("POST", `${V2}/logged-models/search`, { experiment_ids: both });
      assert.deepEqual(models.models.map((m: any) => m.info.model_id), [mine.M]);
      const v3 = await call("POST", `${V3}/traces/search`, { locations: both.map(loc) });
      assert.deepEqual(v3.traces.map((t: any) => t.trace_id), [mine.T]);
      const v2 = await call("GET", `${V2}/traces?experiment_ids=${mine.E}&experiment_ids=${far.E}`);
      assert.deepEqual(v2.traces.map((t: any) => t.request_id), [mine.T]);
      // Only the other workspace's id: an empty answer, not a 403 or a 404.
      assert.deepEqual(await call("POST", `${V3}/traces/search`, { locations: [loc(far.E)] }), {});
      const metrics = await call("POST", `${V3}/traces/metrics`, {
        experiment_ids: both,
        view_type: "TRACES",
        metric_name: "trace_count",
        aggregations: [{ aggregation_type: "COUNT" }],
      });
      assert.equal(metrics.data_points[0].values.COUNT, 1);
      const corr = await call("POST", `${V3}/traces/calculate-filter-correlation`, {
        experiment_ids: both,
        filter_string1: "trace.status = 'OK'",
        filter_string2: "trace.status = 'OK'",
      });
      assert.equal(corr.total_count, 1);
    }

    // The dataset searches: the admin gets the dropping answer; bob gets MLflow's 403.
    const summaries = await s.call(
      ADMIN,
      "POST",
      `/ajax-api/2.0/mlflow/experiments/search-datasets`,
      {
        experiment_ids: both,
      },
      WS("default"),
    );
    assert.equal(summaries.status, 200);
    assert.deepEqual(
      (summaries.body as any).dataset_summaries.map((d: any) => d.name),
      ["d-mine"],
    );
    const datasets = await s.call(ADMIN, "POST", `${V3}/datasets/search`, {
      experiment_ids: both,
    }, WS("default"));
    assert.deepEqual((datasets.body as any).datasets.map((d: any) => d.name), ["ds-mine"]);
    const refused = [
      await s.call(BOB, "POST", `/ajax-api/2.0/mlflow/experiments/search-datasets`, {
        experiment_ids: both,
      }, WS("default")),
      await s.call(BOB, "POST", `${V3}/datasets/search`, { experiment_ids: both }, WS("default")),
      await s.call(
        BOB,
        "GET",
        `${V3}/datasets/search?experiment_ids=${mine.E}&experiment_ids=${far.E}`,
        undefined,
        WS("default"),
      ),
      // An id no experiment has is not in the workspace either.
      await s.call(BOB, "POST", `${V3}/datasets/search`, {
        experiment_ids: [mine.E, "424242"],
      }, WS("default")),
    ];
    assert.deepEqual(refused.map((r) => r.status), [403, 403, 403, 403]);
    // The granted twin: bob's own workspace's experiment only.
    const own = await s.call(BOB, "POST", `${V3}/datasets/search`, {
      experiment_ids: [mine.E],
    }, WS("default"));
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.deepEqual((own.body as any).datasets.map((d: any) => d.name), ["ds-mine"]);
    const ownSummaries = await s.call(
      BOB,
      "POST",
      `/ajax-api/2.0/mlflow/experiments/search-datasets`,
      {
        experiment_ids: [mine.E],
      },
      WS("default"),
    );
    assert.equal(ownSummaries.status, 200, JSON.stringify(ownSummaries.body));
  } finally {
    await s.close();
  }
});
