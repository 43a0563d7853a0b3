import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { type SpanClause, spansMatch } from "./traces_span_filter.ts";
import {
  parseTraceFilter,
  spanClausesNeedingRows,
  traceMatcher,
  type TraceSearchRecord,
} from "./traces_filter.ts";
import { orderKeeps, parseTraceOrderBy } from "./traces_order.ts";

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
  assert.ok(m("trace.status IN ('x', 'OK')"));
  assert.ok(m("prompt = 'p/1'", rec({ linked_prompts: ["p/1"] })));
  assert.ok(!m("prompt = 'p/2'", rec({ linked_prompts: ["p/1"] })));
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
  invalid(() => parseTraceFilter("span.name > 'x'"));
  invalid(() => parseTraceFilter("span.attributes.x > 'x'"));
  invalid(() => parseTraceFilter("span.content = 'x'"));
  invalid(() => parseTraceFilter("trace.text = 'x'"));
  invalid(() => parseTraceFilter("span.foo = 'x'"));
  invalid(() => parseTraceFilter("span.attributes. = 'x'"));
  invalid(() => parseTraceFilter("span.type IS NULL"));
  invalid(() => parseTraceFilter("prompt IS NULL"));
  invalid(() => parseTraceFilter("prompt = 'noversion'"));
  invalid(() => parseTraceFilter("feedback.q = 0.8"));
  invalid(() => parseTraceFilter("feedback.q > '0.8'"));
  // MLflow 3.17.2 refuses IN for the trace name and run (a tag and a metadata key).
  const messageOf = (f: string) => {
    try {
      parseTraceFilter(f);
    } catch (e) {
      return (e as MlflowError).message;
    }
    return "";
  };
  assert.match(
    messageOf("trace.name IN ('x', 'chat')"),
    /^Invalid comparator 'IN' not one of '\{.*\}$/,
  );
  assert.match(messageOf("run_id IN ('x')"), /^Invalid comparator 'IN' not one of '\{.*\}'$/);
  assert.equal(
    messageOf("metadata.k = 1"),
    "Expected a quoted string value for request_metadata (e.g. 'my-value'). Got value 1",
  );
  assert.throws(
    () => parseTraceFilter("span.attributes.model IN ('x', 'y')"),
    (e) =>
      e instanceof MlflowError && e.code === "BAD_REQUEST" &&
      e.message ===
        "IN expression list, SELECT construct, or bound parameter object expected, got " +
          `'%"model"(\\'x\\', \\'y\\')%'.`,
  );
});

Deno.test("span clauses must hold for one span; content and attributes match its JSON", () => {
  const row = (name: string, type: string | null, attrs: Record<string, string>) => ({
    name,
    type,
    status: "OK",
    content: JSON.stringify({ name, attributes: attrs }).replaceAll('":', '": ').replaceAll(
      '","',
      '", "',
    ),
  });
  const rows = [row("root", "CHAIN", { q: '"hi"' }), row("llm", "LLM", { model: '"gpt-4o"' })];
  const spans = (f: string) =>
    spansMatch(rows, parseTraceFilter(f).filter((c) => c.kind === "span") as SpanClause[]);
  assert.ok(spans("span.name = 'llm' AND span.type = 'LLM'"));
  assert.ok(!spans("span.name = 'root' AND span.type = 'LLM'"));
  assert.ok(spans("span.attributes.model LIKE '%gpt%'"));
  assert.ok(spans("span.attributes.model RLIKE '^gpt'"));
  assert.ok(spans("span.attributes.model RLIKE '4o$'"));
  assert.ok(!spans("span.attributes.model RLIKE '^4o'"));
  assert.ok(!spans("span.attributes.model = 'gpt-4o'"));
  assert.ok(spans("span.attributes.model != 'gpt-4o'"));
  assert.ok(spans("trace.text ILIKE '%GPT%'"));
  assert.ok(spans("span.name IN ('x', 'root')"));
  assert.ok(spans("span.name NOT IN ('root')"));
  assert.ok(!spans("span.type RLIKE '^X'"));
  assert.ok(spans("span.status = 'OK'"));
  // One span clause on name/type/status is answered from the record's facets.
  assert.deepEqual(spanClausesNeedingRows(parseTraceFilter("span.name = 'a'")), []);
  assert.equal(
    spanClausesNeedingRows(parseTraceFilter("span.name = 'a' AND span.type = 'b'")).length,
    2,
  );
  assert.equal(spanClausesNeedingRows(parseTraceFilter("trace.text LIKE '%a%'")).length, 1);
  // Content clauses are left to the span check by the record matcher.
  assert.ok(traceMatcher(parseTraceFilter("trace.text LIKE '%zzz%'"))(rec()));
});

