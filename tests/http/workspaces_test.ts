/**
 * Workspaces over HTTP (`--enable-workspaces`), as MLflow 3.17.2 answers: the CRUD routes and
 * their errors, the `X-MLFLOW-WORKSPACE` header with workspaces on and off, `server-info`, and
 * isolation (the same names in two workspaces, nothing of one readable or writable from another).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

interface Answer {
  status: number;
  body: Record<string, unknown> & { error_code?: string; message?: string };
  text: string;
}

async function call(
  full: FullApp,
  method: string,
  url: string,
  opts: { body?: unknown; workspace?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.workspace !== undefined) headers["x-mlflow-workspace"] = opts.workspace;
  const res = await full.app.request(url, {
    method,
    headers,
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, text };
}

const WS = "/api/3.0/mlflow/workspaces";
const API = "/api/2.0/mlflow";

async function withApp(args: string[], fn: (full: FullApp) => Promise<void>): Promise<void> {
  const full = await fullApp(args);
  try {
    await fn(full);
  } finally {
    await full.close();
  }
}

Deno.test("workspaces off: routes answer 503, a non-blank header is FEATURE_DISABLED, server-info says off", async () => {
  await withApp([], async (full) => {
    const list = await call(full, "GET", WS);
    assert.equal(list.status, 503);
    assert.match(list.text, /disabled because the server is running without workspaces support/);
    assert.match(list.text, /^Endpoint: \/api\/3\.0\/mlflow\/workspaces disabled/);
    const one = await call(full, "GET", "/ajax-api/3.0/mlflow/workspaces/team-a");
    assert.equal(one.status, 503);
    assert.match(
      one.text,
      /^Endpoint: \/ajax-api\/3\.0\/mlflow\/workspaces\/<workspace_name> disabled/,
    );

    const refused = await call(full, "GET", `${API}/experiments/search?max_results=5`, {
      workspace: "team-a",
    });
    assert.equal(refused.status, 500);
    assert.equal(refused.body.error_code, "FEATURE_DISABLED");
    assert.equal(
      refused.body.message,
      "Workspace APIs are not available: workspaces are not enabled on this server",
    );
    const blank = await call(full, "GET", `${API}/experiments/search?max_results=5`, {
      workspace: "  ",
    });
    assert.equal(blank.status, 200);

    const info = await call(full, "GET", "/ajax-api/3.0/mlflow/server-info", { workspace: "x" });
    assert.equal(info.status, 200);
    assert.equal(info.body.workspaces_enabled, false);
  });
});

Deno.test("workspace CRUD: create, list, get, update, delete with MLflow's rules and errors", async () => {
  await withApp(["--enable-workspaces"], async (full) => {
    const info = await call(full, "GET", "/ajax-api/3.0/mlflow/server-info", { workspace: "nope" });
    assert.equal(info.body.workspaces_enabled, true);

    const created = await call(full, "POST", WS, {
      body: { name: "team-a", description: "Team A" },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { workspace: { name: "team-a", description: "Team A" } });
    const again = await call(full, "POST", WS, { body: { name: "team-a" } });
    assert.equal(again.status, 400);
    assert.equal(again.body.error_code, "RESOURCE_ALREADY_EXISTS");

    for (
      const [name, pattern] of [
        ["a", /must be between 2 and 63 characters/],
        ["Team", /must match the pattern/],
        ["-ab", /must match the pattern/],
        ["api", /is reserved and cannot be used/],
        ["default", /The 'default' workspace is reserved and cannot be created/],
      ] as const
    ) {
      const bad = await call(full, "POST", WS, { body: { name } });
      assert.equal(bad.status, 400, name);
      assert.equal(bad.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(bad.body.message!, pattern);
    }
    const missing = await call(full, "POST", WS, { body: {} });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message!, /Missing value for required parameter 'name'/);
    const relative = await call(full, "POST", WS, {
      body: { name: "team-r", default_artifact_root: "relative/dir" },
    });
    assert.equal(relative.status, 400);
    assert.match(relative.body.message!, /Invalid value for 'default_artifact_root'/);

    const list = await call(full, "GET", `/ajax-api/3.0/mlflow/workspaces`);
    assert.equal(list.status, 200);
    const names = (list.body.workspaces as { name: string }[]).map((w) => w.name);
    assert.deepEqual(names, ["default", "team-a"]);

    const got = await call(full, "GET", `${WS}/default`);
    assert.equal(got.status, 200);
    assert.equal((got.body.workspace as { name: string }).name, "default");
    const unknown = await call(full, "GET", `${WS}/team-z`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    assert.equal(unknown.body.message, "Workspace 'team-z' not found");

    const updated = await call(full, "PATCH", `${WS}/team-a`, {
      body: { description: "A team", default_artifact_root: "s3://bucket/team-a" },
    });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body.workspace, {
      name: "team-a",
      description: "A team",
      default_artifact_root: "s3://bucket/team-a",
    });
    const cleared = await call(full, "PATCH", `${WS}/team-a`, {
      body: { default_artifact_root: "" },
    });
    assert.deepEqual(cleared.body.workspace, { name: "team-a", description: "A team" });
    const empty = await call(full, "PATCH", `${WS}/team-a`, { body: {} });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.message, "Workspace update must have at least one key");
    const absentUpdate = await call(full, "PATCH", `${WS}/team-z`, { body: { description: "x" } });
    assert.equal(absentUpdate.status, 404);

    const defaultDelete = await call(full, "DELETE", `${WS}/default`);
    assert.equal(defaultDelete.status, 400);
    assert.match(defaultDelete.body.message!, /reserved and cannot be deleted/);
    const badMode = await call(full, "DELETE", `${WS}/team-a?mode=SOMETIMES`);
    assert.equal(badMode.status, 400);
    assert.equal(
      badMode.body.message,
      "Invalid deletion mode 'SOMETIMES'. Must be one of: SET_DEFAULT, CASCADE, RESTRICT",
    );
    const deleted = await call(full, "DELETE", `${WS}/team-a`);
    assert.equal(deleted.status, 204);
    const gone = await call(full, "GET", `${API}/experiments/search?max_results=5`, {
      workspace: "team-a",
    });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.message, "Workspace 'team-a' not found");
    const invalid = await call(full, "GET", `${API}/experiments/search?max_results=5`, {
      workspace: "Not_Valid",
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error_code, "INVALID_PARAMETER_VALUE");
  });
});

Deno.test("workspaces isolate experiments, runs and registered models; RESTRICT delete refuses a workspace in use", async () => {
  await withApp(["--enable-workspaces"], async (full) => {
    assert.equal((await call(full, "POST", WS, { body: { name: "team-a" } })).status, 201);
    const inA = { workspace: "team-a" };

    const expDefault = await call(full, "POST", `${API}/experiments/create`, {
      body: { name: "shared-name" },
    });
    const expA = await call(full, "POST", `${API}/experiments/create`, {
      body: { name: "shared-name" },
      ...inA,
    });
    assert.equal(expDefault.status, 200);
    assert.equal(expA.status, 200, expA.text);
    const idDefault = expDefault.body.experiment_id as string;
    const idA = expA.body.experiment_id as string;
    assert.notEqual(idDefault, idA);

    const byNameA = await call(
      full,
      "GET",
      `${API}/experiments/get-by-name?experiment_name=shared-name`,
      inA,
    );
    assert.equal((byNameA.body.experiment as { experiment_id: string }).experiment_id, idA);
    const location = (byNameA.body.experiment as { artifact_location: string }).artifact_location;
    assert.match(location, new RegExp(`workspaces/team-a/${idA}$`));
    const byNameDefault = await call(
      full,
      "GET",
      `${API}/experiments/get-by-name?experiment_name=shared-name`,
      { workspace: "" },
    );
    assert.equal(
      (byNameDefault.body.experiment as { experiment_id: string }).experiment_id,
      idDefault,
    );
    assert.doesNotMatch(
      (byNameDefault.body.experiment as { artifact_location: string }).artifact_location,
      /workspaces/,
    );

    const searchA = await call(full, "GET", `${API}/experiments/search?max_results=100`, inA);
    assert.deepEqual(
      (searchA.body.experiments as { experiment_id: string }[]).map((e) => e.experiment_id),
      [idA],
    );
    const searchDefault = await call(full, "GET", `${API}/experiments/search?max_results=100`);
    const defaultIds = (searchDefault.body.experiments as { experiment_id: string }[])
      .map((e) => e.experiment_id);
    assert.ok(defaultIds.includes(idDefault) && defaultIds.includes("0"));
    assert.ok(!defaultIds.includes(idA));

    // By id across workspaces: as if it did not exist.
    const crossGet = await call(
      full,
      "GET",
      `${API}/experiments/get?experiment_id=${idDefault}`,
      inA,
    );
    assert.equal(crossGet.status, 404);
    assert.equal(crossGet.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    const crossRename = await call(full, "POST", `${API}/experiments/update`, {
      body: { experiment_id: idA, new_name: "hijacked" },
    });
    assert.equal(crossRename.status, 404);
    const crossTag = await call(full, "POST", `${API}/experiments/set-experiment-tag`, {
      body: { experiment_id: idA, key: "k", value: "v" },
    });
    assert.equal(crossTag.status, 404);
    const crossDelete = await call(full, "POST", `${API}/experiments/delete`, {
      body: { experiment_id: idA },
    });
    assert.equal(crossDelete.status, 404);
    const crossRun = await call(full, "POST", `${API}/runs/create`, {
      body: { experiment_id: idDefault },
      ...inA,
    });
    assert.equal(crossRun.status, 404);

    const run = await call(full, "POST", `${API}/runs/create`, {
      body: { experiment_id: idA, start_time: 1 },
      ...inA,
    });
    assert.equal(run.status, 200);
    const runId = (run.body.run as { info: { run_id: string; artifact_uri: string } }).info.run_id;
    const ownRun = await call(full, "GET", `${API}/runs/get?run_id=${runId}`, inA);
    assert.equal(ownRun.status, 200);
    const crossRunGet = await call(full, "GET", `${API}/runs/get?run_id=${runId}`);
    assert.equal(crossRunGet.status, 404);
    assert.equal(crossRunGet.body.message, `Run with id=${runId} not found`);
    const crossLog = await call(full, "POST", `${API}/runs/log-metric`, {
      body: { run_id: runId, key: "m", value: 1, timestamp: 1 },
    });
    assert.equal(crossLog.status, 404);
    // A search drops another workspace's experiment ids, as MLflow's store filters them.
    const crossSearch = await call(full, "POST", `${API}/runs/search`, {
      body: { experiment_ids: [idA] },
    });
    assert.equal(crossSearch.status, 200);
    assert.deepEqual(crossSearch.body, {});

    // `/graphql` (the web UI): another workspace's run and experiment look missing, with the
    // not-found error MLflow's store raises (the UI shows "Experiment not found"); a search of
    // runs drops another workspace's experiments (nothing found).
    const gql = (query: string, workspace?: string) =>
      call(full, "POST", "/graphql", { body: { query }, ...(workspace ? { workspace } : {}) });
    const runQuery = `{ mlflowGetRun(input: {runId: "${runId}"}) { run { info { runUuid } } } }`;
    const expQuery =
      `{ mlflowGetExperiment(input: {experimentId: "${idA}"}) { experiment { name } } }`;
    const searchQuery =
      `{ mlflowSearchRuns(input: {experimentIds: ["${idA}"]}) { runs { info { runUuid } } } }`;
    const crossGql = await gql(runQuery);
    assert.equal(crossGql.status, 200);
    assert.equal((crossGql.body.data as Record<string, unknown>).mlflowGetRun, null);
    assert.deepEqual(crossGql.body.errors, [`Run with id=${runId} not found`]);
    const crossExp = await gql(expQuery);
    assert.equal((crossExp.body.data as Record<string, unknown>).mlflowGetExperiment, null);
    assert.deepEqual(crossExp.body.errors, [`No Experiment with id=${idA} exists`]);
    const crossRuns = await gql(searchQuery);
    assert.equal(crossRuns.body.errors, null);
    assert.deepEqual(
      (crossRuns.body.data as { mlflowSearchRuns: { runs: unknown[] } | null }).mlflowSearchRuns
        ?.runs ?? [],
      [],
    );
    const ownGql = await gql(runQuery, "team-a");
    assert.deepEqual((ownGql.body.data as Record<string, unknown>).mlflowGetRun, {
      run: { info: { runUuid: runId } },
    });

    // Registered models: one name space per workspace.
    for (const workspace of ["", "team-a"]) {
      const rm = await call(full, "POST", `${API}/registered-models/create`, {
        body: { name: "model-x", description: `in ${workspace || "default"}` },
        workspace,
      });
      assert.equal(rm.status, 200, rm.text);
    }
    const rmA = await call(full, "GET", `${API}/registered-models/get?name=model-x`, inA);
    assert.equal(
      (rmA.body.registered_model as { description: string }).description,
      "in team-a",
    );
    const rmDefault = await call(full, "GET", `${API}/registered-models/get?name=model-x`);
    assert.equal(
      (rmDefault.body.registered_model as { description: string }).description,
      "in default",
    );
    await call(full, "POST", `${API}/registered-models/create`, {
      body: { name: "only-in-a" },
      ...inA,
    });
    const crossModel = await call(full, "GET", `${API}/registered-models/get?name=only-in-a`);
    assert.equal(crossModel.status, 404);
    const rmSearchDefault = await call(full, "GET", `${API}/registered-models/search`);
    assert.deepEqual(
      (rmSearchDefault.body.registered_models as { name: string }[]).map((m) => m.name),
      ["model-x"],
    );

    // Evaluation datasets: listed and read in their own workspace only.
    const ds = await call(full, "POST", "/api/3.0/mlflow/datasets/create", {
      body: { name: "ds-a", experiment_ids: [idA] },
      ...inA,
    });
    assert.equal(ds.status, 200, ds.text);
    const dsId = (ds.body.dataset as { dataset_id: string }).dataset_id;
    const dsUnlinked = await call(full, "POST", "/api/3.0/mlflow/datasets/create", {
      body: { name: "ds-a-unlinked" },
      ...inA,
    });
    const unlinkedId = (dsUnlinked.body.dataset as { dataset_id: string }).dataset_id;
    const listedA = await call(full, "POST", "/api/3.0/mlflow/datasets/search", {
      body: {},
      ...inA,
    });
    assert.deepEqual(
      (listedA.body.datasets as { name: string }[]).map((d) => d.name).sort(),
      ["ds-a", "ds-a-unlinked"],
    );
    const listedDefault = await call(full, "POST", "/api/3.0/mlflow/datasets/search", { body: {} });
    assert.equal(listedDefault.body.datasets, undefined);
    for (const id of [dsId, unlinkedId]) {
      const cross = await call(full, "GET", `/api/3.0/mlflow/datasets/${id}`);
      assert.equal(cross.status, 404, id);
      assert.equal(cross.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    }
    assert.equal((await call(full, "GET", `/api/3.0/mlflow/datasets/${dsId}`, inA)).status, 200);

    const restrict = await call(full, "DELETE", `${WS}/team-a`);
    assert.equal(restrict.status, 500);
    assert.equal(restrict.body.error_code, "INVALID_STATE");
    assert.match(restrict.body.message!, /Cannot delete workspace 'team-a'/);
    const stillThere = await call(full, "GET", `${WS}/team-a`);
    assert.equal(stillThere.status, 200);
  });
});
