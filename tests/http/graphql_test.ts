/**
 * `/graphql` as the stock UI uses it: the bundle's operations (same selections as MLflow 3.17.2's
 * `MlflowGetExperimentQuery`, `GetRun`, `SearchRuns`, `GetMetricHistoryBulkInterval`), MLflow's
 * encodings (int64 as strings, proto defaults, NaN as null) and errors, and the size limits.
 */
import assert from "node:assert/strict";
import { uiApi } from "./ui_api_support.ts";

const GET_EXPERIMENT = `query MlflowGetExperimentQuery($input: MlflowGetExperimentInput!)
  @component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetExperiment(input: $input) {
    apiError { code message }
    experiment {
      artifactLocation creationTime effectiveTraceArchivalRetention experimentId
      lastUpdateTime lifecycleStage name tags { key value }
    }
  }
}`;

const RUN_FIELDS = `
  info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
  experiment { experimentId name tags { key value } artifactLocation lifecycleStage lastUpdateTime }
  data { metrics { key value step timestamp } params { key value } tags { key value } }
  inputs {
    datasetInputs { dataset { digest name profile schema source sourceType } tags { key value } }
    modelInputs { modelId }
  }
  outputs { modelOutputs { modelId step } }`;

const GET_RUN =
  `query GetRun($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetRun(input: $data) {
    apiError { helpUrl code message }
    run { ${RUN_FIELDS} modelVersions { status version name source } }
  }
}`;

const SEARCH_RUNS = `query SearchRuns($data: MlflowSearchRunsInput!) {
  mlflowSearchRuns(input: $data) {
    apiError { helpUrl code message }
    runs { ${RUN_FIELDS} modelVersions { version name creationTimestamp status source } }
  }
}`;

const BULK = `query GetMetricHistoryBulkInterval($data: MlflowGetMetricHistoryBulkIntervalInput!)
  @component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetMetricHistoryBulkInterval(input: $data) {
    __typename
    metrics { timestamp step runId key value }
    apiError { code message }
  }
}`;

async function seeded() {
  const api = await uiApi();
  const exp = await api.post("/api/2.0/mlflow/experiments/create", {
    name: "gql",
    tags: [{ key: "team", value: "ml" }],
  });
  const experimentId = exp.json.experiment_id as string;
  const run = await api.post("/api/2.0/mlflow/runs/create", {
    experiment_id: experimentId,
    run_name: "first-run",
    start_time: 1700000000000,
  });
  const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  await api.post("/api/2.0/mlflow/runs/log-batch", {
    run_id: runId,
    params: [{ key: "lr", value: "0.1" }],
    metrics: [
      { key: "loss", value: 0.5, timestamp: 1700000000001, step: 0 },
      { key: "loss", value: 0.25, timestamp: 1700000000002, step: 1 },
      { key: "odd", value: "NaN", timestamp: 1700000000003, step: 0 },
    ],
  });
  await api.post("/api/2.0/mlflow/registered-models/create", { name: "gql-model" });
  await api.post("/api/2.0/mlflow/model-versions/create", {
    name: "gql-model",
    source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
    run_id: runId,
  });
  return { api, experimentId, runId };
}

Deno.test("MlflowGetExperimentQuery: MLflow's fields, int64 as strings, unset strings as ''", async () => {
  const { api, experimentId } = await seeded();
  const { status, json } = await api.graphql(GET_EXPERIMENT, { input: { experimentId } });
  assert.equal(status, 200);
  assert.equal(json.errors, null);
  const e = json.data.mlflowGetExperiment.experiment;
  assert.equal(e.experimentId, experimentId);
  assert.equal(e.name, "gql");
  assert.equal(e.lifecycleStage, "active");
  assert.match(e.creationTime, /^\d{13}$/);
  assert.equal(typeof e.lastUpdateTime, "string");
  assert.equal(e.effectiveTraceArchivalRetention, "");
  assert.deepEqual(e.tags, [{ key: "team", value: "ml" }]);
  assert.equal(json.data.mlflowGetExperiment.apiError, null);
});

