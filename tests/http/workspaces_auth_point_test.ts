/**
 * Routes that address ONE experiment (or a run, trace or logged model under it) of another
 * workspace, with basic-auth and workspaces both on, as MLflow 3.17.2 answers them. Its validators
 * look the resource up through the workspace-aware store (`_get_experiment_permission`,
 * `_run_requirement`, `_authorize_trace`, `_authorize_logged_model_id`): another workspace's id
 * is not found there, so the permission resolves to `NO_PERMISSIONS` and a non-admin gets 403
 * `Permission denied`, whatever their grants in the request's workspace (here MANAGE on
 * everything of `default` through `grant_default_workspace_access`). `get-history-bulk` looks the
 * runs up before any check and raises the store's 404. Admins skip the validators and get the
 * handler's not-found.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import { BOB, ok, V2, V3, WS } from "./workspace_auth_support.ts";

const INI = "[mlflow]\ndefault_permission = MANAGE\ngrant_default_workspace_access = true\n" +
  "auth_cache_ttl_seconds = 60\n";

/** An experiment of `team-b` with a run, a logged model and a trace. */
async function seedFar(s: AuthApp) {
  await ok(s, "default", "POST", `${V3}/workspaces`, { name: "team-b" });
  const E = (await ok(s, "team-b", "POST", `${V2}/experiments/create`, { name: "far" }))
    .experiment_id as string;
  const R = (await ok(s, "team-b", "POST", `${V2}/runs/create`, { experiment_id: E })).run.info
    .run_id as string;
  const M = (await ok(s, "team-b", "POST", `${V2}/logged-models`, { experiment_id: E, name: "lm" }))
    .model.info.model_id as string;
  const T = `tr-${"f".repeat(32)}`;
  await ok(s, "team-b", "POST", `${V3}/traces`, {
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
  return { E, R, M, T };
}

/** Each route family with the handler's not-found message (what an admin gets). */
function routes(far: { E: string; R: string; M: string; T: string }) {
  const { E, R, M, T } = far;
  const noExp = `No Experiment with id=${E} exists`;
  const noRun = `Run with id=${R} not found`;
  const noTrace = `Trace with ID '${T}' not found.`;
  return [
    ["GET", `${V2}/experiments/get?experiment_id=${E}`, undefined, noExp],
    ["POST", `${V2}/experiments/update`, { experiment_id: E, new_name: "x" }, noExp],
    ["POST", `${V2}/experiments/delete`, { experiment_id: E }, noExp],
    ["GET", `${V2}/runs/get?run_id=${R}`, undefined, noRun],
    ["POST", `${V2}/runs/log-metric`, { run_id: R, key: "m", value: 1, timestamp: 1 }, noRun],
    ["POST", `${V2}/runs/update`, { run_id: R, status: "FINISHED" }, noRun],
    ["GET", `${V2}/artifacts/list?run_id=${R}`, undefined, noRun],
    ["GET", `${V3}/traces/${T}`, undefined, noTrace],
    ["PATCH", `${V3}/traces/${T}/tags`, { key: "k", value: "v" }, noTrace],
    ["POST", `${V3}/traces/${T}/assessments`, {
      assessment: {
        assessment_name: "a",
        trace_id: T,
        source: { source_type: "HUMAN", source_id: "bob" },
        feedback: { value: true },
      },
    }, noTrace],
    ["GET", `${V2}/logged-models/${M}`, undefined, `Logged model with ID '${M}' not found.`],
  ] as const;
}

Deno.test("with basic-auth and workspaces, another workspace's experiment is 403 for a granted user, 404 for an admin", async () => {
  const s = await authApp({ ini: INI, args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const far = await seedFar(s);
    // Bob may do anything in default: the request's workspace grants allow the id.
    const mine = await s.call(
      BOB,
      "POST",
      `${V2}/experiments/create`,
      { name: "m" },
      WS("default"),
    );
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    for (const [method, path, body, message] of routes(far)) {
      const asBob = await s.call(BOB, method, path, body, WS("default"));
      assert.equal(asBob.status, 403, `bob ${method} ${path}: ${JSON.stringify(asBob.body)}`);
      assert.equal(asBob.body, "Permission denied");
      const asAdmin = await s.call(ADMIN, method, path, body, WS("default"));
      assert.equal(asAdmin.status, 404, `admin ${method} ${path}: ${JSON.stringify(asAdmin.body)}`);
      assert.deepEqual(asAdmin.body, { error_code: "RESOURCE_DOES_NOT_EXIST", message });
    }
    // MLflow's get-history-bulk validator looks the runs up first and raises the store's 404.
    const bulk = await s.call(
      BOB,
      "GET",
      `/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=${far.R}&metric_key=m`,
      undefined,
      WS("default"),
    );
    assert.equal(bulk.status, 404, JSON.stringify(bulk.body));
    assert.equal((bulk.body as any).error_code, "RESOURCE_DOES_NOT_EXIST");
    // Nothing was written across: the experiment keeps its name, the run its status.
    const e = await ok(s, "team-b", "GET", `${V2}/experiments/get?experiment_id=${far.E}`);
    assert.equal(e.experiment.name, "far");
    assert.equal(e.experiment.lifecycle_stage, "active");
    const r = await ok(s, "team-b", "GET", `${V2}/runs/get?run_id=${far.R}`);
    assert.equal(r.run.info.status, "RUNNING");
    assert.equal(r.run.data.metrics, undefined);
  } finally {
    await s.close();
  }
});

Deno.test("with basic-auth and workspaces, /graphql resolves another workspace's experiment and run to null for a non-admin", async () => {
  const s = await authApp({ ini: INI, args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const far = await seedFar(s);
    const query = `query { e: mlflowGetExperiment(input: {experimentId: "${far.E}"}) ` +
      `{ experiment { experimentId } apiError { code } } ` +
      `r: mlflowGetRun(input: {runId: "${far.R}"}) { run { info { runId } } } }`;
    const asBob = await s.call(BOB, "POST", "/graphql", { query }, WS("default"));
    assert.equal(asBob.status, 200);
    assert.deepEqual((asBob.body as any).data, { e: null, r: null });
    assert.equal((asBob.body as any).errors ?? null, null);
  } finally {
    await s.close();
  }
});

Deno.test("with basic-auth and workspaces, GraphQL run and dataset searches drop another workspace's ids as MLflow's store does", async () => {
  const s = await authApp({ ini: INI, args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const far = await seedFar(s);
    await ok(s, "team-b", "POST", `${V2}/runs/log-inputs`, {
      run_id: far.R,
      datasets: [{ dataset: { name: "d-far", digest: "x", source_type: "local", source: "{}" } }],
    });
    const E = (await ok(s, "default", "POST", `${V2}/experiments/create`, { name: "mine" }))
      .experiment_id as string;
    const R = (await ok(s, "default", "POST", `${V2}/runs/create`, { experiment_id: E })).run.info
      .run_id as string;
    await ok(s, "default", "POST", `${V2}/runs/log-inputs`, {
      run_id: R,
      datasets: [{ dataset: { name: "d-mine", digest: "y", source_type: "local", source: "{}" } }],
    });
    const search = (ids: string[]) =>
      `mutation { r: mlflowSearchRuns(input: {experimentIds: ${JSON.stringify(ids)}}) ` +
      `{ runs { info { runUuid } } } ` +
      `d: mlflowSearchDatasets(input: {experimentIds: ${JSON.stringify(ids)}}) ` +
      `{ datasetSummaries { name } } }`;
    // Bob's grants in `default` allow any id (MLflow's middleware keeps it), the store drops it:
    // an empty answer, not null; admins skip the middleware and get the same.
    for (const who of [BOB, ADMIN]) {
      const onlyFar = await s.call(
        who,
        "POST",
        "/graphql",
        { query: search([far.E]) },
        WS("default"),
      );
      assert.equal(onlyFar.status, 200);
      assert.deepEqual(
        onlyFar.body,
        { data: { r: { runs: [] }, d: { datasetSummaries: [] } }, errors: null },
        who.username,
      );
      const both = await s.call(
        who,
        "POST",
        "/graphql",
        { query: search([E, far.E]) },
        WS("default"),
      );
      assert.deepEqual(
        both.body,
        {
          data: {
            r: { runs: [{ info: { runUuid: R } }] },
            d: { datasetSummaries: [{ name: "d-mine" }] },
          },
          errors: null,
        },
        who.username,
      );
    }
  } finally {
    await s.close();
  }
});

Deno.test("with basic-auth and workspaces, a user without grants gets 403 too, and get-history-bulk the store's 404", async () => {
  const s = await authApp({
    ini: "[mlflow]\ndefault_permission = READ\nauth_cache_ttl_seconds = 60\n",
    args: ["--enable-workspaces"],
  });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const far = await seedFar(s);
    for (const [method, path, body] of routes(far)) {
      const asBob = await s.call(BOB, method, path, body, WS("default"));
      assert.equal(asBob.status, 403, `bob ${method} ${path}: ${JSON.stringify(asBob.body)}`);
    }
    for (
      const path of [
        `/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=${far.R}&metric_key=m`,
        `/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${far.R}&metric_key=m`,
      ]
    ) {
      const bulk = await s.call(BOB, "GET", path, undefined, WS("default"));
      assert.equal(bulk.status, 404, `${path}: ${JSON.stringify(bulk.body)}`);
      assert.deepEqual(bulk.body, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: `Run with id=${far.R} not found`,
      });
    }
  } finally {
    await s.close();
  }
});
