/**
 * The history cost bounds of docs/key-schema.md ("Reading history"), measured with the
 * engine's consumed-capacity counters: one key of a run that logs 10 keys per call reads at
 * ≤ 1 RCU per 100 points once compacted, a paged read costs about one read of what it returns
 * (no page re-reads the history), and compaction's own cost per point.
 */
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import type { Metric } from "../../src/store/entities.ts";
import {
  compactionSettled,
  setAutoCompaction,
} from "../../src/store/metrics/compaction_scheduler.ts";
import { compactRun } from "../../src/store/metrics/history_compaction.ts";
import { type HistoryCursor, readHistory } from "../../src/store/metrics/metric_history.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";

async function setup(): Promise<{ engine: Engine; s: Stores }> {
  const engine = createEngine();
  await ensureTable(engine, "cost");
  return { engine, s: await createStores({ port: engine, table: "cost" }, "mlflow-artifacts:/") };
}

const KEYS = Array.from({ length: 10 }, (_, i) => `metric_name_${i}`);
const T0 = 1_700_000_000_000;

/** `calls` log-batch calls of 10 keys at one step each, as a training loop logs them. */
async function logTenKeyCalls(s: Stores, runId: string, calls: number): Promise<void> {
  for (let step = 0; step < calls; step++) {
    const metrics = KEYS.map((key) => ({ key, value: Math.random(), timestamp: T0 + step, step }));
    await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
  }
}

async function rcuOf<T>(engine: Engine, fn: () => Promise<T>): Promise<[number, T]> {
  engine.stats.reset();
  const out = await fn();
  return [engine.stats.readUnits, out];
}

Deno.test("one key of a run logging 10 keys per call reads at ≤ 1 RCU per 100 points once compacted (≈ 14 before)", async () => {
  const { engine, s } = await setup();
  try {
    setAutoCompaction(s.db, false);
    const runId = (await s.runs.create({})).info.runId;
    await logTenKeyCalls(s, runId, 1000);
    const [raw, before] = await rcuOf(
      engine,
      () => readHistory(s.db, runId, "metric_name_3", Infinity),
    );
    assert.equal(before.metrics.length, 1000);
    const rawPerHundred = raw / 10;
    assert.ok(rawPerHundred > 10, `raw chunks: RCU per 100 points ${rawPerHundred}`);
    await compactRun(s.db, runId);
    const [rcu, after] = await rcuOf(
      engine,
      () => readHistory(s.db, runId, "metric_name_3", Infinity),
    );
    assert.deepEqual(after.metrics, before.metrics);
    const perHundred = rcu / 10;
    console.log(
      `one of 10 keys, 1000 points: ${rawPerHundred} RCU/100 raw, ${perHundred} compacted`,
    );
    assert.ok(perHundred <= 1, `compacted: RCU per 100 points ${perHundred}`);
  } finally {
    await engine.close();
  }
});

Deno.test("with background compaction, a key's history read after logging stops costs ≤ 1 RCU per 100 points", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    await logTenKeyCalls(s, runId, 2000);
    // Logging went idle: the tail left since the last 128-chunk trigger is compacted too.
    await compactionSettled(s.db);
    const [rcu, page] = await rcuOf(
      engine,
      () => readHistory(s.db, runId, "metric_name_0", 25_000),
    );
    assert.equal(page.metrics.length, 2000);
    console.log(`one of 10 keys, 2000 points: first read ${rcu / 20} RCU/100`);
    assert.ok(rcu / 20 <= 1, `first read: RCU per 100 points ${rcu / 20}`);
  } finally {
    await engine.close();
  }
});

async function pagedRcu(engine: Engine, s: Stores, runId: string, key: string, size: number) {
  const pages: number[] = [];
  const points: Metric[] = [];
  let cursor: HistoryCursor | undefined;
  do {
    const [rcu, page] = await rcuOf(engine, () => readHistory(s.db, runId, key, size, cursor));
    pages.push(rcu);
    points.push(...page.metrics);
    cursor = page.next;
  } while (cursor);
  return { pages, points };
}

Deno.test("a paged read of a 50,000-point history costs about one read of it, not one per page", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    for (let b = 0; b < 50; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: "loss",
        value: Math.random(),
        timestamp: T0 + b * 1000 + i,
        step: b * 1000 + i,
      }));
      await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    }
    await compactionSettled(s.db); // 50 calls of 1000 points, compacted once logging went idle
    const [whole, all] = await rcuOf(engine, () => readHistory(s.db, runId, "loss", Infinity));
    assert.equal(all.metrics.length, 50_000);
    assert.ok(whole / 500 <= 1, `whole read: RCU per 100 points ${whole / 500}`);
    for (const size of [25_000, 5_000]) {
      const { pages, points } = await pagedRcu(engine, s, runId, "loss", size);
      assert.deepEqual(points, all.metrics);
      const total = pages.reduce((a, b) => a + b, 0);
      console.log(`pages of ${size}: ${pages.length} pages, ${total} RCU (whole read ${whole})`);
      // A page reads its own points, plus the part of the chunk before the cursor (a chunk
      // holds ≤ 1000 points ≈ 7 RCU), never the pages before it.
      assert.ok(total <= whole + 8 * pages.length, `pages of ${size}: ${pages}`);
      for (const rcu of pages) assert.ok(rcu <= size / 100 + 8, `one page: ${rcu} RCU`);
    }
  } finally {
    await engine.close();
  }
});

Deno.test("compacting 10-key calls costs ≤ 0.15 WCU per point, once, off the request path", async () => {
  const { engine, s } = await setup();
  try {
    setAutoCompaction(s.db, false);
    const runId = (await s.runs.create({})).info.runId;
    await logTenKeyCalls(s, runId, 640);
    engine.stats.reset();
    await compactRun(s.db, runId);
    const perPoint = engine.stats.writeUnits / 6400;
    console.log(`compaction: ${perPoint} WCU and ${engine.stats.readUnits / 6400} RCU per point`);
    assert.ok(perPoint <= 0.15, `WCU per point ${perPoint}`);
  } finally {
    await engine.close();
  }
});
