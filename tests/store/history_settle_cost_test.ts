/**
 * The history read of the peer benchmark (`bench/peers/workload.ts`), measured with
 * `ReturnConsumedCapacity` (the metering port) on every backend: a run is seeded exactly as the
 * bench seeds it (1000-point log-batch calls of one key from 4 concurrent writers) or as a
 * training loop logs (10 keys per call, 4 writers), the writers stop, and a user reads the key's
 * whole history through the stock client's 25,000-point pages a few seconds later. Nothing but
 * the idle-time compaction of `compaction_scheduler.ts` runs in between (no explicit
 * compaction, no read before), so this is what the bench and a user see: ≤ 1 RCU per 100 points.
 */
import assert from "node:assert/strict";
import { meteringPort } from "../../src/dynamo/metering.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import type { Metric } from "../../src/store/entities.ts";
import { compactionIdle, IDLE_MS } from "../../src/store/metrics/compaction_scheduler.ts";
import { type HistoryCursor, readHistory } from "../../src/store/metrics/metric_history.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { pooledMap } from "../../src/util/pool.ts";
import { emptyCost, withRequestCost } from "../../src/util/request_cost.ts";
import { testBackends } from "../support/backends.ts";

const T0 = 1_700_000_000_000;
const WRITERS = 4;
/** The stock client's page size (`MlflowClient.get_metric_history`). */
const PAGE = 25_000;
/** What a user waits before reading: the scheduler's idle time and a little more. */
const SETTLE_MS = IDLE_MS + 500;

/** Every page of the key's history, with the capacity each read consumed. */
async function pagedRead(s: Stores, runId: string, key: string) {
  const cost = emptyCost();
  const points: Metric[] = [];
  let cursor: HistoryCursor | undefined;
  let pages = 0;
  do {
    const page = await withRequestCost(cost, () => readHistory(s.db, runId, key, PAGE, cursor));
    points.push(...page.metrics);
    cursor = page.next;
    pages++;
  } while (cursor);
  return { cost, points, pages };
}

/**
 * Waits as a user would (the settle time), then for the compaction still running if any;
 * prints when the compaction was done, counted from the end of logging.
 */
async function settle(s: Stores, label: string): Promise<void> {
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await compactionIdle(s.db);
  console.log(`[${label}] compacted ${(performance.now() - t0).toFixed(0)} ms after logging`);
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] the bench's 50,000-point history read a few seconds after logging costs ≤ 1 RCU per 100 points`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores(
        { port: retryingPort(meteringPort(port)), table: tableName },
        "mlflow-artifacts:/",
      );
      const runId = (await s.runs.create({})).info.runId;
      // bench/peers/workload.ts: 50 calls of 1000 points of `loss`, 4 writers.
      await pooledMap(Array.from({ length: 50 }, (_, b) => b), async (b) => {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: "loss",
          value: Math.sin(b * 1000 + i),
          timestamp: T0 + b * 1000 + i,
          step: b * 1000 + i,
        }));
        await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
      }, WRITERS);
      await settle(s, backend.name);
      const { cost, points, pages } = await pagedRead(s, runId, "loss");
      assert.equal(points.length, 50_000);
      assert.deepEqual(points.map((p) => p.step), points.map((_, i) => i));
      const perHundred = cost.rcu / 500;
      console.log(
        `[${backend.name}] 50,000 points in ${pages} pages: ${cost.calls} calls, ${cost.rcu} RCU = ${perHundred} per 100`,
      );
      assert.equal(pages, 2);
      assert.ok(perHundred <= 1, `RCU per 100 points ${perHundred}`);
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${backend.name}] one key of a run logging 10 keys per call from 4 writers reads at ≤ 1 RCU per 100 points a few seconds after`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores(
        { port: retryingPort(meteringPort(port)), table: tableName },
        "mlflow-artifacts:/",
      );
      const runId = (await s.runs.create({})).info.runId;
      const steps = 1000;
      await pooledMap(Array.from({ length: steps }, (_, i) => i), async (step) => {
        const metrics = Array.from({ length: 10 }, (_, k) => ({
          key: `metric_name_${k}`,
          value: Math.sin(step * 10 + k),
          timestamp: T0 + step,
          step,
        }));
        await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
      }, WRITERS);
      await settle(s, backend.name);
      const { cost, points } = await pagedRead(s, runId, "metric_name_3");
      assert.equal(points.length, steps);
      assert.deepEqual(points.map((p) => p.step), points.map((_, i) => i));
      const perHundred = cost.rcu / (steps / 100);
      console.log(
        `[${backend.name}] one of 10 keys, ${steps} points: ${cost.calls} calls, ${cost.rcu} RCU = ${perHundred} per 100`,
      );
      assert.ok(perHundred <= 1, `RCU per 100 points ${perHundred}`);
    } finally {
      await cleanup();
    }
  });
}
