/**
 * Basic-auth on the routes MLflow leaves unchecked or checks loosely: traces and assessments
 * (a trace is checked through its experiment), batch reads (every id), trace searches (every
 * experiment named), OTLP export, the UI's data routes and `/graphql` (each operation against the
 * runs and experiments it names). Each denial has a granted twin that gets through, so every
 * assertion can fail.
 */
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp, basic } from "./auth_app.ts";

const EVE = { username: "eve", password: "eve-password-12" };
const NO_DEFAULT = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";

interface World {
  s: AuthApp;
  /** Eve's experiment (EDIT), its run and trace. */
  A: string;
  RA: string;
  TA: string;
  /** Someone else's experiment, its run and trace. */
  B: string;
  RB: string;
  TB: string;
}

async function world(ini = NO_DEFAULT): Promise<World> {
  const s = await authApp({ ini });
  await s.users.createUser(EVE.username, EVE.password);
  const make = async (name: string) => {
    const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name });
    const id = (e.body as { experiment_id: string }).experiment_id;
    const r = await s.call(ADMIN, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: id });
    const run = (r.body as { run: { info: { run_id: string } } }).run.info.run_id;
    await s.call(ADMIN, "POST", "/api/2.0/mlflow/runs/log-metric", {
      run_id: run,
      key: "loss",
      value: 1,
      timestamp: 1,
      step: 0,
    });
    const t = await s.call(ADMIN, "POST", "/api/2.0/mlflow/traces", { experiment_id: id });
    const trace = (t.body as { trace_info: { request_id: string } }).trace_info.request_id;
    return [id, run, trace] as const;
  };
  const [A, RA, TA] = await make("eve-s");
  const [B, RB, TB] = await make("secret");
  await s.users.grant(EVE.username, "experiment", A, "EDIT");
  return { s, A, RA, TA, B, RB, TB };
}

Deno.test("a trace id of another experiment is denied on every trace route; the own one passes", async () => {
  const { s, A, TA, B, TB } = await world();
  try {
    const routes = (t: string): [string, string, unknown?][] => [
      ["GET", `/api/3.0/mlflow/traces/${t}`],
      ["GET", `/ajax-api/3.0/mlflow/traces/get?trace_id=${t}&allow_partial=true`],
      ["GET", `/api/2.0/mlflow/traces/${t}/info`],
      ["GET", `/ajax-api/3.0/mlflow/get-trace-artifact?request_id=${t}`],
      ["PATCH", `/api/2.0/mlflow/traces/${t}/tags`, { key: "k", value: "v" }],
      ["DELETE", `/api/3.0/mlflow/traces/${t}/tags`, { key: "k" }],
      ["PATCH", `/api/2.0/mlflow/traces/${t}`, { status: "OK", timestamp_ms: 5 }],
      ["POST", `/api/2.0/mlflow/traces/link-prompts`, { trace_id: t, prompt_versions: [] }],
      ["POST", `/api/3.0/mlflow/traces/${t}/assessments`, {
        assessment: {
          assessment_name: "q",
          feedback: { value: 1 },
          source: { source_type: "HUMAN", source_id: "x" },
        },
      }],
    ];
    for (const [method, path, body] of routes(TB)) {
      const res = await s.call(EVE, method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
    }
    for (const [method, path, body] of routes(TA)) {
      const res = await s.call(EVE, method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // The path names the trace acted on: a body naming the own trace does not help.
    const smuggled = await s.call(EVE, "PATCH", `/api/2.0/mlflow/traces/${TB}/tags`, {
      trace_id: TA,
      key: "k",
      value: "v",
    });
    assert.equal(smuggled.status, 403);
    const tb = await s.call(ADMIN, "GET", `/api/3.0/mlflow/traces/${TB}`);
    const info = (tb.body as { trace: { trace_info: { tags?: Record<string, string> } } }).trace
      .trace_info;
    assert.equal(info.tags?.k, undefined);
    // An unknown trace is denied (as MLflow), not revealed; the admin sees the 404.
    assert.equal((await s.call(EVE, "GET", "/api/3.0/mlflow/traces/tr-nope")).status, 403);
    assert.equal((await s.call(ADMIN, "GET", "/api/3.0/mlflow/traces/tr-nope")).status, 404);
    // A v3 start may not move the other experiment's trace into the own one.
    const moved = await s.call(EVE, "POST", "/api/3.0/mlflow/traces", {
      trace: {
        trace_info: {
          trace_id: TB,
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: A } },
          request_time: "2024-01-01T00:00:00Z",
          state: "OK",
        },
      },
    });
    assert.equal(moved.status, 403);
    // Nor name one experiment at the top and another where the handler reads it.
    const twoNames = await s.call(EVE, "POST", "/api/3.0/mlflow/traces", {
      experiment_id: A,
      trace: {
        trace_info: {
          trace_id: "tr-new-1",
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: B } },
          request_time: "2024-01-01T00:00:00Z",
          state: "OK",
        },
      },
    });
    assert.equal(twoNames.status, 403);
    const still = await s.call(ADMIN, "GET", `/api/3.0/mlflow/traces/${TB}`);
    assert.equal(
      (still.body as {
        trace: { trace_info: { trace_location: { mlflow_experiment: { experiment_id: string } } } };
      })
        .trace.trace_info.trace_location.mlflow_experiment.experiment_id,
      B,
    );
    const own = await s.call(EVE, "POST", "/api/3.0/mlflow/traces", {
      trace: {
        trace_info: {
          trace_id: "tr-own-1",
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: A } },
          request_time: "2024-01-01T00:00:00Z",
          state: "OK",
        },
      },
    });
    assert.equal(own.status, 200, JSON.stringify(own.body));
  } finally {
    await s.close();
  }
});

