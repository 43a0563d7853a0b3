import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import {
  orderKeeps,
  parseTraceFilter,
  parseTraceOrderBy,
  traceMatcher,
  type TraceSearchRecord,
} from "./traces_filter.ts";

const rec = (over: Partial<TraceSearchRecord> = {}): TraceSearchRecord => ({
  trace_id: "tr-1",
  request_time: 1000,
  execution_duration: 50,
  state: "OK",
  tags: { "mlflow.traceName": "chat", team: "a" },
  metadata: { "mlflow.sourceRun": "r1" },
  assessments: [{ name: "quality", kind: "feedback", value: 0.8, valid: true }],
  span_names: ["chat", "retrieve"],
  span_types: ["LLM"],
  span_statuses: ["OK"],
  ...over,
});

const invalid = (f: () => unknown) =>
  assert.throws(f, (e) => e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE");

Deno.test("trace filters read attributes, aliases, tags, metadata and feedback", () => {
  const m = (f: string, r = rec()) => traceMatcher(parseTraceFilter(f))(r);
  assert.ok(m("trace.status = 'OK'"));
  assert.ok(!m("attributes.status = 'ERROR'"));
  assert.ok(m("trace.timestamp_ms >= 1000 AND trace.execution_time_ms < 51"));
  assert.ok(m("trace.end_time_ms = 1050"));
  assert.ok(m("trace.name = 'chat'"));
  assert.ok(m("trace.name IN ('x', 'chat')"));
  assert.ok(m("tags.team LIKE 'a%'"));
  assert.ok(m("tags.missing IS NULL"));
  assert.ok(m("metadata.`mlflow.sourceRun` = 'r1'"));
  assert.ok(m("trace.run_id = 'r2'", rec({ linked_runs: ["r2"] })));
  assert.ok(m("feedback.quality > 0.5"));
  assert.ok(!m("feedback.quality > 0.9"));
  assert.ok(m("trace.request_id = 'tr-1'"));
  assert.ok(m("span.name = 'retrieve' AND span.type = 'LLM'"));
  assert.ok(m("span.name LIKE 'ret%'"));
  assert.ok(!m("span.status = 'ERROR'"));
});

Deno.test("trace filters reject what MLflow rejects", () => {
  invalid(() => parseTraceFilter("trace.bogus = 'x'"));
  invalid(() => parseTraceFilter("trace.status > 'OK'"));
  invalid(() => parseTraceFilter("trace.status = 1"));
  invalid(() => parseTraceFilter("foo.bar = 'x'"));
  invalid(() => parseTraceFilter("tags.a = 'x' OR tags.b = 'y'"));
  invalid(() => parseTraceFilter("span.attributes.x = 'x'"));
  invalid(() => parseTraceFilter("span.name > 'x'"));
});

Deno.test("trace order_by adds MLflow's tie-breakers; tags and metadata join", () => {
  assert.deepEqual(parseTraceOrderBy([]), [
    { kind: "attribute", key: "timestamp_ms", ascending: false },
    { kind: "attribute", key: "request_id", ascending: true },
  ]);
  assert.deepEqual(parseTraceOrderBy(["execution_time DESC"])[0], {
    kind: "attribute",
    key: "execution_time_ms",
    ascending: false,
  });
  const byTag = parseTraceOrderBy(["tags.team"]);
  assert.ok(orderKeeps(byTag)(rec()));
  assert.ok(!orderKeeps(byTag)(rec({ tags: {} })));
  assert.ok(orderKeeps(parseTraceOrderBy(["name"]))(rec({ tags: {} })));
  invalid(() => parseTraceOrderBy(["trace.bogus"]));
  invalid(() => parseTraceOrderBy(["metadata.`mlflow.trace.tokenUsage`"]));
  invalid(() => parseTraceOrderBy(["timestamp", "timestamp_ms DESC"]));
  invalid(() => parseTraceOrderBy(["feedback.x"]));
});
