/**
 * A log call that fails or is interrupted at any of its writes (issue #8, item 6) must not leave
 * a run that reads differently through GetRun and SearchRuns; the client's retry completes it.
 * The engine's port is wrapped so that the n-th write of one call fails, for every n.
 */
import assert from "node:assert/strict";
import { createEngine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";
import { metricGroupId, metricGroupKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { encodePoints } from "../../src/store/metrics/point_codec.ts";
import { logBatch, type LogBatchInput } from "../../src/store/runs/log_batch.ts";
import { searchRuns } from "../../src/store/runs/search_runs.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { Run } from "../../src/store/entities.ts";
import { crashAtEachWrite, crashingPort } from "../support/crash_faults.ts";

function view(run: Run) {
  return {
    metrics: Object.fromEntries(run.metrics.map((m) => [m.key, m.value])),
    params: run.params,
    tags: Object.fromEntries(Object.entries(run.tags).filter(([k]) => k !== "mlflow.runName")),
    datasets: run.datasetInputs.map((d) => [d.dataset.name, d.dataset.schema?.length]),
    modelInputs: run.modelInputs,
    modelOutputs: run.modelOutputs,
  };
}

async function viaSearch(s: Stores, runId: string, filter: string): Promise<Run | undefined> {
  const res = await searchRuns(s.runs, {
    experimentIds: ["0"],
    viewType: "ALL",
    maxResults: 100,
    ...compileRunSearch(filter, []),
  });
  return res.runs.find((r) => r.info.runId === runId);
}

async function assertSameThroughBothRoutes(s: Stores, runId: string, label: string) {
  const got = view(await s.runs.get(runId));
  const found = await viaSearch(s, runId, "");
  assert.deepEqual(view(found!), got, `${label}: GetRun and SearchRuns differ`);
  for (const key of Object.keys(got.metrics)) {
    const hit = await viaSearch(s, runId, `metrics.\`${key}\` >= -1e308`);
    assert.ok(hit, `${label}: metric ${key} shown by GetRun but a metric filter misses the run`);
  }
  for (const key of Object.keys(got.params)) {
    assert.ok(await viaSearch(s, runId, `params.\`${key}\` = '${got.params[key]}'`), label);
  }
}

const batch = (n: number): LogBatchInput => ({
  metrics: [{ key: `m${n}`, value: n, timestamp: 1, step: 0 }, {
    key: "shared",
    value: n,
    timestamp: n,
    step: n,
  }],
  params: [{ key: `p${n}`, value: "a" }, { key: `q${n}`, value: "b".repeat(600) }],
  tags: [{ key: `t${n}`, value: "c".repeat(700) }, { key: `u${n}`, value: "d" }],
});

Deno.test("a log-batch that fails at any of its writes reads the same through GetRun and SearchRuns; a retry completes it", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "faults");
    const crash = crashingPort(engine);
    const s = await createStores({ port: crash.port, table: "faults" }, "mlflow-artifacts:/");
    const runId = (await s.runs.create({})).info.runId;
    const positions = await crashAtEachWrite(crash, {
      operation: (n) => logBatch(s.runs, runId, batch(n)),
      afterCrash: async (n) => {
        await assertSameThroughBothRoutes(s, runId, `crash at write ${n}`);
        await logBatch(s.runs, runId, batch(n));
        await assertSameThroughBothRoutes(s, runId, `retry after crash at write ${n}`);
        const run = await s.runs.get(runId);
        assert.equal(run.params[`q${n}`], "b".repeat(600));
        assert.equal(run.tags[`t${n}`], "c".repeat(700));
        assert.equal(run.metrics.find((m) => m.key === `m${n}`)?.value, n);
      },
    });
    assert.ok(positions.length >= 5, `only ${positions.length} write positions`);
  } finally {
    await engine.close();
  }
});

Deno.test("a metric group written but never registered (an older version's crash) heals on the next log call", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "heal");
    const s = await createStores({ port: engine, table: "heal" }, "mlflow-artifacts:/");
    const runId = (await s.runs.create({})).info.runId;
    const point = { key: "acc", value: 0.5, timestamp: 1, step: 0 };
    await engine.putItem({
      TableName: "heal",
      Item: {
        ...rawKey(metricGroupKey(runId, metricGroupId(["acc"]))),
        v: { S: encodePoints([point]) },
        ver: { N: "1" },
      },
    });
    await logBatch(s.runs, runId, {
      metrics: [{ ...point, value: 0.9, timestamp: 2, step: 1 }],
      params: [],
      tags: [],
    });
    assert.equal((await s.runs.get(runId)).metrics[0]!.value, 0.9);
    const hit = await viaSearch(s, runId, "metrics.acc > 0");
    assert.equal(hit?.metrics[0]?.value, 0.9);
  } finally {
    await engine.close();
  }
});

Deno.test("log-model, log-inputs (a split dataset) and log-outputs that fail at any write read the same through both routes", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "faults2");
    const crash = crashingPort(engine);
    const s = await createStores({ port: crash.port, table: "faults2" }, "mlflow-artifacts:/");
    const runId = (await s.runs.create({})).info.runId;
    const calls: [string, (n: number) => Promise<void>][] = [
      [
        "log-model",
        (n) => s.runs.appendLoggedModel(runId, { artifact_path: `m${n}`, pad: "x".repeat(900) }),
      ],
      ["log-inputs", (n) =>
        s.runs.logInputs(runId, [{
          dataset: {
            name: `ds${n}`,
            digest: `d${n}`,
            sourceType: "local",
            source: "{}",
            schema: `${n}`.repeat(400_000),
          },
          tags: [],
        }], [{ modelId: `in${n}` }])],
      ["log-outputs", (n) => s.runs.logOutputs(runId, [{ modelId: `out${n}`, step: n }])],
    ];
    const positions: Record<string, number> = {};
    for (const [name, call] of calls) {
      const crashed = await crashAtEachWrite(crash, {
        operation: call,
        afterCrash: async (n) => {
          await assertSameThroughBothRoutes(s, runId, `${name}: crash at write ${n}`);
          await call(n);
          await assertSameThroughBothRoutes(s, runId, `${name}: retry after crash at write ${n}`);
        },
      });
      if (crashed.length > 0) positions[name] = crashed.at(-1)!;
    }
    console.log("write positions failed per call:", positions);
    assert.ok(
      positions["log-model"]! >= 2 && positions["log-inputs"]! >= 3,
      JSON.stringify(positions),
    );
    const run = await s.runs.get(runId);
    const history = JSON.parse(run.tags["mlflow.log-model.history"]!) as unknown[];
    assert.ok(history.length >= 2);
    assert.ok(run.datasetInputs.every((d) => d.dataset.schema!.length === 400_000));
  } finally {
    await engine.close();
  }
});
