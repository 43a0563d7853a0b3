/**
 * Idle-time history compaction (`compaction_scheduler.ts`): once a run's logging stops for
 * `IDLE_MS`, what it logged since its last compaction is compacted in the background, if it is
 * enough to be worth it (≥ `IDLE_MIN_CHUNKS` calls or ≥ `IDLE_MIN_POINTS` points); smaller tails
 * stay raw (compacting them would cut a key's history into tiny chunks), and a run still logging
 * is not compacted by it. Seen from outside: the raw chunks left in the run's partition.
 */
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { queryAll } from "../../src/dynamo/batch.ts";
import { rawTailQuery } from "../../src/store/metrics/history_items.ts";
import {
  cancelIdleSweeps,
  compactionSettled,
  IDLE_MIN_CHUNKS,
  IDLE_MIN_POINTS,
  IDLE_MS,
  setAutoCompaction,
} from "../../src/store/metrics/compaction_scheduler.ts";
import { readHistory } from "../../src/store/metrics/metric_history.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { Metric } from "../../src/store/entities.ts";

async function setup(): Promise<{ engine: Engine; s: Stores }> {
  const engine = createEngine();
  await ensureTable(engine, "idle");
  return { engine, s: await createStores({ port: engine, table: "idle" }, "mlflow-artifacts:/") };
}

const rawChunks = async (s: Stores, runId: string) =>
  (await queryAll(s.db.port, rawTailQuery(s.db, runId, true))).length;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `calls` calls of `keys` keys, one step each, from `step0`. */
async function log(s: Stores, runId: string, calls: number, keys: number, step0 = 0) {
  const all: Metric[] = [];
  for (let step = step0; step < step0 + calls; step++) {
    const metrics = Array.from({ length: keys }, (_, k) => ({
      key: `k${k}`,
      value: step + k / 10,
      timestamp: 1_700_000_000_000 + step,
      step,
    }));
    await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    all.push(...metrics);
  }
  return all;
}

Deno.test("a run that stops logging is compacted a moment later, from enough calls or enough points", async () => {
  const { engine, s } = await setup();
  try {
    const byCalls = (await s.runs.create({})).info.runId;
    const byPoints = (await s.runs.create({})).info.runId;
    const logged = await log(s, byCalls, IDLE_MIN_CHUNKS, 10);
    await log(s, byPoints, 1, IDLE_MIN_POINTS);
    assert.equal(await rawChunks(s, byCalls), IDLE_MIN_CHUNKS, "raw while the run may go on");
    await compactionSettled(s.db);
    assert.equal(await rawChunks(s, byCalls), 0, `${IDLE_MIN_CHUNKS} calls compacted`);
    assert.equal(await rawChunks(s, byPoints), 0, `${IDLE_MIN_POINTS} points compacted`);
    const { metrics } = await readHistory(s.db, byCalls, "k3", 1000);
    assert.deepEqual(metrics, logged.filter((m) => m.key === "k3"));
  } finally {
    await engine.close();
  }
});

Deno.test("a small raw tail stays raw when the run goes idle (no tiny chunks)", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    await log(s, runId, IDLE_MIN_CHUNKS - 1, 10);
    await sleep(IDLE_MS + 200);
    await compactionSettled(s.db);
    assert.equal(await rawChunks(s, runId), IDLE_MIN_CHUNKS - 1);
  } finally {
    await engine.close();
  }
});

Deno.test("a run logging without pause is not compacted by the idle sweep until it stops", async () => {
  const { engine, s } = await setup();
  try {
    const runId = (await s.runs.create({})).info.runId;
    await log(s, runId, IDLE_MIN_CHUNKS, 10);
    // Keep logging, a call every IDLE_MS / 4, for longer than IDLE_MS.
    for (let i = 0; i < 6; i++) {
      await sleep(IDLE_MS / 4);
      await log(s, runId, 1, 10, IDLE_MIN_CHUNKS + i);
    }
    assert.equal(await rawChunks(s, runId), IDLE_MIN_CHUNKS + 6, "not compacted while logging");
    await compactionSettled(s.db);
    assert.equal(await rawChunks(s, runId), 0, "compacted once idle");
  } finally {
    await engine.close();
  }
});

Deno.test("with background compaction off, or the idle sweeps cancelled, nothing is compacted", async () => {
  const { engine, s } = await setup();
  try {
    const off = (await s.runs.create({})).info.runId;
    setAutoCompaction(s.db, false);
    await log(s, off, 1, IDLE_MIN_POINTS);
    await compactionSettled(s.db);
    setAutoCompaction(s.db, true);
    const cancelled = (await s.runs.create({})).info.runId;
    await log(s, cancelled, 1, IDLE_MIN_POINTS);
    cancelIdleSweeps();
    await sleep(IDLE_MS + 200);
    await compactionSettled(s.db);
    assert.equal(await rawChunks(s, off), 1);
    assert.equal(await rawChunks(s, cancelled), 1);
  } finally {
    await engine.close();
  }
});
