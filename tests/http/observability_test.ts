/**
 * The access log, request ids, per-request DynamoDB cost and `/metrics`, over the whole app on
 * the engine: what an operator reads in the log and in Prometheus after real MLflow calls.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createStores } from "../../src/store/stores.ts";
import { measuredPort } from "../../src/server/open_backend.ts";
import { observability } from "../../src/server/observability.ts";
import { DEFAULT_RETRY } from "../../src/dynamo/retry.ts";

async function setup(config: { logFormat: "text" | "json"; exposePrometheus?: string }) {
  const engine = createEngine();
  const port = measuredPort(engine, { ...DEFAULT_RETRY, sleep: () => Promise.resolve() });
  await ensureTable(port, "tbl");
  const stores = await createStores({ port, table: "tbl" }, "mlflow-artifacts:/");
  const lines: string[] = [];
  const app = createApp({ stores, ...await observability(config, (l) => lines.push(l)) });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(`/api/2.0/mlflow${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  return { engine, app, lines, post, close: () => engine.close() };
}

Deno.test("access log: one JSON line per request with route, status, latency, DynamoDB cost and request id", async () => {
  const s = await setup({ logFormat: "json" });
  try {
    const res = await s.post("/experiments/create", { name: "e1" }, { "X-Request-Id": "abc-123" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-request-id"), "abc-123");
    const { experiment_id } = await res.json();
    const get = await s.app.request(
      `/ajax-api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`,
    );
    assert.equal(get.status, 200);
    const generated = get.headers.get("x-request-id") ?? "";
    assert.match(generated, /^[0-9a-f-]{36}$/);
    assert.equal((await s.app.request("/health")).status, 200);
    assert.equal((await s.app.request("/ready")).status, 200);
    const missing = await s.app.request(
      "/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope",
    );
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.equal(s.lines.length, 3, s.lines.join("\n"));
    const [create, read, notFound] = s.lines.map((l) => JSON.parse(l));
    assert.equal(create.request_id, "abc-123");
    assert.equal(create.method, "POST");
    assert.equal(create.route, "/api/2.0/mlflow/experiments/create");
    assert.equal(create.status, 200);
    assert.ok(create.latency_ms >= 0);
    assert.ok(create.dynamodb_calls >= 1);
    assert.ok(create.wcu >= 1, JSON.stringify(create));
    assert.equal(read.request_id, generated);
    assert.equal(read.route, "/ajax-api/2.0/mlflow/experiments/get");
    assert.ok(read.rcu > 0 && read.wcu === 0, JSON.stringify(read));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.route, "/api/2.0/mlflow/experiments/get-by-name");
  } finally {
    await s.close();
  }
});

Deno.test("access log: text lines, unmatched routes, a forged request id is replaced", async () => {
  const s = await setup({ logFormat: "text" });
  try {
    const res = await s.app.request("/api/2.0/mlflow/nope", {
      headers: { "X-Request-Id": "bad id\u0001" },
    });
    assert.equal(res.status, 404);
    await res.body?.cancel();
    assert.notEqual(res.headers.get("x-request-id"), "bad id\u0001");
    assert.equal(s.lines.length, 1);
    assert.match(
      s.lines[0]!,
      /^\S+Z GET \/api\/2\.0\/mlflow\/nope 404 [\d.]+ms route=unmatched ddb_calls=0 rcu=0 wcu=0 request_id=[0-9a-f-]{36}$/,
    );
  } finally {
    await s.close();
  }
});

Deno.test("access log: throttled DynamoDB calls and their retries are counted for the request", async () => {
  const s = await setup({ logFormat: "json" });
  try {
    s.engine.faults.inject({ op: "transactWriteItems", error: "throttle", times: 2 });
    const res = await s.post("/experiments/create", { name: "throttled" });
    assert.equal(res.status, 200, await res.clone().text());
    const line = JSON.parse(s.lines.at(-1)!);
    assert.equal(line.throttles, 2, JSON.stringify(line));
    assert.equal(line.retries, 2);
  } finally {
    await s.close();
  }
});

Deno.test("--expose-prometheus: /metrics has MLflow's series and per-operation DynamoDB cost", async () => {
  const dir = await Deno.makeTempDir();
  const s = await setup({ logFormat: "text", exposePrometheus: `${dir}/prom` });
  try {
    assert.ok((await Deno.stat(`${dir}/prom`)).isDirectory);
    s.engine.faults.inject({ op: "transactWriteItems", error: "throttle", times: 1 });
    const created = await s.post("/experiments/create", { name: "m" });
    assert.equal(created.status, 200);
    await created.body?.cancel();
    await (await s.app.request("/health")).body?.cancel();
    const res = await s.app.request("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^mlflow_http_request_total\{method="POST",status="200"\} 1$/m);
    assert.match(
      text,
      /^mlflow_http_request_duration_seconds_count\{method="POST",mlflow_version="[\d.]+",status="200"\} 1$/m,
    );
    assert.doesNotMatch(text, /mlflow_http_request_total\{method="GET"/); // /health excluded
    assert.match(text, /^mlflow_exporter_info\{version="[^"]+"\} 1$/m);
    const op = 'operation="POST /api/2.0/mlflow/experiments/create"';
    assert.match(
      text,
      new RegExp(`^mlflow_operation_requests_total\\{${op},status="200"\\} 1$`, "m"),
    );
    assert.match(text, new RegExp(`^mlflow_operation_duration_seconds_count\\{${op}\\} 1$`, "m"));
    assert.match(text, new RegExp(`^mlflow_dynamodb_calls_total\\{${op}\\} [1-9]`, "m"));
    assert.match(
      text,
      new RegExp(`^mlflow_dynamodb_consumed_write_capacity_units_total\\{${op}\\} [1-9]`, "m"),
    );
    assert.match(text, new RegExp(`^mlflow_dynamodb_throttles_total\\{${op}\\} 1$`, "m"));
    assert.match(text, new RegExp(`^mlflow_dynamodb_retries_total\\{${op}\\} 1$`, "m"));
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});
