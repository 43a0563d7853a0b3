/**
 * A search naming experiments of another workspace, as MLflow 3.17.2's workspace-aware store
 * answers (`_filter_experiment_ids`, `_get_query`): those ids are dropped and the search answers
 * for the rest: no 404, nothing of the other workspace, and an emptied list is an empty page
 * (never "every dataset", as a search naming no experiment would be). Covers runs, logged models,
 * traces (v3 search, v2 GET), trace metrics, filter correlation, the UI's search-datasets and the
 * evaluation dataset search (POST and GET).
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { requestJson } from "../support/request_json.ts";
import { type FullApp, fullApp } from "./full_app.ts";

type Answer = { status: number; body: any };

async function call(
  full: FullApp,
  ws: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<Answer> {
  return await requestJson(full.app, method, url, body, { "x-mlflow-workspace": ws });
}

async function ok(full: FullApp, ws: string, method: string, url: string, body?: unknown) {
  const r = await call(full, ws, method, url, body);
  assert.ok(r.status < 300, `${method} ${url} in ${ws}: ${JSON.stringify(r.body)}`);
  return r.body;
}

const V2 = "/api/2.0/mlflow";
const V3 = "/api/3.0/mlflow";

/** One experiment with a run, a logged model, a trace and a dataset in `ws`. */
async function seed(full: FullApp, ws: string, tag: string) {
  const E = (await ok(full, ws, "POST", `${V2}/experiments/create`, { name: `e-${tag}` }))
    .experiment_id as string;
  const R = (await ok(full, ws, "POST", `${V2}/runs/create`, { experiment_id: E })).run.info
    .run_id as string;
  await ok(full, ws, "POST", `${V2}/runs/log-inputs`, {
    run_id: R,
    datasets: [{ dataset: { name: `d-${tag}`, digest: "x", source_type: "local", source: "{}" } }],
  });
  const M = (await ok(full, ws, "POST", `${V2}/logged-models`, { experiment_id: E, name: "lm" }))
    .model.info.model_id as string;
  const T = `tr-${tag.padEnd(32, "0")}`;
  await ok(full, ws, "POST", `${V3}/traces`, {
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
  const D = (await ok(full, ws, "POST", `${V3}/datasets/create`, {
    name: `ds-${tag}`,
    experiment_ids: [E],
  })).dataset.dataset_id as string;
  return { E, R, M, T, D };
}

const loc = (id: string) => ({
  type: "MLFLOW_EXPERIMENT",
  mlflow_experiment: { experiment_id: id },
});

Deno.test("searches naming another workspace's experiments drop those ids, as MLflow", async () => {
  const full = await fullApp(["--enable-workspaces"]);
  try {
    await ok(full, "default", "POST", `${V3}/workspaces`, { name: "team-a" });
    const a = await seed(full, "team-a", "a");
    const d = await seed(full, "default", "d");

    /** Each search: what it lists for a list of experiment ids. */
    const searches: [string, (ids: string[]) => Promise<Answer>, (b: any) => string[]][] = [
      [
        "runs",
        (ids) => call(full, "default", "POST", `${V2}/runs/search`, { experiment_ids: ids }),
        (b) => (b.runs ?? []).map((r: any) => r.info.run_id),
      ],
      [
        "logged models",
        (ids) =>
          call(full, "default", "POST", `${V2}/logged-models/search`, { experiment_ids: ids }),
        (b) => (b.models ?? []).map((m: any) => m.info.model_id),
      ],
      [
        "traces v3",
        (ids) => call(full, "default", "POST", `${V3}/traces/search`, { locations: ids.map(loc) }),
        (b) => (b.traces ?? []).map((t: any) => t.trace_id),
      ],
      [
        "traces v2 GET",
        (ids) =>
          call(
            full,
            "default",
            "GET",
            `${V2}/traces?${ids.map((i) => `experiment_ids=${i}`).join("&")}`,
          ),
        (b) => (b.traces ?? []).map((t: any) => t.request_id),
      ],
      [
        "search-datasets (UI)",
        (ids) =>
          call(full, "default", "POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", {
            experiment_ids: ids,
          }),
        (b) => (b.dataset_summaries ?? []).map((s: any) => s.name),
      ],
      [
        "datasets POST",
        (ids) => call(full, "default", "POST", `${V3}/datasets/search`, { experiment_ids: ids }),
        (b) => (b.datasets ?? []).map((x: any) => x.dataset_id),
      ],
      [
        "datasets GET",
        (ids) =>
          call(
            full,
            "default",
            "GET",
            `${V3}/datasets/search?${ids.map((i) => `experiment_ids=${i}`).join("&")}`,
          ),
        (b) => (b.datasets ?? []).map((x: any) => x.dataset_id),
      ],
    ];
    const own: Record<string, string[]> = {
      "runs": [d.R],
      "logged models": [d.M],
      "traces v3": [`tr-${"d".padEnd(32, "0")}`],
      "traces v2 GET": [`tr-${"d".padEnd(32, "0")}`],
      "search-datasets (UI)": ["d-d"],
      "datasets POST": [d.D],
      "datasets GET": [d.D],
    };
    for (const [name, search, listed] of searches) {
      const foreignOnly = await search([a.E]);
      assert.equal(foreignOnly.status, 200, `${name}: ${JSON.stringify(foreignOnly.body)}`);
      assert.deepEqual(listed(foreignOnly.body), [], `${name}: foreign only`);
      const mixed = await search([a.E, d.E]);
      assert.equal(mixed.status, 200, `${name}: ${JSON.stringify(mixed.body)}`);
      assert.deepEqual(listed(mixed.body), own[name], `${name}: foreign and own`);
      const unknown = await search(["424242"]);
      assert.equal(unknown.status, 200, name);
      assert.deepEqual(listed(unknown.body), [], `${name}: unknown`);
    }

    // A body encoded twice (MLflow accepts it) is rewritten the same way.
    const twice = await full.app.request(`${V2}/runs/search`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-mlflow-workspace": "default" },
      body: JSON.stringify(JSON.stringify({ experiment_ids: [a.E, d.E] })),
    });
    assert.equal(twice.status, 200);
    assert.deepEqual((await twice.json()).runs.map((r: any) => r.info.run_id), [d.R]);

    // Trace metrics and filter correlation count nothing of the other workspace.
    const metrics = (ids: string[]) =>
      ok(full, "default", "POST", `${V3}/traces/metrics`, {
        experiment_ids: ids,
        view_type: "TRACES",
        metric_name: "trace_count",
        aggregations: [{ aggregation_type: "COUNT" }],
      });
    assert.deepEqual(await metrics([a.E]), {});
    const countMixed = await metrics([a.E, d.E]);
    assert.equal(countMixed.data_points[0].values.COUNT, 1, JSON.stringify(countMixed));
    const corr = await ok(full, "default", "POST", `${V3}/traces/calculate-filter-correlation`, {
      experiment_ids: [a.E],
      filter_string1: "trace.status = 'OK'",
      filter_string2: "trace.status = 'OK'",
    });
    assert.equal(corr.total_count, 0);

    // The same searches in team-a see team-a's and drop default's.
    const inA = await ok(full, "team-a", "POST", `${V2}/runs/search`, {
      experiment_ids: [d.E, a.E],
    });
    assert.deepEqual(inA.runs.map((r: any) => r.info.run_id), [a.R]);

    // Routes that name one experiment still answer 404 for another workspace's.
    const get = await call(full, "default", "GET", `${V2}/experiments/get?experiment_id=${a.E}`);
    assert.equal(get.status, 404);
  } finally {
    await full.close();
  }
});
