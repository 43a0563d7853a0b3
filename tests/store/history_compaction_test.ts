/**
 * Metric history compaction (`src/store/metrics/history_compaction.ts`): whatever the arrival
 * order, duplicates, page sizes, concurrent compactors and crashes, GetMetricHistory returns
 * every point once in MLflow's order; compacted chunks tile each key's order. Correctness runs
 * on every test backend; crash and race tests on the engine.
 */
import assert from "node:assert/strict";
import { createEngine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { queryAll } from "../../src/dynamo/batch.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import {
  METRIC_COMPACTED_PREFIX,
  metricHistoryPk,
  metricKeyChunkPrefix,
  metricPointPosition,
} from "../../src/keys/key_schema.ts";
import type { Db } from "../../src/store/db.ts";
import type { Metric } from "../../src/store/entities.ts";
import { compactRound, compactRun } from "../../src/store/metrics/history_compaction.ts";
import { compactionIdle, setAutoCompaction } from "../../src/store/metrics/compaction_scheduler.ts";
import { type HistoryCursor, readHistory } from "../../src/store/metrics/metric_history.ts";
import { decodePoints } from "../../src/store/metrics/point_codec.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";
import { type CrashingPort, crashingPort, WRITES } from "../support/crash_faults.ts";
import { meteringPort } from "../../src/dynamo/metering.ts";
import { emptyCost, withRequestCost } from "../../src/util/request_cost.ts";

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pos = (m: Metric) => metricPointPosition(m.timestamp, m.step, m.value);

/** What GetMetricHistory must return for `key`: distinct points in MLflow's order. */
function expected(all: Metric[], key: string): string[] {
  return [...new Set(all.filter((m) => m.key === key).map(pos))].sort();
}

async function readAll(db: Db, runId: string, key: string, pageSize: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: HistoryCursor | undefined;
  for (let pages = 0;; pages++) {
    assert.ok(pages < 100_000, "history pages never end");
    const page = await readHistory(db, runId, key, pageSize, cursor);
    assert.ok(page.metrics.length <= pageSize);
    out.push(...page.metrics.map(pos));
    if (!page.next) return out;
    // A token is JSON: the cursor must survive it.
    cursor = JSON.parse(JSON.stringify(page.next));
  }
}

async function rawChunks(db: Db, runId: string): Promise<number> {
  return (await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND sk < :k",
    ExpressionAttributeValues: {
      ":pk": { S: metricHistoryPk(runId) },
      ":k": { S: METRIC_COMPACTED_PREFIX },
    },
    ConsistentRead: true,
  })).length;
}

/** The compacted chunks of `key` tile its order: sorted, in range, each bound the previous hi. */
async function assertTiled(db: Db, runId: string, key: string): Promise<void> {
  const prefix = metricKeyChunkPrefix(key);
  const chunks = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
    ExpressionAttributeValues: { ":pk": { S: metricHistoryPk(runId) }, ":p": { S: prefix } },
    ConsistentRead: true,
  });
  let previousHi = "";
  for (const chunk of chunks) {
    const bound = chunk.sk!.S!.slice(prefix.length);
    assert.equal(bound, previousHi, "a chunk does not start where the previous one ended");
    const points = decodePoints(chunk.d!.S!).map(pos);
    assert.deepEqual(points, [...points].sort(), "a chunk is not sorted");
    assert.ok(points[0]! > bound && points.at(-1) === chunk.hi!.S!, "a point outside its chunk");
    previousHi = chunk.hi!.S!;
  }
}

/** Batches of `keys` in shuffled order with duplicates, NaN, infinities and negative steps. */
function workload(seed: number, keys: string[], batches: number, perBatch: number): Metric[][] {
  const random = rng(seed);
  const out: Metric[][] = [];
  const special = [NaN, Infinity, -Infinity, 0, -0];
  for (let b = 0; b < batches; b++) {
    const batch: Metric[] = [];
    for (let i = 0; i < perBatch; i++) {
      const step = Math.floor(random() * 400) - 20;
      const value = random() < 0.05
        ? special[Math.floor(random() * special.length)]!
        : Math.round(random() * 1000) / 100;
      batch.push({ key: keys[i % keys.length]!, value, timestamp: 1_000 + step * 3, step });
    }
    // a retried request: the same batch again
    out.push(batch);
    if (random() < 0.1) out.push(batch.map((m) => ({ ...m })));
  }
  return out;
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] compacted history reads every point once, in MLflow's order, in pages of any size`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    const db = { port: retryingPort(port), table: tableName };
    try {
      setAutoCompaction(db, false);
      const s = await createStores(db, "mlflow-artifacts:/");
      const runId = (await s.runs.create({})).info.runId;
      const keys = ["loss", "acc", "a:b"];
      const all: Metric[] = [];
      const batches = workload(7, keys, 60, 30);
      for (const [i, metrics] of batches.entries()) {
        await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
        all.push(...metrics);
        if (i % 17 === 16) await compactRound(db, runId); // compact part-way: late points follow
      }
      for (const key of keys) {
        for (const size of [6, 100, 25_000]) {
          assert.deepEqual(
            await readAll(db, runId, key, size),
            expected(all, key),
            `${key}/${size}`,
          );
        }
        await assertTiled(db, runId, key);
      }
      await compactRun(db, runId);
      assert.equal(await rawChunks(db, runId), 0);
      for (const key of keys) {
        assert.deepEqual(await readAll(db, runId, key, 13), expected(all, key));
        await assertTiled(db, runId, key);
      }
      assert.deepEqual(await readAll(db, runId, "a", 10), [], "a key that is a prefix of another");
    } finally {
      await cleanup();
    }
  });
}