Deno.test("MlflowGetExperimentQuery for a missing experiment: null field and MLflow's message", async () => {
  const { api } = await seeded();
  const { status, json } = await api.graphql(GET_EXPERIMENT, { input: { experimentId: "999999" } });
  assert.equal(status, 200);
  assert.deepEqual(json.data, { mlflowGetExperiment: null });
  assert.deepEqual(json.errors, ["No Experiment with id=999999 exists"]);
});

Deno.test("GetRun: info, data, experiment and the run's model versions", async () => {
  const { api, experimentId, runId } = await seeded();
  const { json } = await api.graphql(GET_RUN, { data: { runId } });
  assert.equal(json.errors, null);
  const run = json.data.mlflowGetRun.run;
  assert.equal(run.info.runName, "first-run");
  assert.equal(run.info.runUuid, runId);
  assert.equal(run.info.status, "RUNNING");
  assert.equal(run.info.startTime, "1700000000000");
  assert.equal(run.info.endTime, "0");
  assert.equal(run.experiment.experimentId, experimentId);
  assert.deepEqual(run.data.params, [{ key: "lr", value: "0.1" }]);
  const loss = run.data.metrics.find((m: { key: string }) => m.key === "loss");
  assert.deepEqual(loss, { key: "loss", value: 0.25, step: "1", timestamp: "1700000000002" });
  const odd = run.data.metrics.find((m: { key: string }) => m.key === "odd");
  assert.equal(odd.value, null);
  assert.deepEqual(run.inputs, { datasetInputs: [], modelInputs: [] });
  assert.deepEqual(run.outputs, { modelOutputs: [] });
  assert.deepEqual(run.modelVersions, [{
    status: "READY",
    version: "1",
    name: "gql-model",
    source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
  }]);
});

Deno.test("GetRun for a missing run: the message ends in 'not found' (the UI's not-found check)", async () => {
  const { api } = await seeded();
  const { status, json } = await api.graphql(GET_RUN, { data: { runId: "nope" } });
  assert.equal(status, 200);
  assert.deepEqual(json.data, { mlflowGetRun: null });
  assert.deepEqual(json.errors, ["Run with id=nope not found"]);
});

Deno.test("SearchRuns with the run page's filter finds the run", async () => {
  const { api, experimentId, runId } = await seeded();
  const { json } = await api.graphql(SEARCH_RUNS, {
    data: { filter: `attributes.run_id = "${runId}"`, experimentIds: [experimentId] },
  });
  assert.equal(json.errors, null);
  const runs = json.data.mlflowSearchRuns.runs;
  assert.equal(runs.length, 1);
  assert.equal(runs[0].info.runName, "first-run");
  assert.match(runs[0].modelVersions[0].creationTimestamp, /^\d+$/);
  const bad = await api.graphql(SEARCH_RUNS, {
    data: { filter: "metrics.loss >>> 1", experimentIds: [experimentId] },
  });
  assert.equal(bad.json.data.mlflowSearchRuns, null);
  assert.equal(bad.json.errors?.length, 1);
});

Deno.test("GetMetricHistoryBulkInterval: points with runId; no runs, no points (as MLflow)", async () => {
  const { api, runId } = await seeded();
  const { json } = await api.graphql(BULK, { data: { runIds: [runId], metricKey: "loss" } });
  assert.equal(json.errors, null);
  assert.deepEqual(json.data.mlflowGetMetricHistoryBulkInterval.metrics, [
    { timestamp: "1700000000001", step: "0", runId, key: "loss", value: 0.5 },
    { timestamp: "1700000000002", step: "1", runId, key: "loss", value: 0.25 },
  ]);
  // MLflow's resolver calls the handler's implementation without its request checks: an
  // empty run list is no error, just no points.
  const none = await api.graphql(BULK, { data: { runIds: [], metricKey: "loss" } });
  assert.equal(none.json.errors, null);
  assert.deepEqual(none.json.data.mlflowGetMetricHistoryBulkInterval.metrics, []);
});

