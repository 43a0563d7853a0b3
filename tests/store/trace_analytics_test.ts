/**
 * Trace analytics through the HTTP app on every backend: `traces/metrics` (counts per time
 * bucket and status, latency percentiles, token usage, assessments, filters, MLflow's errors)
 * and `calculate-filter-correlation`.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { mountTraces } from "../../src/http/traces/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { logSpans } from "../../src/store/traces/log_spans.ts";
import type { StoredSpan } from "../../src/store/traces/span_model.ts";
import { TraceStore } from "../../src/store/traces/trace_store.ts";
import { npmiFromCounts } from "../../src/store/traces/filter_correlation.ts";
import { percentile } from "../../src/store/traces/trace_metrics.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";

const T0 = 1_700_000_000_000;
const b64 = (hex: string) =>
  btoa(String.fromCharCode(...hex.match(/../g)!.map((x) => parseInt(x, 16))));

function span(
  t: number,
  startMs: number,
  durMs: number,
  error: boolean,
  tokens: number,
): StoredSpan {
  const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
  return {
    traceId: b64(t.toString(16).padStart(32, "0")),
    spanId: b64("1".padStart(16, "0")),
    name: "root",
    startTimeUnixNano: ns(startMs),
    endTimeUnixNano: ns(startMs + durMs),
    status: { code: error ? 2 : 1 },
    attributes: [{
      key: "mlflow.chat.tokenUsage",
      value: { stringValue: JSON.stringify({ input_tokens: tokens, output_tokens: 1 }) },
    }],
  };
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function withApp(
  backend: TestBackend,
  fn: (
    call: (path: string, body: unknown) => Promise<{ status: number; json: Json }>,
    exp: string,
  ) => Promise<void>,
) {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const exp = await s.experiments.create({ name: "analytics" });
    const traces = new TraceStore(s.db, s.experiments);
    // Hour 0: latencies 10, 20, 30, 40 (the last an error); hour 1: latency 100.
    const specs: [number, number, boolean][] = [[0, 10, false], [1, 20, false], [2, 30, false], [
      3,
      40,
      true,
    ], [3_600_000, 100, false]];
    for (const [i, [offset, dur, err]] of specs.entries()) {
      await logSpans(traces, exp, [{
        resource: [],
        spans: [span(i + 1, T0 + offset, dur, err, 10)],
      }]);
    }
    const app = createApp({ stores: s, extraRoutes: [mountTraces(s)] });
    await fn(async (path, body) => {
      const res = await app.request(`/api/3.0/mlflow${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      return { status: res.status, json: await res.json() };
    }, exp);
  } finally {
    await cleanup();
  }
}

for (const backend of testBackends()) {
  const t = (name: string, fn: Parameters<typeof withApp>[1]) =>
    Deno.test(`[${backend.name}] trace analytics: ${name}`, () => withApp(backend, fn));

  t("trace counts per hour and status", async (call, exp) => {
    const res = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: "TRACES",
      metric_name: "trace_count",
      aggregations: [{ aggregation_type: "COUNT" }],
      dimensions: ["trace_status"],
      time_interval_seconds: 3600,
      start_time_ms: T0 - 3_600_000,
      end_time_ms: T0 + 7_200_000,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json.data_points, [
      {
        metric_name: "trace_count",
        dimensions: { time_bucket: "2023-11-14T22:00:00+00:00", trace_status: "ERROR" },
        values: { COUNT: 1 },
      },
      {
        metric_name: "trace_count",
        dimensions: { time_bucket: "2023-11-14T22:00:00+00:00", trace_status: "OK" },
        values: { COUNT: 3 },
      },
      {
        metric_name: "trace_count",
        dimensions: { time_bucket: "2023-11-14T23:00:00+00:00", trace_status: "OK" },
        values: { COUNT: 1 },
      },
    ]);
  });

  t("latency percentiles, token sums, filters and time range", async (call, exp) => {
    const lat = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: 1,
      metric_name: "latency",
      aggregations: [
        { aggregation_type: "AVG" },
        { aggregation_type: "PERCENTILE", percentile_value: 50 },
        { aggregation_type: "MAX" },
      ],
      start_time_ms: T0,
      end_time_ms: T0 + 1000,
    });
    assert.deepEqual(lat.json.data_points[0].values, { AVG: 25, "P50.0": 25, MAX: 40 });
    const tokens = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: "TRACES",
      metric_name: "input_tokens",
      aggregations: [{ aggregation_type: "SUM" }],
      filters: ["trace.status = 'OK'"],
    });
    assert.deepEqual(tokens.json.data_points[0].values, { SUM: 40 });
    const bad = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: "TRACES",
      metric_name: "latency",
      aggregations: [{ aggregation_type: "COUNT" }],
    });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /invalid aggregation_type/);
    const noRange = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: "TRACES",
      metric_name: "trace_count",
      aggregations: [{ aggregation_type: "COUNT" }],
      time_interval_seconds: 60,
    });
    assert.equal(noRange.status, 400);
  });

  t("span counts and latency from the spans of the traces in range", async (call, exp) => {
    const counts = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: "SPANS",
      metric_name: "span_count",
      aggregations: [{ aggregation_type: "COUNT" }],
      dimensions: ["span_status"],
      filters: ["span.name = 'root'"],
    });
    assert.equal(counts.status, 200, JSON.stringify(counts.json));
    assert.deepEqual(
      counts.json.data_points.map((p: Json) => [p.dimensions.span_status, p.values.COUNT]),
      [["ERROR", 1], ["OK", 4]],
    );
    const latency = await call("/traces/metrics", {
      experiment_ids: [exp],
      view_type: "SPANS",
      metric_name: "latency",
      aggregations: [{ aggregation_type: "MAX" }],
      start_time_ms: T0,
      end_time_ms: T0 + 1000,
    });
    assert.deepEqual(latency.json.data_points[0].values, { MAX: 40 });
  });

  t("filter correlation counts and NPMI", async (call, exp) => {
    const res = await call("/traces/calculate-filter-correlation", {
      experiment_ids: [exp],
      filter_string1: "trace.status = 'ERROR'",
      filter_string2: "trace.execution_time_ms > 35",
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.total_count, 5);
    assert.equal(res.json.filter1_count, 1);
    assert.equal(res.json.filter2_count, 2);
    assert.equal(res.json.joint_count, 1);
    assert.ok(res.json.npmi > 0 && res.json.npmi <= 1);
  });
}

Deno.test("percentile interpolates linearly and NPMI follows MLflow's edge rules", () => {
  assert.equal(percentile([10, 20, 30, 40], 50), 25);
  assert.equal(percentile([10, 20, 30, 40], 90), 37);
  assert.ok(Number.isNaN(npmiFromCounts(0, 0, 3, 10).npmi));
  assert.equal(npmiFromCounts(0, 2, 3, 10).npmi, -1);
  assert.equal(npmiFromCounts(5, 5, 5, 5).npmi, 1);
});
