/**
 * Exact behaviours MLflow's own REST tests check (issue #15, "Fidelity"): the first invalid field
 * is the one named, a float is echoed as Python writes it, a relative artifact location becomes
 * absolute, and `get-history-bulk-interval` validates and samples as MLflow 3.17.2.
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

type Body = { error_code?: string; message?: string; metrics?: Record<string, unknown>[] };

async function withApp(fn: (s: FullApp) => Promise<void>) {
  const s = await fullApp();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function newRun(s: FullApp): Promise<string> {
  const r = await s.call("POST", "/runs/create", { experiment_id: "0" });
  return (r.body as { run: { info: { run_id: string } } }).run.info.run_id;
}

async function assert400(s: FullApp, method: string, path: string, body: unknown, text: string) {
  const r = await s.call(method, path, body);
  assert.equal(r.status, 400, JSON.stringify(r.body));
  const b = r.body as Body;
  assert.equal(b.error_code, "INVALID_PARAMETER_VALUE");
  assert.ok(b.message?.includes(text), `${b.message} should contain ${text}`);
}

Deno.test("log-parameter and set-tag name run_id before key and value, as MLflow", async () => {
  await withApp(async (s) => {
    const runId = await newRun(s);
    for (const path of ["/runs/log-parameter", "/runs/set-tag"]) {
      await assert400(
        s,
        "POST",
        path,
        { run_id: 31, key: "param", value: 41 },
        "Invalid value 31 for parameter 'run_id' supplied: Hint: Value was of type 'int'.",
      );
      await assert400(
        s,
        "POST",
        path,
        { run_id: runId, key: 31, value: 41 },
        "Invalid value 31 for parameter 'key' supplied",
      );
      await assert400(
        s,
        "POST",
        path,
        { run_id: runId, key: "param", value: 41 },
        "Invalid value 41 for parameter 'value' supplied",
      );
      await assert400(
        s,
        "POST",
        path,
        { run_id: runId, value: 41 },
        "Missing value for required parameter 'key'. See the API docs",
      );
      await assert400(s, "POST", path, { key: "k", value: "v" }, "'run_id'");
      const ok = await s.call("POST", path, { run_uuid: runId, key: `k${path.length}`, value: "" });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    }
  });
});

Deno.test("a float artifact_location is echoed as Python writes it (9.0, type float)", async () => {
  await withApp(async (s) => {
    await assert400(
      s,
      "POST",
      "/experiments/create",
      '{"name": "e", "artifact_location": 9.0, "tags": [{"key": "k", "value": "v"}]}',
      "Invalid value 9.0 for parameter 'artifact_location' supplied: Hint: Value was of type 'float'.",
    );
    await assert400(
      s,
      "POST",
      "/experiments/create",
      '{"name": 123}',
      "Invalid value 123 for parameter 'name' supplied: Hint: Value was of type 'int'.",
    );
    await assert400(
      s,
      "POST",
      "/experiments/create",
      '{"name": "e", "artifact_location": 1e20}',
      "Invalid value 1e+20 for parameter 'artifact_location'",
    );
    await assert400(
      s,
      "POST",
      "/experiments/create",
      { name: "e", artifact_location: "x", tags: "5" },
      `Invalid value "5" for parameter 'tags'`,
    );
    await assert400(
      s,
      "POST",
      "/experiments/create",
      { name: "e", artifact_location: { b: 1.5, a: "é" } },
      `Invalid value {"a":"\\u00e9","b":1.5} for parameter 'artifact_location' supplied: Hint: Value was of type 'dict'.`,
    );
  });
});

Deno.test("a relative artifact_location is made absolute against the server's directory", async () => {
  await withApp(async (s) => {
    const cases: [string, string][] = [
      ["my_location", `${Deno.cwd()}/my_location`],
      ["./a/./b", `${Deno.cwd()}/a/b`],
      ["file:rel/dir", `file://${Deno.cwd()}/rel/dir`],
      ["/abs/dir", "/abs/dir"],
      ["file:///abs/dir", "file:///abs/dir"],
      ["s3://bucket/key", "s3://bucket/key"],
    ];
    for (const [i, [given, stored]] of cases.entries()) {
      const r = await s.call("POST", "/experiments/create", {
        name: `rel-${i}`,
        artifact_location: given,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const id = (r.body as { experiment_id: string }).experiment_id;
      const got = await s.call("GET", `/experiments/get?experiment_id=${id}`);
      const exp = (got.body as { experiment: { artifact_location: string } }).experiment;
      assert.equal(exp.artifact_location, stored, given);
    }
  });
});

const INTERVAL = "/metrics/get-history-bulk-interval";

Deno.test("get-history-bulk-interval refuses bad requests with MLflow's messages", async () => {
  await withApp(async (s) => {
    const q = (params: string) => `${INTERVAL}?${params}`;
    await assert400(
      s,
      "GET",
      q("metric_key=key"),
      undefined,
      "Missing value for required parameter 'run_ids'. See the API docs",
    );
    const many = Array.from({ length: 101 }, (_, i) => `run_ids=id_${i}`).join("&");
    await assert400(
      s,
      "GET",
      q(`${many}&metric_key=key`),
      undefined,
      "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.",
    );
    await assert400(
      s,
      "GET",
      q("run_ids=123&metric_key=key&max_results=0"),
      undefined,
      "max_results must be between 1 and 2500.",
    );
    await assert400(
      s,
      "GET",
      q("run_ids=123&metric_key="),
      undefined,
      "Missing value for required parameter 'metric_key'",
    );
    await assert400(
      s,
      "GET",
      q("run_ids=123&metric_key=key&start_step=1&end_step=0&max_results=5"),
      undefined,
      "end_step must be greater than start_step. Found start_step=1 and end_step=0.",
    );
    await assert400(
      s,
      "GET",
      q("run_ids=123&metric_key=key&start_step=1&max_results=5"),
      undefined,
      "If either start step or end step are specified, both must be specified.",
    );
  });
});

Deno.test("get-history-bulk-interval samples 10 steps to 0, 2, 4, 6, 9 (MLflow 3.17.2)", async () => {
  await withApp(async (s) => {
    const run1 = await newRun(s);
    const run2 = await newRun(s);
    const log = (runId: string, n: number, timestamp: number) =>
      s.call("POST", "/runs/log-batch", {
        run_id: runId,
        metrics: Array.from({ length: n }, (_, step) => ({
          key: "metricA",
          value: 10.0,
          timestamp,
          step,
        })),
      });
    await log(run1, 10, 1);
    await log(run2, 20, 1);
    const steps = async (params: string) => {
      const r = await s.call("GET", `${INTERVAL}?metric_key=metricA&${params}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return ((r.body as Body).metrics ?? []).map((m) => [m.run_id, m.step, m.timestamp]);
    };
    assert.deepEqual(
      await steps(`run_ids=${run1}&max_results=5`),
      [0, 2, 4, 6, 9].map((st) => [run1, st, 1]),
    );
    assert.deepEqual(
      await steps(`run_ids=${run1}&max_results=5&start_step=0&end_step=4`),
      [0, 1, 2, 3, 4].map((st) => [run1, st, 1]),
    );
    assert.deepEqual(await steps(`run_ids=${run1}&run_ids=${run2}&max_results=5`), [
      ...[0, 2, 4, 6, 9].map((st) => [run1, st, 1]),
      ...[0, 4, 8, 12, 19].map((st) => [run2, st, 1]),
    ]);
    // A second value at every step: points are sampled, not steps.
    await log(run1, 10, 2);
    assert.deepEqual(await steps(`run_ids=${run1}&max_results=5`), [
      [run1, 0, 1],
      [run1, 2, 1],
      [run1, 4, 1],
      [run1, 6, 1],
      [run1, 9, 2],
    ]);
    // MLflow's store answers an unknown run with nothing.
    assert.deepEqual(await steps(`run_ids=nope&max_results=5`), []);
  });
});

Deno.test("a path with repeated slashes is redirected to its merged form (Werkzeug)", async () => {
  await withApp(async (s) => {
    const res = await s.app.request(
      "//model-versions/get-artifact?name=model&version=1&path=..%2Fpath",
    );
    assert.equal(res.status, 308);
    assert.equal(
      res.headers.get("location"),
      "/model-versions/get-artifact?name=model&version=1&path=..%2Fpath",
    );
    const followed = await s.app.request(res.headers.get("location")!);
    assert.equal(followed.status, 400);
    assert.deepEqual((await followed.json()).message, "Invalid path");
    const unknown = await s.app.request("/nope");
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  });
});
