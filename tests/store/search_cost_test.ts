/**
 * The SearchRuns bound of docs/key-schema.md, measured with `ReturnConsumedCapacity` (the
 * metering port) on every backend:
 *
 * - a page of 1,000 with a metric filter in the default order costs the same at 1,000 runs and
 *   at 100,000 runs (on DynamoDB Local too), within 2×;
 * - the next page costs as much again (it does not re-read the first one) and returns the next
 *   runs; a filter with more predicates costs the same calls; a filter matching one run in ten
 *   walks ten times the runs but reads metric groups only of runs its other clauses match;
 * - a metric ORDER in an experiment without a complete metric index (older than it) reads the
 *   experiment (calls bounded by its size, asserted at 25,000 runs on the engine); with the
 *   index, see `metric_index_cost_test.ts`.
 *
 * Runs are seeded by direct batch writes of their record and metric-group items (the layout
 * `RunStore.create` and `writeLatest` write; `tests/support/run_seed.ts`), so 100,000 runs take
 * well under a minute.
 */
import assert from "node:assert/strict";
import { meteringPort } from "../../src/dynamo/metering.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { experimentKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { searchRuns } from "../../src/store/runs/search_runs.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";
import { measured, runQuery as query, seedRuns as seed } from "../support/run_seed.ts";

/** `n` running runs in a new experiment; run i has `acc` = i / n (the newest is highest). */
function seedRuns(port: DynamoPort, table: string, s: Stores, n: number): Promise<string> {
  return seed(port, table, s, `big-${n}`, n, (i) => ({
    status: "RUNNING",
    acc: i / n,
    group: { ver: { N: "1" } },
    extra: [],
  }));
}

for (const backend of testBackends()) {
  const big = 100_000;
  Deno.test(`[${backend.name}] a metric-filtered page costs the same at 1,000 and ${big} runs`, async () => {
    const t = await backend.makePort();
    try {
      const port = meteringPort(t.port);
      const s = await createStores({ port, table: t.tableName }, "mlflow-artifacts:/");
      let started = Date.now();
      const small = await seedRuns(port, t.tableName, s, 1000);
      const large = await seedRuns(port, t.tableName, s, big);
      console.log(`${backend.name}: seeded in ${Date.now() - started} ms`);
      started = Date.now();

      const [p1, c1] = await measured(() => searchRuns(s.runs, query(small, "metrics.acc > 0.5")));
      assert.equal(p1.runs.length, 499); // acc = 501/1000 … 999/1000
      assert.equal(p1.hasMore, false);

      const filter = "metrics.acc > 0.5";
      const [one, cost] = await measured(() => searchRuns(s.runs, query(large, filter)));
      assert.equal(one.runs.length, 1000);
      assert.equal(one.runs[0]!.info.startTime, big - 1);
      assert.equal(one.runs[999]!.info.startTime, big - 1000);
      assert.ok(one.hasMore && one.next);
      console.log(
        `${backend.name}: 1,000 runs ${c1.calls} calls ${c1.rcu} RCU; ` +
          `${big} runs ${cost.calls} calls ${cost.rcu} RCU (${Date.now() - started} ms)`,
      );
      assert.ok(cost.rcu <= 2 * c1.rcu, `RCU ${cost.rcu} > 2 × ${c1.rcu}`);
      assert.ok(cost.calls <= 2 * c1.calls, `calls ${cost.calls} > 2 × ${c1.calls}`);

      // The next page continues after the first: the next 1,000 runs, for about the same cost.
      const [two, cost2] = await measured(() =>
        searchRuns(s.runs, { ...query(large, filter), after: one.next })
      );
      assert.equal(two.runs[0]!.info.startTime, big - 1001);
      assert.equal(two.runs[999]!.info.startTime, big - 2000);
      assert.ok(cost2.rcu <= 1.25 * cost.rcu, `second page RCU ${cost2.rcu} vs ${cost.rcu}`);

      // More predicates, same calls.
      const [, more] = await measured(() =>
        searchRuns(
          s.runs,
          query(
            large,
            "metrics.acc > 0.5 AND tags.`mlflow.user` = 'u' AND attributes.status = 'RUNNING' AND params.x IS NULL",
          ),
        )
      );
      assert.equal(more.calls, cost.calls, "more predicates, same calls");

      // A filter matching one run in ten walks about ten pages' worth of runs, in a few rounds.
      const [sparse, sparseCost] = await measured(() =>
        searchRuns(s.runs, query(large, "metrics.acc > 0.5 AND attributes.run_name LIKE '%0'"))
      );
      let matches = 0;
      for (let i = 0; i < big; i++) if (i / big > 0.5 && i % 10 === 0) matches++;
      assert.equal(sparse.runs.length, Math.min(1000, matches));
      assert.ok(sparse.runs.every((r) => r.info.runName.endsWith("0")));
      // runs up to the page's last, or all of them when the page is not full
      const walked = sparse.hasMore ? big - sparse.runs.at(-1)!.info.startTime : big;
      console.log(
        `${backend.name}: 1-in-10 filter, ${walked} runs walked: ${sparseCost.calls} calls ${sparseCost.rcu} RCU`,
      );
      assert.ok(
        sparseCost.calls <= 1 + 4 * 4 + Math.ceil((1.2 * walked) / 100) + 2,
        `sparse calls ${sparseCost.calls} for ${walked} runs walked`,
      );
      // Runs failing the name clause are dropped before their metric groups are read.
      assert.ok(sparseCost.rcu <= 2.5 * c1.rcu, `sparse RCU ${sparseCost.rcu}`);

      // No filter at all: the page's records and groups only.
      const [plain, plainCost] = await measured(() => searchRuns(s.runs, query(large, "")));
      assert.equal(plain.runs[0]!.info.startTime, big - 1);
      assert.ok(plainCost.rcu <= 2 * c1.rcu, `plain RCU ${plainCost.rcu}`);
    } finally {
      await t.cleanup();
    }
  });
}

Deno.test("without a complete metric index a metric order reads the whole experiment (25,000 runs)", async () => {
  const t = await testBackends()[0]!.makePort();
  try {
    const port = meteringPort(t.port);
    const s = await createStores({ port, table: t.tableName }, "mlflow-artifacts:/");
    const runs = 25_000;
    const exp = await seedRuns(port, t.tableName, s, runs);
    // An experiment older than the metric index (no marker; see metric_index_cost_test.ts).
    await port.updateItem({
      TableName: t.tableName,
      Key: rawKey(experimentKey(exp)),
      UpdateExpression: "REMOVE mxi",
    });
    const [one, cost] = await measured(() =>
      searchRuns(s.runs, query(exp, "metrics.acc > 0.5", ["metrics.acc DESC"]))
    );
    assert.equal(one.runs.length, 1000);
    assert.equal(one.runs[0]!.metrics[0]!.value, (runs - 1) / runs);
    // 1 experiment BatchGet + gsi1 Queries over 4 shards + group BatchGets (100 keys each).
    const bound = 1 + 4 * 3 + Math.ceil(runs / 100);
    assert.ok(cost.calls <= bound, `calls ${cost.calls} > ${bound}`);
  } finally {
    await t.cleanup();
  }
});
