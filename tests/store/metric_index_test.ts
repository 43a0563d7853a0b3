/**
 * The run-end metric index (`src/store/runs/metric_index_writes.ts`, `search_indexed.ts`): on
 * every backend, a metric-ordered SearchRuns paged through the index returns exactly the rows, in
 * exactly the order, of the full read sorted by MLflow's comparator — randomized runs with
 * duplicate values, NaN, ±inf, -0 and missing metrics, deleted and restored runs, runs still
 * running, ended, logged to after their end (also by another server whose cache predates the
 * end), set back to RUNNING and ended again; every filter and view type, several page sizes.
 * Also: an experiment without the index marker (made before the index existed) is read fully.
 */
import assert from "node:assert/strict";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";
import { meteringPort } from "../../src/dynamo/metering.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { experimentKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { backfillMetricIndex } from "../../src/store/runs/metric_index_backfill.ts";
import { metricIndexMain } from "../../src/cli/metric_index_command.ts";
import { hardDeleteRun } from "../../src/store/gc/hard_delete.ts";
import {
  type RunSearchCursor,
  type RunSearchQuery,
  searchRuns,
} from "../../src/store/runs/search_runs.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { ViewType } from "../../src/store/entities.ts";
import { testBackends } from "../support/backends.ts";

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = [0.5, 0.5, 0.1, 0.9, 0, -0, 1, NaN, Infinity, -Infinity, -2, 0.3, 7];

async function seed(
  s: Stores,
  other: Stores,
  exp: string,
  seedNo: number,
  runs: number,
): Promise<void> {
  const rnd = prng(seedNo);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const log = (st: Stores, id: string, ts: number) => {
    const metrics = [];
    if (rnd() < 0.8) metrics.push({ key: "m", value: pick(VALUES), timestamp: ts, step: ts });
    if (rnd() < 0.5) metrics.push({ key: "o", value: rnd(), timestamp: ts, step: ts });
    return metrics.length > 0 ? logBatch(st.runs, id, { metrics, params: [], tags: [] }) : null;
  };
  for (let i = 0; i < runs; i++) {
    const run = await s.runs.create({
      experimentId: exp,
      startTime: Math.floor(rnd() * 20), // many ties: the run id decides
      tags: { team: rnd() < 0.5 ? "a" : "b" },
    });
    const id = run.info.runId;
    const params = rnd() < 0.7 ? [{ key: "p", value: pick(["x", "y"]) }] : [];
    await logBatch(s.runs, id, { metrics: [], params, tags: [] });
    for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) await log(s, id, 10 + k);
    // the other server caches the run's groups while it runs
    if (rnd() < 0.3) await log(other, id, 20);
    const fate = rnd();
    if (fate < 0.75) {
      await s.runs.update(id, { status: pick(["FINISHED", "FAILED", "KILLED"] as const) });
      const after = rnd();
      if (after < 0.15) await log(s, id, 30); // logged after its end, same server
      else if (after < 0.3) await log(other, id, 31); // ... by the other server (cached)
      else if (after < 0.4) {
        await s.runs.update(id, { status: "RUNNING" });
        await log(s, id, 40);
        if (rnd() < 0.5) await s.runs.update(id, { status: "FINISHED" });
      }
    }
    if (rnd() < 0.15) await s.runs.delete(id);
    if (rnd() < 0.05) {
      await s.runs.delete(id);
      await s.runs.restore(id);
    }
  }
}

function q(exp: string, filter: string, order: string[], viewType: ViewType, max: number) {
  return { experimentIds: [exp], viewType, maxResults: max, ...compileRunSearch(filter, order) };
}

async function paged(s: Stores, base: RunSearchQuery): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after: RunSearchCursor | undefined;
  for (let n = 0; n < 500; n++) {
    const res = await searchRuns(s.runs, { ...base, ...(after ? { after } : {}) });
    ids.push(...res.runs.map((r) => r.info.runId));
    sizes.push(res.runs.length);
    if (!res.hasMore) return { ids, sizes };
    assert.ok(res.next, "a page with more rows has a cursor");
    after = res.next;
  }
  throw new Error("paging did not end");
}

async function fullRead(s: Stores, base: RunSearchQuery): Promise<string[]> {
  const { metricOrder: _, ...rest } = base;
  const res = await searchRuns(s.runs, { ...rest, maxResults: 100_000 });
  return res.runs.map((r) => r.info.runId);
}

