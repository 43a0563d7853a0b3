/**
 * `traces/metrics` in the ASSESSMENTS view, as the UI's Overview › Quality tab asks for it:
 * `assessment.type` / `assessment.name` filters select assessments (not traces), overridden
 * assessments are not counted, and assessment filters in another view are MLflow's 400.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { mountTraces } from "../../src/http/traces/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { logSpans } from "../../src/store/traces/log_spans.ts";
import { TraceStore } from "../../src/store/traces/trace_store.ts";
import { testBackends } from "../support/backends.ts";

const T0 = 1_700_000_000_000;
const hex = (t: number) => t.toString(16).padStart(32, "0");
const b64 = (h: string) =>
  btoa(String.fromCharCode(...h.match(/../g)!.map((x) => parseInt(x, 16))));
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] trace metrics: assessment filters and overrides`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      const exp = await s.experiments.create({ name: "quality" });
      const traces = new TraceStore(s.db, s.experiments);
      for (const t of [1, 2]) {
        await logSpans(traces, exp, [{
          resource: [],
          spans: [{
            traceId: b64(hex(t)),
            spanId: b64("1".padStart(16, "0")),
            name: "root",
            startTimeUnixNano: ns(T0 + t),
            endTimeUnixNano: ns(T0 + t + 5),
            status: { code: 1 },
            attributes: [],
          }],
        }]);
      }
      const app = createApp({ stores: s, extraRoutes: [mountTraces(s)] });
      const call = async (path: string, body: unknown): Promise<{ status: number; json: Json }> => {
        const res = await app.request(`/ajax-api/3.0/mlflow${path}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        });
        return { status: res.status, json: await res.json() };
      };
      const assess = async (t: number, a: Json) => {
        const res = await call(`/traces/tr-${hex(t)}/assessments`, {
          assessment: { trace_id: `tr-${hex(t)}`, source: { source_type: "HUMAN" }, ...a },
        });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        return res.json.assessment.assessment_id as string;
      };
      await assess(1, { assessment_name: "correctness", feedback: { value: true } });
      await assess(1, { assessment_name: "expected_answer", expectation: { value: "Paris" } });
      const wrong = await assess(2, { assessment_name: "correctness", feedback: { value: false } });
      await assess(2, {
        assessment_name: "correctness",
        feedback: { value: true },
        overrides: wrong,
      });

      const range = { start_time_ms: T0, end_time_ms: T0 + 1000 };
      const counts = await call("/traces/metrics", {
        experiment_ids: [exp],
        view_type: "ASSESSMENTS",
        metric_name: "assessment_count",
        aggregations: [{ aggregation_type: "COUNT" }],
        ...range,
        filters: ['assessment.type = "feedback"'],
        dimensions: ["assessment_name", "assessment_value"],
      });
      assert.equal(counts.status, 200, JSON.stringify(counts.json));
      assert.deepEqual(counts.json.data_points, [{
        metric_name: "assessment_count",
        dimensions: { assessment_name: "correctness", assessment_value: "true" },
        values: { COUNT: 2 },
      }]);

      const avg = await call("/traces/metrics", {
        experiment_ids: [exp],
        view_type: "ASSESSMENTS",
        metric_name: "assessment_value",
        aggregations: [{ aggregation_type: "AVG" }],
        time_interval_seconds: 86400,
        ...range,
        filters: ['assessment.type = "feedback"'],
        dimensions: ["assessment_name"],
      });
      assert.equal(avg.status, 200, JSON.stringify(avg.json));
      assert.deepEqual(
        avg.json.data_points.map((p: Json) => [p.dimensions.assessment_name, p.values.AVG]),
        [["correctness", 1]],
      );

      const byName = await call("/traces/metrics", {
        experiment_ids: [exp],
        view_type: "ASSESSMENTS",
        metric_name: "assessment_count",
        aggregations: [{ aggregation_type: "COUNT" }],
        filters: ["assessment.name = 'expected_answer'"],
      });
      assert.equal(byName.status, 200, JSON.stringify(byName.json));
      assert.deepEqual(byName.json.data_points[0].values, { COUNT: 1 });

      const wrongView = await call("/traces/metrics", {
        experiment_ids: [exp],
        view_type: "TRACES",
        metric_name: "trace_count",
        aggregations: [{ aggregation_type: "COUNT" }],
        filters: ['assessment.type = "feedback"'],
      });
      assert.equal(wrongView.status, 400);
      assert.deepEqual(wrongView.json, {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Filtering by assessment is only supported for ASSESSMENTS view type, got TRACES",
      });
    } finally {
      await cleanup();
    }
  });
}
