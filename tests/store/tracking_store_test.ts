/**
 * Store behaviour of experiments and runs, on every test backend (engine, DynamoDB Local).
 */
import assert from "node:assert/strict";
import { MlflowError } from "../../src/errors.ts";
import { readHistory } from "../../src/store/metrics/metric_history.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { testBackends } from "../support/backends.ts";

function code(e: unknown): string | undefined {
  return e instanceof MlflowError ? e.code : undefined;
}

async function withStores(
  makePort: () => ReturnType<ReturnType<typeof testBackends>[number]["makePort"]>,
  fn: (s: Stores) => Promise<void>,
): Promise<void> {
  const { port, tableName, cleanup } = await makePort();
  try {
    await fn(
      await createStores({ port: retryingPort(port), table: tableName }, "mlflow-artifacts:/"),
    );
  } finally {
    await cleanup();
  }
}

for (const backend of testBackends()) {
  const t = (name: string, fn: (s: Stores) => Promise<void>) =>
    Deno.test(`[${backend.name}] ${name}`, () => withStores(backend.makePort, fn));

  t("default experiment 0 named Default exists", async (s) => {
    const e = await s.experiments.get("0");
    assert.equal(e.name, "Default");
    assert.equal(e.artifactLocation, "mlflow-artifacts:/0");
  });

  t("50 concurrent creates of one name: exactly one wins, no orphan guard", async (s) => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => s.experiments.create({ name: "same" })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    assert.equal(ok.length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.equal(code(r.reason), "RESOURCE_ALREADY_EXISTS");
    }
    const e = await s.experiments.getByName("same");
    assert.equal(e.experimentId, (ok[0] as PromiseFulfilledResult<string>).value);
  });

  t("names stay reserved while deleted; rename frees the old name", async (s) => {
    const id = await s.experiments.create({ name: "a" });
    await s.experiments.delete(id);
    await assert.rejects(
      s.experiments.create({ name: "a" }),
      (e) => code(e) === "RESOURCE_ALREADY_EXISTS",
    );
    await s.experiments.restore(id);
    await s.experiments.rename(id, "b");
    assert.equal((await s.experiments.get(id)).name, "b");
    await assert.rejects(
      s.experiments.getByName("a"),
      (e) => code(e) === "RESOURCE_DOES_NOT_EXIST",
    );
    assert.ok(await s.experiments.create({ name: "a" }));
  });

  t("deleting an experiment deletes its runs; restoring restores all of them", async (s) => {
    const id = await s.experiments.create({ name: "cascade" });
    const r1 = await s.runs.create({ experimentId: id });
    const r2 = await s.runs.create({ experimentId: id });
    await s.runs.delete(r2.info.runId);
    await s.experiments.delete(id);
    assert.equal((await s.runs.get(r1.info.runId)).info.lifecycleStage, "deleted");
    await assert.rejects(
      s.runs.setTag(r1.info.runId, "k", "v"),
      (e) => code(e) === "INVALID_PARAMETER_VALUE",
    );
    await s.experiments.restore(id);
    assert.equal((await s.runs.get(r1.info.runId)).info.lifecycleStage, "active");
    assert.equal((await s.runs.get(r2.info.runId)).info.lifecycleStage, "active");
  });

  t("params are immutable; a rejected batch writes nothing", async (s) => {
    const run = await s.runs.create({});
    const id = run.info.runId;
    await logBatch(s.runs, id, { metrics: [], params: [{ key: "p", value: "1" }], tags: [] });
    await logBatch(s.runs, id, { metrics: [], params: [{ key: "p", value: "1" }], tags: [] });
    await assert.rejects(
      logBatch(s.runs, id, {
        metrics: [{ key: "m", value: 1, timestamp: 1, step: 0 }],
        params: [{ key: "p", value: "2" }, { key: "q", value: "x" }],
        tags: [{ key: "t", value: "x" }],
      }),
      (e) =>
        code(e) === "INVALID_PARAMETER_VALUE" && /Changing param values/.test((e as Error).message),
    );
    const after = await s.runs.get(id);
    assert.deepEqual(after.params, { p: "1" });
    assert.equal(after.tags.t, undefined);
    assert.equal(after.metrics.length, 0);
  });

  t("latest metric is max by step, timestamp, value, whatever the arrival order", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    const points = [
      { key: "k", value: 3, timestamp: 10, step: 2 },
      { key: "k", value: 1, timestamp: 50, step: 1 },
      { key: "k", value: 5, timestamp: 10, step: 2 },
    ];
    for (const p of points.reverse()) {
      await logBatch(s.runs, id, { metrics: [p], params: [], tags: [] });
    }
    await logBatch(s.runs, id, {
      metrics: [{ key: "k", value: 9, timestamp: 99, step: 1 }, {
        key: "j",
        value: 0,
        timestamp: 1,
        step: 0,
      }],
      params: [],
      tags: [],
    });
    const run = await s.runs.get(id);
    assert.deepEqual(run.metrics.find((m) => m.key === "k"), {
      key: "k",
      value: 5,
      timestamp: 10,
      step: 2,
    });
  });

  t("20 concurrent writers to one run lose no point and get the right latest value", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    await Promise.all(Array.from({ length: 20 }, (_, w) =>
      (async () => {
        for (let step = 0; step < 5; step++) {
          await logBatch(s.runs, id, {
            metrics: [{
              key: "loss",
              value: w * 100 + step,
              timestamp: 1000 + step,
              step: step * 20 + w,
            }],
            params: [],
            tags: [],
          });
        }
      })()));
    const history = await readHistory(s.db, id, "loss", Infinity);
    assert.equal(history.metrics.length, 100);
    const latest = (await s.runs.get(id)).metrics.find((m) => m.key === "loss")!;
    assert.equal(latest.step, 4 * 20 + 19);
    assert.equal(latest.value, 19 * 100 + 4);
  });

  t("history pages follow a cursor and return every point once", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    for (let b = 0; b < 5; b++) {
      const metrics = Array.from(
        { length: 7 },
        (_, i) => ({ key: "h", value: b * 7 + i, timestamp: b * 7 + i, step: b * 7 + i }),
      );
      await logBatch(s.runs, id, { metrics, params: [], tags: [] });
    }
    const seen: number[] = [];
    let cursor;
    do {
      const page: Awaited<ReturnType<typeof readHistory>> = await readHistory(
        s.db,
        id,
        "h",
        4,
        cursor,
      );
      assert.ok(page.metrics.length <= 4);
      seen.push(...page.metrics.map((m) => m.value));
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(seen, Array.from({ length: 35 }, (_, i) => i));
  });
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] 300 params of 6000 characters fit one run and stay immutable`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores(
        { port: retryingPort(port), table: tableName },
        "mlflow-artifacts:/",
      );
      const id = (await s.runs.create({})).info.runId;
      for (let b = 0; b < 3; b++) {
        const params = Array.from(
          { length: 100 },
          (_, i) => ({ key: `p${b * 100 + i}`, value: `${i}`.repeat(6000).slice(0, 6000) }),
        );
        await logBatch(s.runs, id, {
          metrics: [],
          params,
          tags: [{ key: `t${b}`, value: "x".repeat(8000) }],
        });
      }
      const run = await s.runs.get(id);
      assert.equal(Object.keys(run.params).length, 300);
      assert.equal(run.params.p250, "50".repeat(3000));
      assert.equal(run.tags.t2, "x".repeat(8000));
      await assert.rejects(
        logBatch(s.runs, id, {
          metrics: [],
          params: [{ key: "p1", value: "y".repeat(7000) }],
          tags: [],
        }),
        (e) => code(e) === "INVALID_PARAMETER_VALUE",
      );
      await logBatch(s.runs, id, {
        metrics: [],
        params: [{ key: "p1", value: "1".repeat(6000) }],
        tags: [],
      });
    } finally {
      await cleanup();
    }
  });
}
