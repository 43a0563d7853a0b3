/**
 * The cost targets of docs/key-schema.md, measured with the engine's consumed-capacity counters
 * (which follow DynamoDB's rules: 1 KB write units, 4 KB read units, GSI writes counted).
 */
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { readHistory } from "../../src/store/metrics/metric_history.ts";
import {
  compactionSettled,
  setAutoCompaction,
} from "../../src/store/metrics/compaction_scheduler.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { ACTIVE_RUN_TTL_MS } from "../../src/store/runs/run_store.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";

async function setup(): Promise<{ engine: Engine; s: Stores }> {
  const engine = createEngine();
  await ensureTable(engine, "cost");
  return { engine, s: await createStores({ port: engine, table: "cost" }, "mlflow-artifacts:/") };
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}_${i}`);

Deno.test("a 10-key log-batch on a run with 100 metric keys costs at most 0.2 WCU per point", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    const groups = Array.from({ length: 10 }, (_, g) => keys(`group${g}_metric`, 10));
    for (const [step, group] of groups.entries()) {
      const metrics = group.map((key) => ({
        key,
        value: Math.random(),
        timestamp: Date.now(),
        step,
      }));
      await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    }
    assert.equal((await s.runs.get(runId)).metrics.length, 100);
    engine.stats.reset();
    const metrics = groups[3]!.map((key) => ({
      key,
      value: 0.123456789012345,
      timestamp: Date.now(),
      step: 123456,
    }));
    await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    const perPoint = engine.stats.writeUnits / metrics.length;
    assert.ok(perPoint <= 0.2, `WCU per point ${perPoint}`);
  } finally {
    await engine.close();
  }
});

Deno.test("a 1000-point log-batch costs at most 0.05 WCU per point", async () => {
  const { engine, s } = await setup();
  try {
    setAutoCompaction(s.db, false); // only logging's cost
    const runId = (await s.runs.create({})).info.runId;
    const names = keys("metric", 10);
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: names[i % 10]!,
      value: Math.random(),
      timestamp: 1700000000000 + i,
      step: Math.floor(i / 10),
    }));
    engine.stats.reset();
    await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    const perPoint = engine.stats.writeUnits / metrics.length;
    assert.ok(perPoint <= 0.05, `WCU per point ${perPoint}`);
  } finally {
    await engine.close();
  }
});

Deno.test("reading a 100k-point history costs at most 1 RCU per 100 points", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    for (let b = 0; b < 100; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: "loss",
        value: Math.random(),
        timestamp: 1700000000000 + b * 1000 + i,
        step: b * 1000 + i,
      }));
      await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    }
    await compactionSettled(s.db); // the compaction that logging going idle queued
    engine.stats.reset();
    const { metrics } = await readHistory(s.db, runId, "loss", Infinity);
    const total = metrics.length;
    assert.equal(total, 100000);
    const perHundred = engine.stats.readUnits / (total / 100);
    assert.ok(perHundred <= 1, `RCU per 100 points ${perHundred}`);
  } finally {
    await engine.close();
  }
});

const calls = (engine: Engine) => Object.values(engine.stats.calls).reduce((a, b) => a + b, 0);
const tenPoints = (step: number) =>
  keys("metric", 10).map((key) => ({ key, value: step / 7, timestamp: 1700000000000, step }));

Deno.test("a steady-state 10-key log-batch makes at most 2 DynamoDB calls and no read", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    await logBatch(s.runs, runId, { metrics: tenPoints(0), params: [], tags: [] });
    for (let step = 1; step <= 5; step++) {
      engine.stats.reset();
      await logBatch(s.runs, runId, { metrics: tenPoints(step), params: [], tags: [] });
      assert.ok(calls(engine) <= 2, `calls ${JSON.stringify(engine.stats.calls)}`);
      assert.equal(engine.stats.readUnits, 0, `reads ${JSON.stringify(engine.stats.calls)}`);
      assert.ok(engine.stats.writeUnits / 10 <= 0.2, `WCU per point ${engine.stats.writeUnits}`);
    }
    const run = await s.runs.get(runId);
    assert.equal(run.metrics.find((m) => m.key === "metric_3")?.step, 5);
  } finally {
    await engine.close();
  }
});

Deno.test("20 concurrent 10-key log-batches to one run average at most 2 calls each", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    await logBatch(s.runs, runId, { metrics: tenPoints(0), params: [], tags: [] });
    engine.stats.reset();
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => logBatch(s.runs, runId, { metrics: tenPoints(i + 1), params: [], tags: [] }),
      ),
    );
    assert.ok(calls(engine) <= 40, `calls ${JSON.stringify(engine.stats.calls)}`);
    const run = await s.runs.get(runId);
    assert.deepEqual(run.metrics.map((m) => m.step), Array(10).fill(20));
  } finally {
    await engine.close();
  }
});

Deno.test("log-batch to a run deleted through this server is refused at once", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    await logBatch(s.runs, runId, { metrics: tenPoints(0), params: [], tags: [] });
    await s.runs.delete(runId);
    await assert.rejects(
      logBatch(s.runs, runId, { metrics: tenPoints(1), params: [], tags: [] }),
      /must be in the 'active' state/,
    );
    await s.runs.restore(runId);
    await logBatch(s.runs, runId, { metrics: tenPoints(2), params: [], tags: [] });
    const expId = (await s.runs.get(runId)).info.experimentId;
    if (expId !== "0") {
      await s.experiments.delete(expId);
      await assert.rejects(
        logBatch(s.runs, runId, { metrics: tenPoints(3), params: [], tags: [] }),
        /must be in the 'active' state/,
      );
    }
  } finally {
    await engine.close();
  }
});

Deno.test("log-batch into a run whose experiment was deleted through this server is refused", async () => {
  const { engine, s } = await setup();
  try {
    const expId = await s.experiments.create({ name: "gone" });
    const runId = (await s.runs.create({ experimentId: expId })).info.runId;
    await logBatch(s.runs, runId, { metrics: tenPoints(0), params: [], tags: [] });
    await s.experiments.delete(expId);
    await assert.rejects(
      logBatch(s.runs, runId, { metrics: tenPoints(1), params: [], tags: [] }),
      /must be in the 'active' state/,
    );
  } finally {
    await engine.close();
  }
});

Deno.test("a group written by another server is read again, not overwritten", async () => {
  const { engine, s } = await setup();
  try {
    // Another server: its own port object, so none of this process's caches are shared.
    const other = await createStores(
      { port: retryingPort(engine), table: "cost" },
      "mlflow-artifacts:/",
    );
    const runId = (await s.runs.create({})).info.runId;
    await logBatch(s.runs, runId, { metrics: tenPoints(1), params: [], tags: [] });
    await logBatch(other.runs, runId, { metrics: tenPoints(9), params: [], tags: [] });
    await logBatch(s.runs, runId, { metrics: tenPoints(2), params: [], tags: [] });
    const run = await s.runs.get(runId);
    assert.deepEqual(run.metrics.map((m) => m.step), Array(10).fill(9));
  } finally {
    await engine.close();
  }
});

Deno.test("a run deleted by another server refuses log-batch within the active-run TTL", async () => {
  const { engine, s } = await setup();
  try {
    const other = await createStores(
      { port: retryingPort(engine), table: "cost" },
      "mlflow-artifacts:/",
    );
    const runId = (await s.runs.create({})).info.runId;
    await logBatch(s.runs, runId, { metrics: tenPoints(0), params: [], tags: [] });
    await other.runs.delete(runId);
    await new Promise((r) => setTimeout(r, ACTIVE_RUN_TTL_MS + 50));
    await assert.rejects(
      logBatch(s.runs, runId, { metrics: tenPoints(1), params: [], tags: [] }),
      /must be in the 'active' state/,
    );
  } finally {
    await engine.close();
  }
});
