/**
 * The cost targets of docs/key-schema.md, measured with the engine's consumed-capacity counters
 * (which follow DynamoDB's rules: 1 KB write units, 4 KB read units, GSI writes counted).
 */
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { readHistory } from "../../src/store/metrics/metric_history.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
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
