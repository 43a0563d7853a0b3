/**
 * The trace costs of docs/key-schema.md ("Traces"), measured with the engine's consumed-capacity
 * counters: ingesting a 10-span trace, the client's StartTraceV3, reading a trace with its spans,
 * and a search page over an experiment with many traces.
 */
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { logSpans } from "../../src/store/traces/log_spans.ts";
import { searchTraces } from "../../src/store/traces/search_traces.ts";
import type { StoredSpan } from "../../src/store/traces/span_model.ts";
import { TraceStore } from "../../src/store/traces/trace_store.ts";

async function setup(): Promise<{ engine: Engine; s: Stores; traces: TraceStore; exp: string }> {
  const engine = createEngine();
  await ensureTable(engine, "cost");
  const s = await createStores({ port: engine, table: "cost" }, "mlflow-artifacts:/");
  const exp = await s.experiments.create({ name: "traces" });
  return { engine, s, traces: new TraceStore(s.db, s.experiments), exp };
}

const b64 = (hex: string) =>
  btoa(String.fromCharCode(...hex.match(/../g)!.map((x) => parseInt(x, 16))));

/** A trace of `n` spans with ~300 bytes of inputs/outputs each, like an MLflow-traced call. */
function traceSpans(t: number, n: number): StoredSpan[] {
  const traceId = b64(t.toString(16).padStart(32, "0"));
  const start = 1_700_000_000_000_000_000n + BigInt(t) * 1_000_000n;
  return Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: b64((i + 1).toString(16).padStart(16, "0")),
    ...(i > 0 ? { parentSpanId: b64("1".padStart(16, "0")) } : {}),
    name: `span-${i}`,
    startTimeUnixNano: String(start + BigInt(i) * 1000n),
    endTimeUnixNano: String(start + 5_000_000n),
    status: { code: 1 },
    attributes: [
      { key: "mlflow.spanType", value: { stringValue: '"CHAIN"' } },
      { key: "mlflow.spanInputs", value: { stringValue: JSON.stringify({ q: "x".repeat(150) }) } },
      { key: "mlflow.spanOutputs", value: { stringValue: JSON.stringify("y".repeat(150)) } },
    ],
  }));
}

Deno.test("ingesting a 10-span trace through OTLP costs at most 16 WCU and 2 RCU", async () => {
  const { engine, traces, exp } = await setup();
  try {
    engine.stats.reset();
    await logSpans(traces, exp, [{ resource: [], spans: traceSpans(1, 10) }]);
    // 10 span items of ~1 KB, the info item and its index copy, two consistent reads of it.
    assert.ok(engine.stats.writeUnits <= 16, `WCU ${engine.stats.writeUnits}`);
    assert.ok(engine.stats.readUnits <= 2, `RCU ${engine.stats.readUnits}`);
  } finally {
    await engine.close();
  }
});

Deno.test("reading a 10-span trace with its spans is one Query of at most 4 RCU", async () => {
  const { engine, traces, exp } = await setup();
  try {
    await logSpans(traces, exp, [{ resource: [], spans: traceSpans(2, 10) }]);
    engine.stats.reset();
    const trace = await traces.getWithSpans(`tr-${"2".padStart(32, "0")}`);
    assert.equal(trace.spans.length, 10);
    assert.ok(engine.stats.readUnits <= 4, `RCU ${engine.stats.readUnits}`);
  } finally {
    await engine.close();
  }
});

Deno.test("a 100-trace search page over 1,000 traces reads far less than the experiment", async () => {
  const { engine, s, traces, exp } = await setup();
  try {
    for (let t = 0; t < 1000; t += 50) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) => logSpans(traces, exp, [{ resource: [], spans: traceSpans(1000 + t + i, 1) }]),
        ),
      );
    }
    engine.stats.reset();
    const page = await searchTraces(s.db, { experimentIds: [exp], maxResults: 100, orderBy: [] });
    assert.equal(page.traces.length, 100);
    assert.ok(page.nextPageToken);
    const pageCost = engine.stats.readUnits;
    engine.stats.reset();
    await searchTraces(s.db, {
      experimentIds: [exp],
      maxResults: 100,
      orderBy: ["execution_time_ms DESC"],
    });
    const fullCost = engine.stats.readUnits;
    // The default order merges the 16 shards and stops at the page; another order reads all.
    assert.ok(pageCost * 3 < fullCost, `page ${pageCost} RCU vs full ${fullCost} RCU`);
  } finally {
    await engine.close();
  }
});

Deno.test("searching by run_id reads the run's traces only, not the experiment", async () => {
  const { engine, s, traces, exp } = await setup();
  try {
    for (let t = 0; t < 500; t += 50) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) => logSpans(traces, exp, [{ resource: [], spans: traceSpans(5000 + t + i, 1) }]),
        ),
      );
    }
    const run = await s.runs.create({ experimentId: exp });
    const linked = [5001, 5100, 5499].map((n) => `tr-${n.toString(16).padStart(32, "0")}`);
    await traces.linkToRun(linked, run.info.runId);
    engine.stats.reset();
    const page = await searchTraces(s.db, {
      experimentIds: [exp],
      filter: `trace.run_id = '${run.info.runId}'`,
      maxResults: 100,
      orderBy: [],
    });
    assert.deepEqual(page.traces.map((t) => t.trace_id), [...linked].reverse());
    assert.ok(engine.stats.readUnits <= 4, `RCU ${engine.stats.readUnits}`);
  } finally {
    await engine.close();
  }
});

Deno.test("the 3.17 client's pattern (one OTLP request per span, then StartTraceV3) for 10 spans", async () => {
  const { engine, traces, exp } = await setup();
  try {
    const spans = traceSpans(9, 10);
    engine.stats.reset();
    // Children end first, the root last; each ends in its own request.
    for (const span of [...spans.slice(1), spans[0]!]) {
      await logSpans(traces, exp, [{ resource: [], spans: [span] }]);
    }
    await traces.startTrace({
      traceId: `tr-${"9".padStart(32, "0")}`,
      experimentId: exp,
      requestTime: 1_700_000_000_009,
      executionDuration: 5,
      state: "OK",
      tags: { "mlflow.traceName": "span-0" },
      metadata: {},
      assessments: [],
    });
    // Per request: a span item (1 WCU), the info item and its index copy (1 + 1 WCU).
    assert.ok(engine.stats.writeUnits <= 36, `WCU ${engine.stats.writeUnits}`);
    assert.ok(engine.stats.readUnits <= 22, `RCU ${engine.stats.readUnits}`);
  } finally {
    await engine.close();
  }
});

Deno.test("with a retention, every item of a trace carries the TTL attribute", async () => {
  const engine = createEngine();
  await ensureTable(engine, "ttl");
  try {
    const s = await createStores({ port: engine, table: "ttl" }, "mlflow-artifacts:/");
    const exp = await s.experiments.create({ name: "ttl" });
    const traces = new TraceStore(s.db, s.experiments, { retentionDays: 30 });
    await logSpans(traces, exp, [{ resource: [], spans: traceSpans(7, 3) }]);
    const res = await engine.query({
      TableName: "ttl",
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `TR#tr-${"7".padStart(32, "0")}` } },
    });
    assert.equal(res.Items?.length, 4);
    const soon = Date.now() / 1000 + 30 * 86400;
    for (const item of res.Items ?? []) {
      const ttl = Number(item.expires_at?.N);
      assert.ok(Math.abs(ttl - soon) < 120, `expires_at ${ttl}`);
    }
  } finally {
    await engine.close();
  }
});
