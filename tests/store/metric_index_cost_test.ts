/**
 * The metric-ordered SearchRuns bound of docs/key-schema.md ("Metric-ordered SearchRuns"),
 * measured with `ReturnConsumedCapacity` (the metering port) on every backend:
 *
 * - a page of 1,000 with a metric filter and a metric order costs within 2× at 100,000 runs
 *   (on DynamoDB Local too) of the same page at 1,000 runs, in RCU and in calls, with 10 running (unindexed) runs in each experiment;
 * - the next page is the next 1,000 runs at ≤ 1.25× the cost (it does not re-read the first);
 *   an ascending order without a filter is bounded the same way;
 * - what the index costs the writers: CreateRun no more calls (one transaction) at 2× WCU, ending a 10-key run a
 *   handful of calls, and a steady-state log-batch still 2 calls and no read, also to a run
 *   logged to after its end.
 *
 * Ended runs are seeded by direct batch writes of what `RunStore.update` leaves (record, marked
 * group, index entry; `tests/support/run_seed.ts`), so 100,000 runs take well under a minute.
 */
import assert from "node:assert/strict";
import { meteringPort } from "../../src/dynamo/metering.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { metricIndexKey, unindexedRunKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { searchRuns } from "../../src/store/runs/search_runs.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";
import { measured, runQuery as query, seedRuns as seed } from "../support/run_seed.ts";

const RUNNING = 10;

/**
 * `n` ended runs (run i starts at i, `acc` = i / n) and {@link RUNNING} running ones (`acc` = -1,
 * in the unindexed set) in a new experiment.
 */
function seedRuns(port: DynamoPort, table: string, s: Stores, n: number): Promise<string> {
  return seed(port, table, s, `ix-big-${n}`, n + RUNNING, (i, runId, exp) => {
    const running = i >= n;
    const acc = running ? -1 : i / n;
    return {
      status: running ? "RUNNING" : "FINISHED",
      acc,
      group: { ver: { N: "2" }, ...(running ? {} : { ix: { S: exp } }) },
      extra: [
        running
          ? { ...rawKey(unindexedRunKey(exp, runId)), gen: { S: "g" } }
          : { ...rawKey(metricIndexKey(exp, "acc", acc, runId)), r: { S: runId } },
      ],
    };
  });
}

for (const backend of testBackends()) {
  const big = 100_000;
  Deno.test(`[${backend.name}] a metric-ordered page costs the same at 1,000 and ${big} runs`, async () => {
    const t = await backend.makePort();
    try {
      const port = meteringPort(t.port);
      const s = await createStores({ port, table: t.tableName }, "mlflow-artifacts:/");
      let started = Date.now();
      const small = await seedRuns(port, t.tableName, s, 1000);
      const large = await seedRuns(port, t.tableName, s, big);
      console.log(`${backend.name}: seeded in ${Date.now() - started} ms`);
      started = Date.now();
      const filter = "metrics.acc > 0.5";
      const order = ["metrics.acc DESC"];

      // The same page at 1,000 runs: every ended run matches (a page of 1,000, nothing more).
      const [p1, c1] = await measured(() =>
        searchRuns(s.runs, query(small, "metrics.acc >= 0", order))
      );
      assert.equal(p1.runs.length, 1000);
      assert.equal(p1.runs[0]!.info.startTime, 999);
      assert.equal(p1.hasMore, false);

      const [one, cost] = await measured(() => searchRuns(s.runs, query(large, filter, order)));
      assert.equal(one.runs.length, 1000);
      assert.equal(one.runs[0]!.info.startTime, big - 1);
      assert.equal(one.runs[999]!.info.startTime, big - 1000);
      assert.ok(one.hasMore && one.next?.mx);
      console.log(
        `${backend.name}: 1,000 runs ${c1.calls} calls ${c1.rcu} RCU; ` +
          `${big} runs ${cost.calls} calls ${cost.rcu} RCU (${Date.now() - started} ms)`,
      );
      assert.ok(cost.rcu <= 2 * c1.rcu, `RCU ${cost.rcu} > 2 × ${c1.rcu}`);
      assert.ok(cost.calls <= 2 * c1.calls, `calls ${cost.calls} > 2 × ${c1.calls}`);

      const [two, cost2] = await measured(() =>
        searchRuns(s.runs, { ...query(large, filter, order), after: one.next })
      );
      assert.equal(two.runs[0]!.info.startTime, big - 1001);
      assert.equal(two.runs[999]!.info.startTime, big - 2000);
      console.log(`${backend.name}: next page ${cost2.calls} calls ${cost2.rcu} RCU`);
      assert.ok(cost2.rcu <= 1.25 * cost.rcu, `second page RCU ${cost2.rcu} vs ${cost.rcu}`);
      assert.ok(cost2.calls <= 1.25 * cost.calls, `second page calls ${cost2.calls}`);

      // Ascending, no filter: the running runs (acc = -1) first, then the lowest values.
      const [asc, ascCost] = await measured(() =>
        searchRuns(s.runs, query(large, "", ["metrics.acc ASC"]))
      );
      assert.equal(asc.runs.length, 1000);
      assert.deepEqual(
        asc.runs.slice(RUNNING, RUNNING + 3).map((r) => r.info.startTime),
        [0, 1, 2],
      );
      console.log(`${backend.name}: ascending ${ascCost.calls} calls ${ascCost.rcu} RCU`);
      assert.ok(ascCost.rcu <= 2 * c1.rcu, `ascending RCU ${ascCost.rcu}`);
    } finally {
      await t.cleanup();
    }
  });
}

