/**
 * The SearchRuns bound of docs/key-schema.md: 25,000 runs in one experiment, a page of 1,000 runs
 * with a metric filter and a metric order, then the next page; calls counted by the engine.
 */
import assert from "node:assert/strict";
import { createEngine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";
import { writeMetrics } from "../../src/store/runs/log_batch.ts";
import { searchRuns } from "../../src/store/runs/search_runs.ts";
import { createStores } from "../../src/store/stores.ts";

const RUNS = 25000;

function totalCalls(calls: Record<string, number>): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}

Deno.test("search over 25,000 runs with a metric filter and order makes a bounded number of calls", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "search");
    const s = await createStores({ port: engine, table: "search" }, "mlflow-artifacts:/");
    const exp = await s.experiments.create({ name: "big" });
    for (let i = 0; i < RUNS; i++) {
      const run = await s.runs.create({
        experimentId: exp,
        startTime: i,
        tags: { "mlflow.user": "u" },
      });
      await writeMetrics(s.db, run.info.runId, [{
        key: "acc",
        value: i / RUNS,
        timestamp: i,
        step: 0,
      }]);
    }
    const query = (predicates: string) => ({
      experimentIds: [exp],
      viewType: "ACTIVE_ONLY" as const,
      maxResults: 1000,
      ...compileRunSearch(predicates, ["metrics.acc DESC"]),
    });

    engine.stats.reset();
    const one = await searchRuns(s.runs, query("metrics.acc > 0.5"));
    const callsOne = totalCalls(engine.stats.calls);
    assert.equal(one.runs.length, 1000);
    assert.equal(one.runs[0]!.metrics[0]!.value, (RUNS - 1) / RUNS);
    assert.ok(one.hasMore);
    // 1 experiment BatchGet + gsi1 Queries over 4 shards + group BatchGets (100 keys each).
    const bound = 1 + 4 * 3 + Math.ceil(RUNS / 100);
    assert.ok(callsOne <= bound, `calls ${callsOne} > ${bound}`);

    engine.stats.reset();
    await searchRuns(
      s.runs,
      query(
        "metrics.acc > 0.5 AND tags.`mlflow.user` = 'u' AND attributes.status = 'RUNNING' AND params.x IS NULL",
      ),
    );
    assert.equal(totalCalls(engine.stats.calls), callsOne, "more predicates, same calls");

    engine.stats.reset();
    const plain = await searchRuns(s.runs, {
      experimentIds: [exp],
      viewType: "ACTIVE_ONLY",
      maxResults: 1000,
      ...compileRunSearch("", []),
    });
    assert.equal(plain.runs[0]!.info.startTime, RUNS - 1);
    const plainBound = 1 + 4 * 3 + 10;
    assert.ok(
      totalCalls(engine.stats.calls) <= plainBound,
      `calls ${totalCalls(engine.stats.calls)}`,
    );
  } finally {
    await engine.close();
  }
});