Deno.test("RLIKE is Python's re.search on trace columns, tags and span columns alike", () => {
  const m = (f: string) => traceMatcher(parseTraceFilter(f))(rec());
  const rows = [{ name: "Retrieve", type: "LLM", status: "OK", content: "{}" }];
  const spans = (f: string) =>
    spansMatch(rows, parseTraceFilter(f).filter((c) => c.kind === "span") as SpanClause[]);
  // A pattern Python's `re` refuses matches nothing (MLflow's SQLite REGEXP), it is no error.
  assert.equal(m("trace.status RLIKE '['"), false);
  assert.equal(m("tags.team RLIKE '['"), false);
  assert.equal(m("span.name RLIKE '['"), false);
  assert.equal(spans("span.name RLIKE '(' AND span.type = 'LLM'"), false);
  // Python syntax, case-sensitive unless the pattern says otherwise.
  assert.ok(m("trace.status RLIKE '(?P<s>O)K'"));
  assert.ok(!m("trace.status RLIKE 'ok'") && m("trace.status RLIKE '(?i)ok'"));
  assert.ok(m("tags.team RLIKE '\\Aa\\Z'"));
  assert.ok(m("span.name RLIKE '(?P<x>re)trieve$'"));
  assert.ok(spans("span.name RLIKE '(?P<x>Re)trieve$' AND span.type = 'LLM'"));
  assert.ok(!spans("span.name RLIKE 'retrieve' AND span.type = 'LLM'"));
});

Deno.test("assessment values compare as the JSON text MLflow stores (json.dumps)", () => {
  const r = rec({
    assessments: [
      { name: "q", kind: "feedback", value: "yes", valid: true },
      { name: "b", kind: "feedback", value: true, valid: true },
      { name: "d", kind: "expectation", value: { a: 1 }, valid: true },
    ],
  });
  const m = (f: string) => traceMatcher(parseTraceFilter(f))(r);
  // Measured on MLflow 3.17.2 (SQLite): `=`/`!=` take the value or its JSON form, the
  // pattern comparators see the JSON text (a string keeps its quotes).
  assert.ok(m("feedback.q = 'yes'") && m("feedback.q != 'no'") && !m("feedback.q != 'yes'"));
  assert.ok(!m("feedback.q LIKE 'ye%'") && m("feedback.q LIKE '%ye%'"));
  assert.ok(!m("feedback.q RLIKE '^yes$'") && m("feedback.q RLIKE 'yes'"));
  assert.ok(m(`feedback.q ILIKE '"YES"'`));
  assert.ok(m("feedback.b = 'true'") && m("feedback.b LIKE 'tr%'"));
  assert.ok(m(`expectation.d LIKE '{"a": 1}'`) && m(`expectation.d = '{"a": 1}'`));
});

Deno.test("end_time is timestamp + execution time, an unknown execution time counting as 0", () => {
  // The SQL store filters `timestamp_ms + coalesce(execution_time_ms, 0)`.
  const open = rec({ execution_duration: null });
  const m = (f: string, r: TraceSearchRecord) => traceMatcher(parseTraceFilter(f))(r);
  assert.ok(m("trace.end_time_ms = 1000", open) && !m("trace.end_time_ms > 1000", open));
  assert.ok(m("trace.end_time = 1050", rec()));
  assert.ok(!m("trace.execution_time_ms >= 0", open), "the execution time itself stays NULL");
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
