/**
 * Searches naming another workspace's experiments, as MLflow 3.17.2's workspace-aware store
 * answers them (it filters a search's experiment ids to the request's workspace): those ids are
 * dropped, the search answers the rest, and one left with none answers 200 with nothing found.
 * The web UI sends such searches when it opens a link of another workspace (then shows
 * "Experiment not found"); `mlflow server` answers them 200.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

const API = "/api/2.0/mlflow";
const AJAX = "/ajax-api/2.0/mlflow";
const V3 = "/ajax-api/3.0/mlflow";

async function call(full: FullApp, url: string, body: unknown, workspace?: string) {
  const res = await full.app.request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(workspace === undefined ? {} : { "x-mlflow-workspace": workspace }),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

/** Two workspaces, each with an experiment holding one run; returns their ids. */
async function seed(full: FullApp) {
  for (const name of ["team-a", "team-b"]) {
    const res = await full.app.request("/api/3.0/mlflow/workspaces", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    assert.equal(res.status, 201);
    await res.body?.cancel();
  }
  const ids: Record<string, { exp: string; run: string }> = {};
  for (const ws of ["team-a", "team-b"]) {
    const exp = await call(full, `${API}/experiments/create`, { name: "same-name" }, ws);
    assert.equal(exp.status, 200);
    const expId = exp.body.experiment_id as string;
    const run = await call(full, `${API}/runs/create`, { experiment_id: expId }, ws);
    assert.equal(run.status, 200);
    ids[ws] = { exp: expId, run: (run.body.run as { info: { run_id: string } }).info.run_id };
  }
  return ids as Record<"team-a" | "team-b", { exp: string; run: string }>;
}

Deno.test("a search naming only another workspace's experiments answers 200 with nothing found", async () => {
  const full = await fullApp(["--enable-workspaces"]);
  try {
    const ids = await seed(full);
    const foreign = ids["team-a"].exp;
    const searches: [string, unknown][] = [
      [`${AJAX}/runs/search`, { experiment_ids: [foreign] }],
      [`${AJAX}/logged-models/search`, { experiment_ids: [foreign] }],
      [`${AJAX}/experiments/search-datasets`, { experiment_ids: [foreign] }],
      [`${V3}/traces/search`, {
        locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: foreign } }],
      }],
      [`${V3}/traces/metrics`, {
        experiment_ids: [foreign],
        view_type: "TRACES",
        metric_name: "trace_count",
        aggregations: [{ aggregation_type: "COUNT" }],
      }],
    ];
    for (const [url, body] of searches) {
      const res = await call(full, url, body, "team-b");
      assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body, {}, url);
    }
  } finally {
    await full.close();
  }
});

Deno.test("a search naming experiments of two workspaces answers those of the request's", async () => {
  const full = await fullApp(["--enable-workspaces"]);
  try {
    const ids = await seed(full);
    const both = [ids["team-a"].exp, ids["team-b"].exp];
    for (const ws of ["team-a", "team-b"] as const) {
      const runs = await call(full, `${API}/runs/search`, { experiment_ids: both }, ws);
      assert.equal(runs.status, 200);
      const found = (runs.body.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id);
      assert.deepEqual(found, [ids[ws].run], ws);
    }
    // The default workspace holds neither: nothing found, no 404.
    const none = await call(full, `${API}/runs/search`, { experiment_ids: both });
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, {});
  } finally {
    await full.close();
  }
});