Deno.test("batch reads check every trace id: one unreadable id denies the batch", async () => {
  const { s, TA, TB } = await world();
  try {
    const mixed = `/api/3.0/mlflow/traces/batchGet?trace_ids=${TA}&trace_ids=${TB}`;
    assert.equal((await s.call(EVE, "GET", mixed)).status, 403);
    const infos = await s.call(EVE, "POST", "/api/3.0/mlflow/traces/batchGetInfos", {
      trace_ids: [TA, TB],
    });
    assert.equal(infos.status, 403);
    const unknown = await s.call(EVE, "POST", "/api/3.0/mlflow/traces/batchGetInfos", {
      trace_ids: [TA, "tr-nope"],
    });
    assert.equal(unknown.status, 403);
    const own = await s.call(EVE, "GET", `/api/3.0/mlflow/traces/batchGet?trace_ids=${TA}`);
    assert.equal(own.status, 200);
    const got = (own.body as { traces: { trace_info: { trace_id: string } }[] }).traces;
    assert.deepEqual(got.map((t) => t.trace_info.trace_id), [TA]);
  } finally {
    await s.close();
  }
});

Deno.test("trace searches and analytics answer only readable experiments", async () => {
  const { s, A, B, RA, TA, TB } = await world();
  try {
    const loc = (id: string) => ({
      type: "MLFLOW_EXPERIMENT",
      mlflow_experiment: { experiment_id: id },
    });
    const search = (ids: string[]) =>
      s.call(EVE, "POST", "/api/3.0/mlflow/traces/search", { locations: ids.map(loc) });
    assert.equal((await search([A, B])).status, 403);
    assert.equal((await search([B])).status, 403);
    assert.equal((await search([])).status, 403);
    const own = await search([A]);
    assert.equal(own.status, 200);
    const ids = (own.body as { traces: { trace_id: string }[] }).traces.map((t) => t.trace_id);
    assert.deepEqual(ids, [TA]);
    assert.ok(!ids.includes(TB));
    assert.equal(
      (await s.call(EVE, "GET", `/api/2.0/mlflow/traces?experiment_ids=${B}`)).status,
      403,
    );
    assert.equal(
      (await s.call(EVE, "GET", `/api/2.0/mlflow/traces?experiment_ids=${A}`)).status,
      200,
    );
    const metrics = (ids: string[]) =>
      s.call(EVE, "POST", "/api/3.0/mlflow/traces/metrics", {
        experiment_ids: ids,
        view_type: "TRACES",
        metric_name: "trace_count",
        aggregations: [{ aggregation_type: "COUNT" }],
      });
    assert.equal((await metrics([A, B])).status, 403);
    assert.equal((await metrics([A])).status, 200);
    // Linking needs EDIT on the run and READ on every trace.
    const link = (t: string) =>
      s.call(EVE, "POST", "/api/2.0/mlflow/traces/link-to-run", { run_id: RA, trace_ids: [t] });
    assert.equal((await link(TB)).status, 403);
    assert.equal((await link(TA)).status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("OTLP export checks the experiment (and run) its headers name", async () => {
  const { s, A, B, RB } = await world();
  try {
    const post = (headers: Record<string, string>) =>
      s.app.request("/v1/traces", {
        method: "POST",
        headers: {
          authorization: basic(EVE.username, EVE.password),
          "content-type": "application/json",
          ...headers,
        },
        body: JSON.stringify({
          resourceSpans: [{
            scopeSpans: [{
              spans: [{
                traceId: "0123456789abcdef0123456789abcdef",
                spanId: "0123456789abcdef",
                name: "root",
                startTimeUnixNano: "1000000",
                endTimeUnixNano: "2000000",
              }],
            }],
          }],
        }),
      });
    const denied = await post({ "x-mlflow-experiment-id": B });
    await denied.body?.cancel();
    assert.equal(denied.status, 403);
    const viaRun = await post({ "x-mlflow-experiment-id": A, "x-mlflow-run-id": RB });
    await viaRun.body?.cancel();
    assert.equal(viaRun.status, 403);
    const missing = await post({});
    await missing.body?.cancel();
    assert.equal(missing.status, 400);
    const ok = await post({ "x-mlflow-experiment-id": A });
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("OTLP spans naming a trace of another experiment are refused, that trace unchanged", async () => {
  const { s, A, B } = await world();
  try {
    const traceHex = "fedcba9876543210fedcba9876543210";
    const post = (who: { username: string; password: string }, experiment: string, span: string) =>
      s.app.request("/v1/traces", {
        method: "POST",
        headers: {
          authorization: basic(who.username, who.password),
          "content-type": "application/json",
          "x-mlflow-experiment-id": experiment,
        },
        body: JSON.stringify({
          resourceSpans: [{
            scopeSpans: [{
              spans: [{
                traceId: traceHex,
                spanId: span,
                ...(span === "0000000000000001" ? {} : { parentSpanId: "0000000000000001" }),
                name: `span-${span}`,
                startTimeUnixNano: "1000000",
                endTimeUnixNano: "2000000",
              }],
            }],
          }],
        }),
      });
    // The admin's trace lives in B.
    const own = await post(ADMIN, B, "0000000000000001");
    await own.body?.cancel();
    assert.equal(own.status, 200);
    const traceId = `tr-${traceHex}`;
    const before = await s.call(ADMIN, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId}`);
    assert.equal(before.status, 200);
    const spansOf = (body: unknown) =>
      ((body as { trace: { spans?: unknown[] } }).trace.spans ?? []).length;
    assert.equal(spansOf(before.body), 1);
    // Eve may edit A, and names A in the header, but the span belongs to B's trace.
    const intrude = await post(EVE, A, "0000000000000002");
    const answer = await intrude.json() as { error_code?: string };
    assert.equal(intrude.status, 400);
    assert.equal(answer.error_code, "INVALID_PARAMETER_VALUE");
    const after = await s.call(ADMIN, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId}`);
    assert.equal(spansOf(after.body), 1);
    assert.equal(
      (after.body as {
        trace: { trace_info: { trace_location: { mlflow_experiment: { experiment_id: string } } } };
      })
        .trace.trace_info.trace_location.mlflow_experiment.experiment_id,
      B,
    );
    // The owner of B can still add to it.
    const more = await post(ADMIN, B, "0000000000000002");
    await more.body?.cancel();
    assert.equal(more.status, 200);
    const full = await s.call(ADMIN, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId}`);
    assert.equal(spansOf(full.body), 2);
  } finally {
    await s.close();
  }
});

Deno.test("UI data routes: every run of get-history-bulk, upload-artifact needs EDIT, metadata needs a login", async () => {
  const { s, A, B, RA, RB } = await world();
  try {
    const bulk = (ids: string[]) =>
      `/ajax-api/2.0/mlflow/metrics/get-history-bulk?metric_key=loss&${
        ids.map((id) => `run_id=${id}`).join("&")
      }`;
    assert.equal((await s.call(EVE, "GET", bulk([RA, RB]))).status, 403);
    assert.equal((await s.call(EVE, "GET", bulk([RB, RA]))).status, 403);
    assert.equal((await s.call(EVE, "GET", bulk([RA]))).status, 200);
    const upload = (run: string) =>
      s.app.request(`/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run}&path=x.txt`, {
        method: "POST",
        headers: { authorization: basic(EVE.username, EVE.password), "content-type": "text/plain" },
        body: "hello",
      });
    const denied = await upload(RB);
    await denied.body?.cancel();
    assert.equal(denied.status, 403);
    const written = await s.call(ADMIN, "GET", `/get-artifact?run_id=${RB}&path=x.txt`);
    assert.notEqual(written.status, 200);
    const ok = await upload(RA);
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
    const datasets = (ids: string[]) =>
      s.call(EVE, "POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", {
        experiment_ids: ids,
      });
    assert.equal((await datasets([A, B])).status, 403);
    assert.equal((await datasets([A])).status, 200);
    // server-info is public (as MLflow 3.17.2); the other UI metadata needs a login only.
    assert.equal((await s.call(undefined, "GET", "/ajax-api/3.0/mlflow/server-info")).status, 200);
    for (
      const path of ["/ajax-api/3.0/mlflow/ui-telemetry", "/ajax-api/3.0/mlflow/assistant/config"]
    ) {
      assert.equal((await s.call(undefined, "GET", path)).status, 401, path);
      assert.equal((await s.call(EVE, "GET", path)).status, 200, path);
    }
  } finally {
    await s.close();
  }
});

Deno.test("/graphql answers null for an unreadable run or experiment and keeps readable ones", async () => {
  const { s, A, B, RA, RB } = await world();
  try {
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await s.call(EVE, "POST", "/graphql", { query, variables });
      assert.equal(res.status, 200);
      return res.body as { data: Record<string, unknown>; errors: unknown };
    };
    const getRun =
      "query R($id: String) { mlflowGetRun(input: {runId: $id}) { run { info { runId } } } }";
    assert.deepEqual((await gql(getRun, { id: RB })).data, { mlflowGetRun: null });
    assert.deepEqual((await gql(getRun, { id: "nope" })).data, { mlflowGetRun: null });
    assert.deepEqual((await gql(getRun, { id: RA })).data, {
      mlflowGetRun: { run: { info: { runId: RA } } },
    });
    const getExp =
      "query E($id: String) { mlflowGetExperiment(input: {experimentId: $id}) { experiment { experimentId } } }";
    assert.deepEqual((await gql(getExp, { id: B })).data, { mlflowGetExperiment: null });
    const search =
      "query S($ids: [String]) { mlflowSearchRuns(input: {experimentIds: $ids}) { runs { info { runId } } } }";
    const both = (await gql(search, { ids: [A, B] })).data.mlflowSearchRuns as {
      runs: { info: { runId: string } }[];
    };
    assert.deepEqual(both.runs.map((r) => r.info.runId), [RA]);
    assert.deepEqual((await gql(search, { ids: [B] })).data, { mlflowSearchRuns: null });
    const bulk =
      'query M($ids: [String]) { mlflowGetMetricHistoryBulkInterval(input: {runIds: $ids, metricKey: "loss"}) { metrics { value } } }';
    assert.deepEqual((await gql(bulk, { ids: [RA, RB] })).data, {
      mlflowGetMetricHistoryBulkInterval: null,
    });
    // The admin reads the other run.
    const admin = await s.call(ADMIN, "POST", "/graphql", { query: getRun, variables: { id: RB } });
    assert.deepEqual((admin.body as { data: unknown }).data, {
      mlflowGetRun: { run: { info: { runId: RB } } },
    });
    assert.equal((await s.call(undefined, "POST", "/graphql", { query: getRun })).status, 401);
  } finally {
    await s.close();
  }
});

Deno.test("with the auth cache off (TTL 0) trace checks still resolve the trace's experiment", async () => {
  const { s, TA, TB } = await world(
    "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 0\n",
  );
  try {
    assert.equal((await s.call(EVE, "GET", `/api/3.0/mlflow/traces/${TA}`)).status, 200);
    assert.equal((await s.call(EVE, "GET", `/api/3.0/mlflow/traces/${TB}`)).status, 403);
  } finally {
    await s.close();
  }
});
