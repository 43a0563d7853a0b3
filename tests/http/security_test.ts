/**
 * The security guards on the whole app, as the reliability probe attacked it (defects 2, 3, 5,
 * 8): DNS rebinding, cross-origin writes, missing headers, oversized bodies, poison keys.
 */
import assert from "node:assert/strict";
import { fullApp } from "./full_app.ts";

async function quietly<T>(fn: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

async function experimentNames(s: Awaited<ReturnType<typeof fullApp>>): Promise<string[]> {
  const r = await s.call("POST", "/experiments/search", { max_results: 1000, view_type: "ALL" });
  assert.equal(r.status, 200);
  return ((r.body as { experiments?: { name: string }[] }).experiments ?? []).map((e) => e.name);
}

Deno.test("a foreign Origin cannot create an experiment; a foreign Host reads nothing", async () => {
  const s = await fullApp();
  try {
    const before = await experimentNames(s);
    const cross = await quietly(() =>
      s.app.request("/api/2.0/mlflow/experiments/create", {
        method: "POST",
        headers: { origin: "http://evil.example", "content-type": "application/json" },
        body: JSON.stringify({ name: "cors-test" }),
      })
    );
    assert.equal(cross.status, 403);
    assert.equal(await cross.text(), "Cross-origin request blocked");
    assert.deepEqual(await experimentNames(s), before);
    const rebound = await quietly(() =>
      s.app.request("/api/2.0/mlflow/experiments/search?max_results=1", {
        headers: { host: "evil.example" },
      })
    );
    assert.equal(rebound.status, 403);
    assert.match(await rebound.text(), /DNS rebinding/);
    const local = await s.app.request("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { origin: "http://localhost:5000", "content-type": "application/json" },
      body: JSON.stringify({ name: "from-the-ui" }),
    });
    assert.equal(local.status, 200);
    assert.equal(local.headers.get("access-control-allow-origin"), "http://localhost:5000");
    assert.equal(local.headers.get("x-content-type-options"), "nosniff");
    assert.equal(local.headers.get("x-frame-options"), "SAMEORIGIN");
  } finally {
    await s.close();
  }
});

Deno.test("--allowed-hosts and --cors-allowed-origins open the app to a named deployment", async () => {
  const s = await fullApp([
    "--allowed-hosts",
    "mlflow.example.com",
    "--cors-allowed-origins",
    "https://nb.example.com",
    "--x-frame-options",
    "DENY",
  ]);
  try {
    const res = await s.app.request("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: {
        host: "mlflow.example.com",
        origin: "https://nb.example.com",
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: "from-a-notebook" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    const localHost = await quietly(() =>
      s.app.request("/api/2.0/mlflow/experiments/search", { headers: { host: "localhost:5000" } })
    );
    assert.equal(localHost.status, 403);
    await localHost.body?.cancel();
    assert.equal((await s.app.request("/health", { headers: { host: "elsewhere" } })).status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("a log-batch over --max-json-body-bytes is 413 and writes nothing", async () => {
  const s = await fullApp(["--max-json-body-bytes", "65536"]);
  try {
    const created = await s.call("POST", "/runs/create", { experiment_id: "0" });
    const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: `m${i}-${"k".repeat(100)}`,
      value: i,
      timestamp: 1,
      step: 0,
    }));
    const big = await s.call("POST", "/runs/log-batch", { run_id: runId, metrics });
    assert.equal(big.status, 413);
    assert.equal((big.body as { error_code: string }).error_code, "INVALID_PARAMETER_VALUE");
    const got = await s.call("GET", `/runs/get?run_id=${runId}`);
    assert.equal(
      (got.body as { run: { data: { metrics?: unknown[] } } }).run.data.metrics,
      undefined,
    );
    const small = await s.call("POST", "/runs/log-batch", {
      run_id: runId,
      metrics: metrics.slice(0, 10),
    });
    assert.equal(small.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("a lone surrogate in an experiment tag key is a 400; search keeps working", async () => {
  const s = await fullApp();
  try {
    const r = await s.call(
      "POST",
      "/experiments/set-experiment-tag",
      '{"experiment_id":"0","key":"\\ud800","value":"v"}',
    );
    assert.equal(r.status, 400);
    assert.equal((r.body as { error_code: string }).error_code, "INVALID_PARAMETER_VALUE");
    const created = await s.call(
      "POST",
      "/experiments/create",
      '{"name":"ok","tags":[{"key":"k\\udc00","value":"v"}]}',
    );
    assert.equal(created.status, 400);
    assert.deepEqual(await experimentNames(s), ["Default"]);
    const got = await s.call("GET", "/experiments/get?experiment_id=0");
    assert.equal((got.body as { experiment: { tags?: unknown[] } }).experiment.tags, undefined);
  } finally {
    await s.close();
  }
});

Deno.test("a refused local model-version source names no server directory", async () => {
  const s = await fullApp();
  try {
    await s.call("POST", "/registered-models/create", { name: "m" });
    const run = await s.call("POST", "/runs/create", { experiment_id: "0" });
    const runId = (run.body as { run: { info: { run_id: string } } }).run.info.run_id;
    for (
      const body of [{ name: "m", source: "x" }, { name: "m", source: "model", run_id: runId }]
    ) {
      const r = await s.call("POST", "/model-versions/create", body);
      assert.equal(r.status, 400);
      const message = (r.body as { message: string }).message;
      assert.ok(!message.includes(Deno.cwd()), message);
      assert.ok(!message.includes(s.tmp), message);
    }
  } finally {
    await s.close();
  }
});
