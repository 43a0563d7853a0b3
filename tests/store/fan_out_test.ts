/**
 * Fan-out reads are bounded (issue 8, item 13): whatever the request asks for, no more than
 * `DEFAULT_POOL_LIMIT` DynamoDB calls of a fan-out are in flight at once. A port wrapper counts
 * the calls in flight (each call is held for a moment so that unbounded code would pile up).
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { batchGetAll, batchWriteAll } from "../../src/dynamo/batch.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { appendChunk } from "../../src/store/metrics/metric_history.ts";
import { RegistryStore } from "../../src/store/registry/registry_store.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { DEFAULT_POOL_LIMIT } from "../../src/util/pool.ts";

const TABLE = "fan_out";

/** Wraps `port`: every call waits `holdMs` first; `peak` is the most calls in flight at once. */
function inFlightPort(port: DynamoPort, holdMs = 2) {
  const stats = { inFlight: 0, peak: 0, calls: 0, holding: false };
  const wrapped = new Proxy(port, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function" || prop === "close") return v;
      return async (...args: unknown[]) => {
        if (!stats.holding) return await v.apply(target, args);
        stats.calls++;
        stats.inFlight++;
        stats.peak = Math.max(stats.peak, stats.inFlight);
        try {
          await new Promise((r) => setTimeout(r, holdMs));
          return await v.apply(target, args);
        } finally {
          stats.inFlight--;
        }
      };
    },
  });
  return { port: wrapped, stats };
}

async function withStores(
  fn: (
    c: { engine: Engine; s: Stores; stats: ReturnType<typeof inFlightPort>["stats"] },
  ) => Promise<
    void
  >,
): Promise<void> {
  const engine = createEngine();
  try {
    await ensureTable(engine, TABLE);
    const counted = inFlightPort(retryingPort(engine));
    const s = await createStores({ port: counted.port, table: TABLE }, "mlflow-artifacts:/");
    await fn({ engine, s, stats: counted.stats });
  } finally {
    await engine.close();
  }
}

Deno.test("a 25,000-key batch get keeps at most DEFAULT_POOL_LIMIT BatchGetItem calls in flight", () =>
  withStores(async ({ s, stats }) => {
    const n = 25_000;
    const key = (i: number) => ({ pk: { S: `K#${i}` }, sk: { S: "K" } });
    await batchWriteAll(
      s.db.port,
      TABLE,
      Array.from(
        { length: n },
        (_, i) => ({ PutRequest: { Item: { ...key(i), i: { N: `${i}` } } } }),
      ),
    );
    stats.holding = true;
    const items = await batchGetAll(s.db.port, TABLE, Array.from({ length: n }, (_, i) => key(i)));
    stats.holding = false;
    console.log(`batch get of ${n} keys: ${stats.calls} calls, peak ${stats.peak} in flight`);
    assert.equal(items.length, n);
    assert.equal(stats.calls, n / 100);
    assert.ok(stats.peak <= DEFAULT_POOL_LIMIT, `peak ${stats.peak}`);
    assert.ok(stats.peak > 1, "the calls still run in parallel");
  }));

Deno.test("a 100-run get-history-bulk-interval keeps the history reads bounded", () =>
  withStores(async ({ s, stats }) => {
    const runIds = Array.from({ length: 100 }, (_, i) => `run${String(i).padStart(3, "0")}`);
    for (const [r, runId] of runIds.entries()) {
      const points = Array.from({ length: 30 }, (_, step) => ({
        key: "loss",
        value: r + step / 100,
        timestamp: 1000 + step,
        step,
      }));
      await appendChunk(s.db, runId, points);
    }
    const app = createApp({ stores: s });
    const qs = runIds.map((r) => `run_ids=${r}`).join("&");
    stats.holding = true;
    const res = await app.request(
      `/api/2.0/mlflow/metrics/get-history-bulk-interval?${qs}&metric_key=loss&max_results=10`,
    );
    stats.holding = false;
    assert.equal(res.status, 200);
    const body = await res.json() as { metrics: { run_id: string; step: number }[] };
    console.log(`bulk interval over 100 runs: ${stats.calls} calls, peak ${stats.peak} in flight`);
    assert.equal(body.metrics.length, 100 * 10);
    assert.deepEqual(
      body.metrics.filter((m) => m.run_id === "run042").map((m) => m.step),
      [0, 3, 6, 9, 12, 15, 18, 21, 24, 29], // MLflow 3.17.2's NTILE sampling
    );
    assert.ok(stats.peak <= DEFAULT_POOL_LIMIT, `peak ${stats.peak}`);
    assert.ok(stats.calls >= 100);
  }));

Deno.test("a model-version search pinned to 100 names keeps its reads bounded", () =>
  withStores(async ({ s, stats }) => {
    const r = new RegistryStore(s.db);
    const names = Array.from({ length: 100 }, (_, i) => `m${i}`);
    for (const name of names.slice(0, 20)) {
      await r.createRegisteredModel({ name });
      await r.createModelVersion({ name, source: "s3://b/x" });
    }
    stats.holding = true;
    const page = await r.searchModelVersions({
      predicate: () => true,
      compare: (a, b) => a.name.localeCompare(b.name) || a.version - b.version,
      includePrompts: true,
      maxResults: 1000,
      names,
    });
    stats.holding = false;
    assert.equal(page.items.length, 20);
    assert.ok(stats.peak <= DEFAULT_POOL_LIMIT, `peak ${stats.peak}`);
    assert.ok(stats.calls >= 120);
  }));
