/**
 * The hot paths of CreateRun and of param batches (docs/key-schema.md, "CreateRun hot path"): in
 * steady state a new run is one DynamoDB call (the transaction writing the record and its
 * unindexed item) and a param batch two (the record's GetItem, the params' transaction), the
 * experiment read being trusted for `ACTIVE_EXPERIMENT_TTL_MS`; a delete through this process
 * refuses at once, one through another server within the TTL, and a missing experiment is
 * always read.
 */
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { ACTIVE_EXPERIMENT_TTL_MS } from "../../src/store/experiments/experiment_store.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { MlflowError } from "../../src/errors.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";

async function setup(): Promise<{ engine: Engine; s: Stores }> {
  const engine = createEngine();
  await ensureTable(engine, "cost");
  return { engine, s: await createStores({ port: engine, table: "cost" }, "mlflow-artifacts:/") };
}

const calls = (engine: Engine) => ({ ...engine.stats.calls });
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

Deno.test("a steady-state CreateRun makes one DynamoDB call (its transaction) and reads nothing", async () => {
  const { engine, s } = await setup();
  try {
    const exp = await s.experiments.create({ name: "e" });
    const first = await s.runs.create({ experimentId: exp });
    assert.equal(first.info.artifactUri, `mlflow-artifacts:/${exp}/${first.info.runId}/artifacts`);
    for (let i = 0; i < 5; i++) {
      engine.stats.reset();
      const run = await s.runs.create({ experimentId: exp, runName: `r${i}` });
      assert.equal(total(calls(engine)), 1, JSON.stringify(calls(engine)));
      assert.equal(engine.stats.calls.transactWriteItems, 1);
      assert.equal(engine.stats.readUnits, 0);
      assert.equal(run.info.experimentId, exp);
      assert.equal(run.info.lifecycleStage, "active");
      assert.equal(run.info.artifactUri, `mlflow-artifacts:/${exp}/${run.info.runId}/artifacts`);
      assert.equal((await s.runs.get(run.info.runId)).info.runName, `r${i}`);
    }
  } finally {
    await engine.close();
  }
});

Deno.test("CreateRun in an experiment deleted through this server is refused at once, restored accepted", async () => {
  const { engine, s } = await setup();
  try {
    const exp = await s.experiments.create({ name: "e" });
    await s.runs.create({ experimentId: exp });
    await s.experiments.delete(exp);
    await assert.rejects(s.runs.create({ experimentId: exp }), (e: unknown) => {
      assert.ok(e instanceof MlflowError);
      assert.equal(e.code, "INVALID_PARAMETER_VALUE");
      assert.equal(
        e.message,
        `The experiment ${exp} must be in the 'active' state. Current state is deleted.`,
      );
      return true;
    });
    await s.experiments.restore(exp);
    assert.equal((await s.runs.create({ experimentId: exp })).info.experimentId, exp);
  } finally {
    await engine.close();
  }
});

Deno.test("CreateRun in a missing experiment is a 404 every time (absence is never cached)", async () => {
  const { engine, s } = await setup();
  try {
    for (let i = 0; i < 2; i++) {
      await assert.rejects(s.runs.create({ experimentId: "424242" }), (e: unknown) => {
        assert.ok(e instanceof MlflowError);
        assert.equal(e.code, "RESOURCE_DOES_NOT_EXIST");
        return true;
      });
    }
  } finally {
    await engine.close();
  }
});

Deno.test("CreateRun in an experiment deleted by another server is refused after the TTL", async () => {
  const { engine, s } = await setup();
  try {
    const other = await createStores(
      { port: retryingPort(engine), table: "cost" },
      "mlflow-artifacts:/",
    );
    const exp = await s.experiments.create({ name: "e" });
    await s.runs.create({ experimentId: exp });
    await other.experiments.delete(exp);
    await new Promise((r) => setTimeout(r, ACTIVE_EXPERIMENT_TTL_MS + 50));
    await assert.rejects(s.runs.create({ experimentId: exp }), /must be in the 'active' state/);
  } finally {
    await engine.close();
  }
});

const params = (seq: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `p${seq}_${i}`, value: `v${seq}_${i}` }));

Deno.test("a steady-state param batch makes two DynamoDB calls: the record read, the params' transaction", async () => {
  const { engine, s } = await setup();
  try {
    const exp = await s.experiments.create({ name: "e" });
    const runId = (await s.runs.create({ experimentId: exp })).info.runId;
    for (let seq = 0; seq < 5; seq++) {
      engine.stats.reset();
      await logBatch(s.runs, runId, { metrics: [], params: params(seq, 100), tags: [] });
      assert.deepEqual(calls(engine), { getItem: 1, transactWriteItems: 1 });
    }
    assert.equal(Object.keys((await s.runs.get(runId)).params).length, 500);
  } finally {
    await engine.close();
  }
});

Deno.test("a param batch to a run of an experiment deleted through this server is refused at once", async () => {
  const { engine, s } = await setup();
  try {
    const exp = await s.experiments.create({ name: "e" });
    const runId = (await s.runs.create({ experimentId: exp })).info.runId;
    await logBatch(s.runs, runId, { metrics: [], params: params(0, 2), tags: [] });
    await s.experiments.delete(exp);
    await assert.rejects(
      logBatch(s.runs, runId, { metrics: [], params: params(1, 2), tags: [] }),
      /The run [0-9a-f]+ must be in the 'active' state. Current state is deleted./,
    );
    await s.experiments.restore(exp);
    await logBatch(s.runs, runId, { metrics: [], params: params(2, 2), tags: [] });
    assert.deepEqual(Object.keys((await s.runs.get(runId)).params).sort(), [
      "p0_0",
      "p0_1",
      "p2_0",
      "p2_1",
    ]);
  } finally {
    await engine.close();
  }
});