async function engineStores(port?: (p: DynamoPort) => DynamoPort) {
  const engine = createEngine();
  await ensureTable(engine, "hist");
  const db = { port: port ? port(engine) : engine, table: "hist" };
  setAutoCompaction(db, false);
  return { engine, db, s: await createStores(db, "mlflow-artifacts:/") };
}

async function logAll(s: Stores, runId: string, batches: Metric[][]): Promise<Metric[]> {
  for (const metrics of batches) await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
  return batches.flat();
}

Deno.test("late points split a full chunk and the chunks still tile the order", async () => {
  const { engine, db, s } = await engineStores();
  try {
    const runId = (await s.runs.create({})).info.runId;
    const even = Array.from({ length: 1500 }, (_, i) => i * 2);
    const odd = even.map((n) => n + 1);
    const batch = (steps: number[]) =>
      steps.map((step) => ({ key: "k", value: step, timestamp: 5, step }));
    const all = await logAll(s, runId, [batch(even.slice(0, 750)), batch(even.slice(750))]);
    await compactRun(db, runId);
    all.push(...await logAll(s, runId, [batch(odd.slice(0, 1000)), batch(odd.slice(1000))]));
    await compactRun(db, runId);
    await assertTiled(db, runId, "k");
    assert.deepEqual(await readAll(db, runId, "k", 999), expected(all, "k"));
    assert.equal((await readHistory(db, runId, "k", Infinity)).metrics.length, 3000);
  } finally {
    await engine.close();
  }
});

Deno.test("a compaction that crashes at any write, before or after it applies, loses and duplicates no point", async () => {
  for (const afterApplying of [false, true]) {
    for (let n = 1;; n++) {
      let crash!: CrashingPort;
      const { engine, db, s } = await engineStores((p) => (crash = crashingPort(p)).port);
      try {
        const runId = (await s.runs.create({})).info.runId;
        const keys = ["x", "y"];
        const all = await logAll(s, runId, workload(n, keys, 8, 40));
        await compactRun(db, runId);
        all.push(...await logAll(s, runId, workload(100 + n, keys, 30, 40)));
        crash.arm(n, afterApplying);
        const crashed = await compactRun(db, runId).then(() => false, () => true);
        crash.arm(Infinity, false);
        for (const key of keys) {
          assert.deepEqual(await readAll(db, runId, key, 50), expected(all, key), `write ${n}`);
        }
        await compactRun(db, runId);
        assert.equal(await rawChunks(db, runId), 0);
        for (const key of keys) {
          assert.deepEqual(await readAll(db, runId, key, 50), expected(all, key), `after ${n}`);
          await assertTiled(db, runId, key);
        }
        if (!crashed) {
          assert.ok(n > 3, "the compaction made too few writes to test");
          break; // every write position was tried
        }
      } finally {
        await engine.close();
      }
    }
  }
});

Deno.test("compactors on several servers racing with each other and with writers lose and duplicate nothing", async () => {
  for (const seed of [1, 2, 3]) {
    const { engine, db, s } = await engineStores();
    try {
      const servers = [db, ...[1, 2].map(() => ({ port: retryingPort(engine), table: "hist" }))];
      for (const d of servers) setAutoCompaction(d, false);
      const runId = (await s.runs.create({})).info.runId;
      const keys = ["loss", "acc", "lr"];
      const batches = workload(seed, keys, 120, 12);
      const all = batches.flat();
      let writing = true;
      const writers = (async () => {
        for (const metrics of batches) {
          await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
        }
        writing = false;
      })();
      const compactors = servers.map(async (d) => {
        while (writing) {
          await compactRound(d, runId);
          await new Promise((r) => setTimeout(r, 0));
        }
      });
      await Promise.all([writers, ...compactors]);
      await Promise.all(servers.map((d) => compactRun(d, runId)));
      await compactRun(db, runId);
      assert.equal(await rawChunks(db, runId), 0);
      for (const key of keys) {
        assert.deepEqual(await readAll(db, runId, key, 17), expected(all, key), `seed ${seed}`);
        await assertTiled(db, runId, key);
      }
    } finally {
      await engine.close();
    }
  }
});

