/**
 * Twenty clients writing to one run (issue #8, item 11): 20 writers × 100 `log-batch` calls, each
 * with params (new keys plus keys every writer logs with the same value) and metrics (a key set
 * shared by all writers), on every test backend. Every valid write must succeed and be readable.
 * Prints requests tried, errors and lost writes. Also: a param batch's cost does not grow with
 * the params the run already holds.
 */
import assert from "node:assert/strict";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { readHistory } from "../../src/store/metrics/metric_history.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { createStores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

const WRITERS = 20;
const BATCHES = 100;
const NEW_PARAMS = 3; // per batch, unique to the writer and batch
const SHARED_PARAMS = 2; // per batch, the same keys and values for every writer
const METRIC_KEYS = ["loss", "acc"];

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] ${WRITERS} writers × ${BATCHES} batches of params and metrics to one run: 0 errors, 0 lost`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores(
        { port: retryingPort(port), table: tableName },
        "mlflow-artifacts:/",
      );
      const runId = (await s.runs.create({})).info.runId;
      let tried = 0;
      const errors: string[] = [];
      const started = performance.now();
      await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
        for (let b = 0; b < BATCHES; b++) {
          tried++;
          const params = [
            ...Array.from({ length: NEW_PARAMS }, (_, i) => ({
              key: `w${w}_b${b}_p${i}`,
              value: `${w}-${b}-${i}`,
            })),
            ...Array.from({ length: SHARED_PARAMS }, (_, i) => ({
              key: `shared_${(b + i) % 10}`,
              value: `v${(b + i) % 10}`,
            })),
          ];
          const metrics = METRIC_KEYS.map((key) => ({
            key,
            value: w * 1000 + b,
            timestamp: 1_700_000_000_000 + b,
            step: b * WRITERS + w,
          }));
          try {
            await logBatch(s.runs, runId, { metrics, params, tags: [] });
          } catch (e) {
            errors.push(`${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      }));
      const seconds = (performance.now() - started) / 1000;
      const run = await s.runs.get(runId);
      let lostParams = 0;
      for (let w = 0; w < WRITERS; w++) {
        for (let b = 0; b < BATCHES; b++) {
          for (let i = 0; i < NEW_PARAMS; i++) {
            if (run.params[`w${w}_b${b}_p${i}`] !== `${w}-${b}-${i}`) lostParams++;
          }
        }
      }
      for (let k = 0; k < 10; k++) if (run.params[`shared_${k}`] !== `v${k}`) lostParams++;
      let lostPoints = 0;
      for (const key of METRIC_KEYS) {
        const history = await readHistory(s.db, runId, key, Infinity);
        lostPoints += WRITERS * BATCHES - history.metrics.length;
        const latest = run.metrics.find((m) => m.key === key);
        if (latest?.step !== (BATCHES - 1) * WRITERS + WRITERS - 1) lostPoints++;
      }
      console.log(
        `[${backend.name}] log-batch requests tried ${tried}, errors ${errors.length}, ` +
          `lost params ${lostParams}, lost points ${lostPoints}, ${seconds.toFixed(1)} s`,
      );
      assert.deepEqual(errors.slice(0, 5), []);
      assert.equal(lostParams, 0);
      assert.equal(lostPoints, 0);
      assert.equal(
        Object.keys(run.params).length,
        WRITERS * BATCHES * NEW_PARAMS + 10,
      );
    } finally {
      await cleanup();
    }
  });
}

Deno.test("[engine] a param batch costs the same on a run that already holds 2,000 params", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "cost");
    const s = await createStores({ port: engine, table: "cost" }, "mlflow-artifacts:/");
    const cost = async (runId: string, prefix: string) => {
      engine.stats.reset();
      const params = Array.from({ length: 10 }, (_, i) => ({ key: `${prefix}${i}`, value: "x" }));
      await logBatch(s.runs, runId, { metrics: [], params, tags: [] });
      return engine.stats.writeUnits;
    };
    const empty = (await s.runs.create({})).info.runId;
    const full = (await s.runs.create({})).info.runId;
    for (let b = 0; b < 20; b++) {
      const params = Array.from({ length: 100 }, (_, i) => ({
        key: `held_${b}_${i}_${"k".repeat(40)}`,
        value: "v".repeat(100),
      }));
      await logBatch(s.runs, full, { metrics: [], params, tags: [] });
    }
    const onEmpty = await cost(empty, "new");
    const onFull = await cost(full, "new");
    console.log(`10-param batch: ${onEmpty} WCU on an empty run, ${onFull} WCU with 2,000 held`);
    assert.equal(onFull, onEmpty);
  } finally {
    await engine.close();
  }
});