Deno.test("what the index costs writers: create 2 calls, an end a few, log-batch still 2 calls", async () => {
  const t = await testBackends()[0]!.makePort();
  try {
    const port = meteringPort(t.port);
    const s = await createStores({ port, table: t.tableName }, "mlflow-artifacts:/");
    const exp = await s.experiments.create({ name: "writers" });
    await s.runs.create({ experimentId: exp }); // warms the experiment cache, as a server is
    const [run, create] = await measured(() => s.runs.create({ experimentId: exp }));
    const runId = run.info.runId;
    console.log(`create: ${create.calls} calls ${create.rcu} RCU ${create.wcu} WCU`);
    // the experiment read, then one transaction: the record (with its gsi1 copy) and the
    // unindexed item, both at the transactional 2× (docs/key-schema.md, "Writes")
    assert.ok(create.calls <= 2, `create calls ${create.calls}`);
    assert.ok(create.wcu <= 6, `create WCU ${create.wcu}`);
    // ... and the transaction registered it: a metric order reads the running run whole.
    const registered = await port.getItem({
      TableName: t.tableName,
      Key: rawKey(unindexedRunKey(exp, runId)),
      ConsistentRead: true,
    });
    assert.ok(registered.Item?.gen?.S, "the new run is in the unindexed set");

    const ten = (step: number) =>
      Array.from({ length: 10 }, (_, i) => ({
        key: `m${i}`,
        value: step / 7,
        timestamp: 1700000000000,
        step,
      }));
    await logBatch(s.runs, runId, { metrics: ten(0), params: [], tags: [] });
    const [, end] = await measured(() => s.runs.update(runId, { status: "FINISHED" }));
    console.log(`end (10 keys): ${end.calls} calls ${end.rcu} RCU ${end.wcu} WCU`);
    // run + experiment reads, unindexed gen, record update, group BatchGet, entries BatchWrite,
    // group mark, the conditional delete of the unindexed item
    assert.ok(end.calls <= 9, `end calls ${end.calls}`);
    assert.ok(end.wcu <= 16, `end WCU ${end.wcu}`);

    // Logging after the end: the first call re-registers the run (cold), then 2 calls again.
    await logBatch(s.runs, runId, { metrics: ten(1), params: [], tags: [] });
    await new Promise((r) => setTimeout(r, 1100)); // the active-run cache expires
    await logBatch(s.runs, runId, { metrics: ten(2), params: [], tags: [] });
    for (let step = 3; step <= 5; step++) {
      const [, c] = await measured(() =>
        logBatch(s.runs, runId, { metrics: ten(step), params: [], tags: [] })
      );
      assert.ok(c.calls <= 2, `steady-state calls ${c.calls}`);
      assert.equal(c.rcu, 0);
      assert.ok(c.wcu / 10 <= 0.2, `WCU per point ${c.wcu / 10}`);
    }
    const res = await searchRuns(s.runs, query(exp, "", ["metrics.m3 DESC"]));
    assert.equal(res.runs[0]!.info.runId, runId);
    assert.equal(res.runs[0]!.metrics.find((m) => m.key === "m3")!.value, 5 / 7);
  } finally {
    await t.cleanup();
  }
});