Deno.test("logging compacts in the background; a read that meets a raw tail queues its compaction", async () => {
  const { engine, db, s } = await engineStores();
  try {
    setAutoCompaction(db, true);
    const runId = (await s.runs.create({})).info.runId;
    const batch = (step: number) => [{ key: "m", value: step, timestamp: step, step }];
    const all = await logAll(s, runId, Array.from({ length: 128 }, (_, step) => batch(step)));
    await compactionIdle(db);
    assert.equal(await rawChunks(db, runId), 0, "128 appended chunks queue a compaction");
    all.push(...await logAll(s, runId, Array.from({ length: 20 }, (_, i) => batch(128 + i))));
    await compactionIdle(db);
    assert.equal(await rawChunks(db, runId), 20, "fewer do not");
    assert.deepEqual(await readAll(db, runId, "m", 1000), expected(all, "m"));
    await compactionIdle(db);
    assert.equal(await rawChunks(db, runId), 0, "a read that met 20 raw chunks queues one");
    assert.deepEqual(await readAll(db, runId, "m", 1000), expected(all, "m"));
  } finally {
    await engine.close();
  }
});

/** A port that holds its write number `at` until `release()`, telling `paused` when it waits. */
function pausingPort(port: DynamoPort, at: number) {
  let count = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  let reached!: (paused: boolean) => void;
  const paused = new Promise<boolean>((r) => reached = r);
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(port) as (keyof DynamoPort)[]) {
    const op = port[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = async (input: unknown) => {
      if (WRITES.has(name) && ++count === at) {
        reached(true);
        await gate;
      }
      return op.call(port, input);
    };
  }
  return { port: wrapped as unknown as DynamoPort, paused, release, never: () => reached(false) };
}

Deno.test("a compactor held before any of its writes while another server compacts and logs more loses nothing", async () => {
  for (let at = 1;; at++) {
    const { engine, db, s } = await engineStores();
    try {
      const runId = (await s.runs.create({})).info.runId;
      const keys = ["p", "q"];
      const all = await logAll(s, runId, workload(at, keys, 10, 20));
      await compactRun(db, runId);
      all.push(...await logAll(s, runId, workload(50 + at, keys, 10, 20)));
      const slow = pausingPort(engine, at);
      const slowDb = { port: slow.port, table: "hist" };
      setAutoCompaction(slowDb, false);
      const held = compactRun(slowDb, runId).finally(slow.never);
      if (!await slow.paused) {
        await held;
        assert.ok(at > 3, "the compaction made too few writes to test");
        break;
      }
      // Meanwhile: more points (late and fresh) arrive and another server compacts them all.
      all.push(...await logAll(s, runId, workload(90 + at, keys, 10, 20)));
      await compactRun(db, runId);
      slow.release();
      await held;
      await compactRun(db, runId);
      for (const key of keys) {
        assert.deepEqual(await readAll(db, runId, key, 30), expected(all, key), `held at ${at}`);
        await assertTiled(db, runId, key);
      }
    } finally {
      await engine.close();
    }
  }
});

Deno.test("background compaction is not counted in the cost of the request that queued it", async () => {
  const { engine, db, s } = await engineStores(meteringPort);
  try {
    setAutoCompaction(db, true);
    const runId = (await s.runs.create({})).info.runId;
    const cost = emptyCost();
    await withRequestCost(cost, async () => {
      for (let step = 0; step < 128; step++) {
        const metrics = [{ key: "m", value: step, timestamp: step, step }];
        await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
      }
    });
    const logged = cost.calls;
    await compactionIdle(db);
    assert.equal(await rawChunks(db, runId), 0, "the compaction ran");
    assert.equal(cost.calls, logged, "calls added to the request after it ended");
    assert.ok(logged <= 2 * 128 + 4, `calls of 128 log-batch calls: ${logged}`);
  } finally {
    await engine.close();
  }
});

Deno.test("a history cursor this server could not have made is INVALID_PARAMETER_VALUE, not a DynamoDB error", async () => {
  const { engine, s, db } = await engineStores();
  try {
    const runId = (await s.runs.create({})).info.runId;
    const bad: HistoryCursor[] = [
      { t: 1, s: 0, v: 1, c: "x".repeat(2000) },
      { t: -1, s: 0, v: 1 },
      { t: 1, s: 0.5, v: 1 },
      { t: 1, s: 0, v: "nope" },
    ];
    for (const cursor of bad) {
      await assert.rejects(
        readHistory(db, runId, "m", 10, cursor),
        (e: Error & { code?: string }) =>
          e.code === "INVALID_PARAMETER_VALUE" && /Invalid page token/.test(e.message),
      );
    }
    assert.deepEqual(
      (await readHistory(db, runId, "m", 10, { t: 1, s: 0, v: "NaN", c: "" })).metrics,
      [],
    );
  } finally {
    await engine.close();
  }
});