const FILTERS = [
  "",
  "metrics.m > 0.3",
  "metrics.m <= 0.5",
  "metrics.m = 0.5",
  "metrics.m != 0",
  "metrics.m >= -1 AND metrics.m < 1",
  "params.p = 'x'",
  "metrics.o > 0.4",
  "tags.team = 'a' AND metrics.m > -100",
];

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] metric-ordered pages through the index equal the full read`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      // Another server on the same table: its own caches (they are per port).
      const other = await createStores({ port: meteringPort(port), table: tableName }, "x:/");
      // DynamoDB Local answers each call in milliseconds: fewer runs and pages there.
      const engine = backend.name === "engine";
      const seeds = engine ? [1, 2] : [4];
      const sizes = engine ? [1, 7, 1000] : [9, 1000];
      for (const seedNo of seeds) {
        const exp = await s.experiments.create({ name: `ix-${seedNo}` });
        await seed(s, other, exp, seedNo, engine ? 90 : 50);
        for (const order of ["metrics.m ASC", "metrics.m DESC", "metrics.m"]) {
          for (const viewType of ["ACTIVE_ONLY", "ALL", "DELETED_ONLY"] as const) {
            for (const filter of FILTERS) {
              const expected = await fullRead(s, q(exp, filter, [order], viewType, 1));
              for (const size of sizes) {
                const label = `seed ${seedNo}, ${order}, ${viewType}, "${filter}", ${size}`;
                const base = q(exp, filter, [order], viewType, size);
                assert.ok(base.metricOrder, label);
                const got = await paged(s, base);
                assert.deepEqual(got.ids, expected, label);
                for (const n of got.sizes.slice(0, -1)) assert.equal(n, size, label);
              }
            }
          }
        }
      }
    } finally {
      await cleanup();
    }
  });
}

Deno.test("an experiment without the index marker (older than the index) is read fully", async () => {
  const { port, tableName, cleanup } = await testBackends()[0]!.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const exp = await s.experiments.create({ name: "old" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (await s.runs.create({ experimentId: exp, startTime: i })).info.runId;
      ids.push(id);
      await logBatch(s.runs, id, {
        metrics: [{ key: "m", value: i, timestamp: 1, step: 0 }],
        params: [],
        tags: [],
      });
      if (i % 2 === 0) await s.runs.update(id, { status: "FINISHED" });
    }
    // As written before the index: no marker on the experiment, no index or unindexed items.
    await port.updateItem({
      TableName: tableName,
      Key: rawKey(experimentKey(exp)),
      UpdateExpression: "REMOVE mxi",
    });
    const { items } = { items: await scanKeys(port, tableName) };
    for (const k of items.filter((k) => k.pk.startsWith("XU#") || k.pk.startsWith("XM#"))) {
      await port.deleteItem({ TableName: tableName, Key: { pk: { S: k.pk }, sk: { S: k.sk } } });
    }
    const res = await searchRuns(s.runs, q(exp, "", ["metrics.m DESC"], "ACTIVE_ONLY", 3));
    assert.deepEqual(res.runs.map((r) => r.info.runId), [ids[4], ids[3], ids[2]]);
    assert.equal(res.next?.mx, undefined, "the full read's token");
    const rest = await searchRuns(s.runs, {
      ...q(exp, "", ["metrics.m DESC"], "ACTIVE_ONLY", 3),
      after: res.next!,
    });
    assert.deepEqual(rest.runs.map((r) => r.info.runId), [ids[1], ids[0]]);

    // `deno task metric-index` backfills it: ended runs indexed, others listed; then the index.
    const done = await backfillMetricIndex(s.runs.db, exp);
    assert.deepEqual(done, { experimentId: exp, indexed: 3, unindexed: 2 });
    const keys = await scanKeys(port, tableName);
    assert.equal(keys.filter((k) => k.pk.startsWith("XM#")).length, 3);
    assert.equal(keys.filter((k) => k.pk.startsWith("XU#")).length, 2);
    const first = await searchRuns(s.runs, q(exp, "", ["metrics.m DESC"], "ACTIVE_ONLY", 3));
    assert.deepEqual(first.runs.map((r) => r.info.runId), [ids[4], ids[3], ids[2]]);
    assert.ok(first.next?.mx, "the index's token");
    const second = await searchRuns(s.runs, {
      ...q(exp, "", ["metrics.m DESC"], "ACTIVE_ONLY", 3),
      after: first.next!,
    });
    assert.deepEqual(second.runs.map((r) => r.info.runId), [ids[1], ids[0]]);
  } finally {
    await cleanup();
  }
});

async function scanKeys(
  port: Parameters<typeof meteringPort>[0],
  table: string,
): Promise<{ pk: string; sk: string }[]> {
  const out: { pk: string; sk: string }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await port.scan({
      TableName: table,
      ...(start ? { ExclusiveStartKey: start as never } : {}),
    });
    for (const i of res.Items ?? []) out.push({ pk: i.pk!.S!, sk: i.sk!.S! });
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

Deno.test("deno task metric-index: usage, bad flags, and a run over an embedded directory", async () => {
  const lines: string[] = [];
  assert.equal(await metricIndexMain(["--help"], {}, (l) => lines.push(l)), 0);
  assert.match(lines.join("\n"), /Usage: deno task metric-index/);
  assert.equal(await metricIndexMain(["--nope"], {}, (l) => lines.push(l)), 2);
  const dir = await Deno.makeTempDir();
  try {
    const out: string[] = [];
    const code = await metricIndexMain(
      ["--backend-store-uri", `embedded:${dir}/db`],
      {},
      (l) => out.push(l),
    );
    assert.equal(code, 0, out.join("\n"));
    assert.match(out.at(-1)!, /^Done\. \d+ experiments\.$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a hard delete (deno task gc) removes a run's metric-index items", async () => {
  const { port, tableName, cleanup } = await testBackends()[0]!.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const exp = await s.experiments.create({ name: "gc" });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = (await s.runs.create({ experimentId: exp })).info.runId;
      ids.push(id);
      await logBatch(s.runs, id, {
        metrics: [{ key: "m", value: i, timestamp: 1, step: 0 }, {
          key: "n",
          value: NaN,
          timestamp: 1,
          step: 0,
        }],
        params: [],
        tags: [],
      });
    }
    await s.runs.update(ids[0]!, { status: "FINISHED" }); // indexed; ids[1] stays unindexed
    const indexItems = async () =>
      (await scanKeys(port, tableName)).filter((k) => /^X[MU]#/.test(k.pk));
    assert.equal((await indexItems()).length, 3); // 2 entries (m, n) + 1 unindexed
    for (const id of ids) {
      await s.runs.delete(id);
      await hardDeleteRun(s.runs.db, id);
    }
    assert.deepEqual(await indexItems(), []);
  } finally {
    await cleanup();
  }
});

/** `port` with `before` run just before the first call that `match` picks once armed. */
function hookedPort(
  port: DynamoPort,
  match: (op: string, input: Record<string, unknown>) => boolean,
  before: () => Promise<void>,
): { port: DynamoPort; arm(): void } {
  let armed = false;
  return {
    arm: () => void (armed = true),
    port: new Proxy(port, {
      get(target, op, receiver) {
        const f = Reflect.get(target, op, receiver);
        if (typeof f !== "function") return f;
        return async (input: Record<string, unknown>) => {
          if (armed && match(String(op), input)) {
            armed = false;
            await before();
          }
          return await f.call(target, input);
        };
      },
    }),
  };
}

for (
  const [label, match] of [
    [
      "a group written between the end's read and its mark",
      (op: string, i: Record<string, unknown>) =>
        op === "updateItem" && String(i.UpdateExpression).startsWith("SET ix"),
    ],
    [
      "a new key set logged before the end's last step",
      (op: string, i: Record<string, unknown>) =>
        op === "deleteItem" && String(i.ConditionExpression).startsWith("gen"),
    ],
  ] as const
) {
  Deno.test(`a race with the end: ${label} stays visible to a metric order`, async () => {
    const { port, tableName, cleanup } = await testBackends()[0]!.makePort();
    try {
      const other = await createStores({ port, table: tableName }, "x:/");
      let runId = "";
      const writer = () =>
        logBatch(other.runs, runId, {
          metrics: [
            { key: "m", value: 100, timestamp: 9, step: 9 },
            ...(
              label.includes("new key set") ? [{ key: "k2", value: 1, timestamp: 9, step: 9 }] : []
            ),
          ],
          params: [],
          tags: [],
        });
      const hooked = hookedPort(meteringPort(port), match, writer);
      const s = await createStores({ port: hooked.port, table: tableName }, "mlflow-artifacts:/");
      const exp = await s.experiments.create({ name: "race" });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await s.runs.create({ experimentId: exp, startTime: i })).info.runId);
        await logBatch(s.runs, ids[i]!, {
          metrics: [{ key: "m", value: i, timestamp: 1, step: 0 }],
          params: [],
          tags: [],
        });
      }
      runId = ids[0]!;
      hooked.arm();
      await s.runs.update(runId, { status: "FINISHED" }); // the writer runs inside
      const res = await searchRuns(s.runs, q(exp, "", ["metrics.m DESC"], "ACTIVE_ONLY", 10));
      assert.deepEqual(res.runs.map((r) => r.info.runId), [ids[0], ids[2], ids[1]]);
      assert.equal(res.runs[0]!.metrics.find((m) => m.key === "m")!.value, 100);
    } finally {
      await cleanup();
    }
  });
}
