/**
 * Prints the DynamoDB capacity each metric-logging shape consumes, as counted by the engine
 * (DynamoDB's rules), and the engine's throughput for those calls. Rerun with `deno task bench`.
 * Capacity figures are deterministic; timings are only ratios within one run on a shared machine.
 */
import { createEngine } from "../src/engine/mod.ts";
import { ensureTable } from "../src/dynamo/table.ts";
import { readHistory } from "../src/store/metrics/metric_history.ts";
import { compactRun } from "../src/store/metrics/history_compaction.ts";
import { setAutoCompaction } from "../src/store/metrics/compaction_scheduler.ts";
import { logBatch } from "../src/store/runs/log_batch.ts";
import { createStores } from "../src/store/stores.ts";

const engine = createEngine();
await ensureTable(engine, "bench");
const s = await createStores({ port: engine, table: "bench" }, "mlflow-artifacts:/");
// Compaction is measured on its own below, not mixed into the logging calls' figures.
setAutoCompaction(s.db, false);

async function shape(name: string, keysPerCall: number, stepsPerCall: number, calls: number) {
  const runId = (await s.runs.create({})).info.runId;
  engine.stats.reset();
  const started = performance.now();
  let points = 0;
  for (let c = 0; c < calls; c++) {
    const metrics = [];
    for (let st = 0; st < stepsPerCall; st++) {
      for (let k = 0; k < keysPerCall; k++) {
        metrics.push({
          key: `metric_${k}`,
          value: Math.random(),
          timestamp: 1700000000000 + c * 100 + st,
          step: c * stepsPerCall + st,
        });
      }
    }
    points += metrics.length;
    await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
  }
  const ms = performance.now() - started;
  const writes = engine.stats.writeUnits;
  const reads = engine.stats.readUnits;
  engine.stats.reset();
  await compactRun(s.db, runId, Infinity);
  const compaction = engine.stats.writeUnits / points;
  engine.stats.reset();
  let cursor;
  let read = 0;
  do {
    const page: Awaited<ReturnType<typeof readHistory>> = await readHistory(
      s.db,
      runId,
      "metric_0",
      25000,
      cursor,
    );
    read += page.metrics.length;
    cursor = page.next;
  } while (cursor);
  console.log(
    `${name.padEnd(34)} WCU/point ${(writes / points).toFixed(3)}  RCU/call ${
      (reads / calls).toFixed(2)
    }  ` +
      `compaction WCU/point ${compaction.toFixed(3)}  ` +
      `history RCU/100 points of one key ${(engine.stats.readUnits / (read / 100)).toFixed(2)}  ` +
      `engine ${(points / ms * 1000).toFixed(0)} points/s`,
  );
}

await shape("log-metric (1 point)", 1, 1, 200);
await shape("log-batch 10 keys x 1 step", 10, 1, 200);
await shape("log-batch 100 keys x 1 step", 100, 1, 50);
await shape("log-batch 10 keys x 100 steps", 10, 100, 20);
await shape("log-batch 1 key x 1000 steps", 1, 1000, 100);
await engine.close();
