/**
 * The UI's non-proto routes, answered as `mlflow server` answers them (server-info, telemetry,
 * gateway proxy, assistant config, search-datasets, get-history-bulk, model-versions/get-artifact,
 * upload-artifact).
 */
import assert from "node:assert/strict";
import { uiApi } from "./ui_api_support.ts";

async function withRun() {
  const api = await uiApi();
  const exp = await api.post("/api/2.0/mlflow/experiments/create", { name: "ui-routes" });
  const experimentId = exp.json.experiment_id as string;
  const run = await api.post("/api/2.0/mlflow/runs/create", { experiment_id: experimentId });
  const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  return { api, experimentId, runId };
}

Deno.test("shell routes: server-info, telemetry off, no gateway endpoints, no assistant", async () => {
  const api = await uiApi();
  const info = await api.get("/ajax-api/3.0/mlflow/server-info");
  assert.equal(info.status, 200);
  assert.equal(info.json.store_type, null);
  assert.equal(info.json.workspaces_enabled, false);
  assert.equal(info.json.trace_archival_enabled, false);
  assert.deepEqual(info.json.features_enabled, { gateway: true });
  assert.deepEqual(await api.get("/ajax-api/3.0/mlflow/ui-telemetry"), {
    status: 200,
    json: { disable_ui_telemetry: true, disable_ui_events: [], ui_rollout_percentage: 0 },
  });
  const posted = await api.post("/ajax-api/3.0/mlflow/ui-telemetry", { records: [{ a: 1 }] });
  assert.deepEqual(posted, { status: 200, json: { status: "disabled" } });
  assert.deepEqual((await api.get("/ajax-api/2.0/mlflow/gateway-proxy")).json, { endpoints: [] });
  assert.deepEqual(
    (await api.post("/ajax-api/2.0/mlflow/gateway-proxy", { gateway_path: "x" })).json,
    { endpoints: [] },
  );
  assert.deepEqual((await api.get("/ajax-api/3.0/mlflow/assistant/config")).json, {
    providers: {},
    projects: {},
    remote_access_allowed: false,
  });
});

Deno.test("search-datasets: distinct summaries with their context; MLflow's validation", async () => {
  const { api, experimentId, runId } = await withRun();
  const dataset = {
    name: "train",
    digest: "abc",
    source_type: "local",
    source: "{}",
  };
  await api.post("/api/2.0/mlflow/runs/log-inputs", {
    run_id: runId,
    datasets: [{ dataset, tags: [{ key: "mlflow.data.context", value: "training" }] }],
  });
  const r = await api.post("/ajax-api/2.0/mlflow/experiments/search-datasets", {
    experiment_ids: [experimentId],
  });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, {
    dataset_summaries: [{
      experiment_id: experimentId,
      name: "train",
      digest: "abc",
      context: "training",
    }],
  });
  const none = await api.post("/ajax-api/2.0/mlflow/experiments/search-datasets", {});
  assert.equal(none.status, 400);
  assert.equal(
    none.json.message,
    "SearchDatasets request must specify at least one experiment_id.",
  );
});

Deno.test("get-history-bulk: full histories by run, MLflow's errors", async () => {
  const { api, runId } = await withRun();
  await api.post("/api/2.0/mlflow/runs/log-batch", {
    run_id: runId,
    metrics: [
      { key: "m", value: 2, timestamp: 20, step: 1 },
      { key: "m", value: 1, timestamp: 10, step: 0 },
    ],
  });
  const r = await api.get(
    `/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=${runId}&metric_key=m`,
  );
  assert.deepEqual(r.json, {
    metrics: [
      { key: "m", value: 1, timestamp: 10, step: 0, run_id: runId },
      { key: "m", value: 2, timestamp: 20, step: 1, run_id: runId },
    ],
  });
  const noKey = await api.get(`/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=${runId}`);
  assert.equal(noKey.status, 400);
  assert.equal(noKey.json.message, "GetMetricHistoryBulk request must specify a metric_key.");
  const noRun = await api.get(`/ajax-api/2.0/mlflow/metrics/get-history-bulk?metric_key=m`);
  assert.equal(noRun.status, 400);
});

Deno.test("upload-artifact stores the body; model-versions/get-artifact reads the version's files safely", async () => {
  const { api, runId } = await withRun();
  const up = await api.app.request(
    `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=model/MLmodel`,
    { method: "POST", body: "flavors: {}\n" },
  );
  assert.equal(up.status, 200);
  await up.body?.cancel();
  const got = await api.app.request(`/get-artifact?run_uuid=${runId}&path=model/MLmodel`);
  assert.equal(await got.text(), "flavors: {}\n");
  const empty = await api.app.request(
    `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=x.txt`,
    { method: "POST" },
  );
  assert.equal(empty.status, 400);
  assert.equal((await empty.json()).message, "Request must specify data.");

  const run = await api.get(`/api/2.0/mlflow/runs/get?run_id=${runId}`);
  const artifactUri = (run.json.run as { info: { artifact_uri: string } }).info.artifact_uri;
  await api.post("/api/2.0/mlflow/registered-models/create", { name: "mv" });
  await api.post("/api/2.0/mlflow/model-versions/create", {
    name: "mv",
    source: `${artifactUri}/model`,
    run_id: runId,
  });
  const mlmodel = await api.app.request(
    "/model-versions/get-artifact?name=mv&version=1&path=MLmodel",
  );
  assert.equal(mlmodel.status, 200);
  assert.equal(mlmodel.headers.get("content-type"), "text/plain");
  assert.equal(await mlmodel.text(), "flavors: {}\n");
  for (const path of ["../../etc/passwd", "%2e%2e/x", "/abs"]) {
    const bad = await api.app.request(
      `/model-versions/get-artifact?name=mv&version=1&path=${encodeURIComponent(path)}`,
    );
    assert.equal(bad.status, 400, path);
    assert.deepEqual(await bad.json(), {
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Invalid path",
    });
  }
  const missing = await api.app.request(
    "/model-versions/get-artifact?name=nope&version=1&path=MLmodel",
  );
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});