Deno.test("GraphQL errors: unknown fields, bad syntax, GET with query parameters", async () => {
  const { api, runId } = await seeded();
  const unknown = await api.graphql("{ mlflowGetRun(input: {}) { nope } }");
  assert.equal(unknown.status, 200);
  assert.equal(unknown.json.data, null);
  assert.match(unknown.json.errors![0]!, /Cannot query field "nope"/);
  const syntax = await api.post("/graphql", { query: "{ mlflowGetRun(" });
  assert.equal(syntax.status, 400);
  assert.equal(syntax.json.error_code, "INVALID_PARAMETER_VALUE");
  const missing = await api.post("/graphql", {});
  assert.equal(missing.status, 400);
  const q = encodeURIComponent(
    `{ mlflowGetRun(input: {runId: "${runId}"}) { run { info { runName } } } }`,
  );
  const viaGet = await api.get(`/graphql?query=${q}`);
  assert.equal(viaGet.status, 200);
  assert.deepEqual(viaGet.json.data, { mlflowGetRun: { run: { info: { runName: "first-run" } } } });
});

Deno.test("GraphQL limits: depth, root fields and aliases, with MLflow's messages", async () => {
  const { api } = await seeded();
  const nested = "{ a: mlflowGetRun(input: {}) " + "{ run ".repeat(10) + "}".repeat(10) + " }";
  const depth = await api.graphql(nested);
  assert.deepEqual(depth.json, { data: null, errors: ["Query exceeds maximum depth of 10"] });
  const roots = "{ " +
    Array.from({ length: 11 }, (_, i) => `t${i}: test(inputString: "x") { output }`).join(" ") +
    " }";
  const tooMany = await api.graphql(roots);
  assert.equal(tooMany.json.data, null);
  assert.match(
    tooMany.json.errors![0]!,
    /^GraphQL queries should have at most 10 root fields, got 11 root fields\./,
  );
  const aliases = '{ test(inputString: "x") { ' +
    Array.from({ length: 11 }, (_, i) => `o${i}: output`).join(" ") + " } }";
  assert.match((await api.graphql(aliases)).json.errors![0]!, /at most 10 aliases, got 11 aliases/);
});

Deno.test("mlflowListArtifacts and mlflowSearchDatasets answer as MLflow's schema", async () => {
  // MLflow's test_list_artifacts_graphql and test_search_datasets_graphql.
  const { api, experimentId, runId } = await seeded();
  const run = await api.get(`/api/2.0/mlflow/runs/get?run_id=${runId}`);
  const root = (run.json.run as { info: { artifact_uri: string } }).info.artifact_uri;
  const rel = root.replace(/^mlflow-artifacts:\//, "");
  for (const path of ["test.txt", "testDir/test.txt"]) {
    const put = await api.app.request(`/api/2.0/mlflow-artifacts/artifacts/${rel}/${path}`, {
      method: "PUT",
      body: "hello world",
    });
    assert.equal(put.status, 200, await put.text());
  }
  const list = (path?: string) =>
    api.graphql(
      `query testQuery { files: mlflowListArtifacts(input: { runId: "${runId}"${
        path ? `, path: "${path}"` : ""
      } }) { files { path isDir fileSize } } }`,
    );
  const top = await list();
  assert.equal(top.json.errors, null);
  assert.deepEqual(top.json.data.files.files, [
    { path: "test.txt", isDir: false, fileSize: "11" },
    { path: "testDir", isDir: true, fileSize: "0" },
  ]);
  const sub = await list("testDir");
  assert.deepEqual(sub.json.data.files.files, [
    { path: "testDir/test.txt", isDir: false, fileSize: "11" },
  ]);
  await api.post("/api/2.0/mlflow/runs/log-inputs", {
    run_id: runId,
    datasets: [
      {
        dataset: { name: "d1", digest: "12345", source_type: "script", source: "test" },
        tags: [{ key: "mlflow.data.context", value: "training" }],
      },
    ],
  });
  const datasets = await api.graphql(
    `mutation testMutation { mlflowSearchDatasets(input: { experimentIds: ["${experimentId}"] }) {
      datasetSummaries { experimentId name digest context } } }`,
  );
  assert.equal(datasets.json.errors, null);
  assert.deepEqual(datasets.json.data.mlflowSearchDatasets.datasetSummaries, [
    { experimentId, name: "d1", digest: "12345", context: "training" },
  ]);
});
