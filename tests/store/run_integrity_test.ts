/**
 * Data integrity of a run (issue #8, items 4, 5, 7, 8, 9, 11): what is written reads back whole,
 * through `GetRun` and through `SearchRuns`, on every test backend.
 */
import assert from "node:assert/strict";
import { MlflowError } from "../../src/errors.ts";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { LOG_MODEL_HISTORY_TAG } from "../../src/store/runs/run_store.ts";
import { searchRuns } from "../../src/store/runs/search_runs.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { DatasetInput, Run } from "../../src/store/entities.ts";
import { testBackends } from "../support/backends.ts";
import { runKey } from "../../src/keys/key_schema.ts";
import { rawKey, toItem } from "../../src/store/db.ts";
import { inlineValue, writeValueItems } from "../../src/store/runs/long_values.ts";

function code(e: unknown): string | undefined {
  return e instanceof MlflowError ? e.code : undefined;
}

async function searchOne(s: Stores, runId: string, filter = ""): Promise<Run | undefined> {
  const res = await searchRuns(s.runs, {
    experimentIds: ["0"],
    viewType: "ALL",
    maxResults: 1000,
    ...compileRunSearch(filter, []),
  });
  return res.runs.find((r) => r.info.runId === runId);
}

/** A sklearn-like model dict as `mlflow.log_model` sends it (≈ 470 characters). */
function modelDict(i: number) {
  return {
    artifact_path: `model_${i}`,
    run_id: "r",
    utc_time_created: `2026-01-01 00:00:${String(i).padStart(2, "0")}.000000`,
    model_uuid: crypto.randomUUID().replaceAll("-", ""),
    mlflow_version: "3.17.2",
    flavors: {
      python_function: {
        model_path: "model.pkl",
        predict_fn: "predict",
        loader_module: "mlflow.sklearn",
        python_version: "3.11.9",
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
      },
      sklearn: {
        pickled_model: "model.pkl",
        sklearn_version: "1.5.0",
        serialization_format: "cloudpickle",
        code: null,
      },
    },
  };
}

function dataset(name: string, schema = "{}"): DatasetInput {
  return {
    dataset: { name, digest: `d-${name}`.slice(0, 36), sourceType: "local", source: "{}", schema },
    tags: [{ key: "mlflow.data.context", value: "training" }],
  };
}

for (const backend of testBackends()) {
  const t = (name: string, fn: (s: Stores) => Promise<void>) =>
    Deno.test(`[${backend.name}] ${name}`, async () => {
      const { port, tableName, cleanup } = await backend.makePort();
      try {
        await fn(
          await createStores({ port: retryingPort(port), table: tableName }, "mlflow-artifacts:/"),
        );
      } finally {
        await cleanup();
      }
    });

  t("300 params of 6,000 distinct characters (over 1 MB) read back whole", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    const value = (n: number) => `${n}-`.repeat(3000).slice(0, 6000);
    for (let b = 0; b < 3; b++) {
      const params = Array.from({ length: 100 }, (_, i) => ({
        key: `p${b * 100 + i}`,
        value: value(b * 100 + i),
      }));
      await logBatch(s.runs, id, { metrics: [], params, tags: [] });
    }
    const run = await s.runs.get(id);
    assert.equal(Object.keys(run.params).length, 300);
    for (let n = 0; n < 300; n++) assert.equal(run.params[`p${n}`], value(n), `p${n}`);
    const found = await searchOne(s, id);
    assert.equal(Object.keys(found!.params).length, 300);
    assert.equal(found!.params.p299, value(299));
    await assert.rejects(
      logBatch(s.runs, id, { metrics: [], params: [{ key: "p7", value: value(8) }], tags: [] }),
      (e) => code(e) === "INVALID_PARAMETER_VALUE",
    );
  });

  t("a batch with one conflicting param writes none of its params and names the key", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    await logBatch(s.runs, id, {
      metrics: [],
      params: [{ key: "a", value: "1" }, { key: "b", value: "2" }],
      tags: [],
    });
    await assert.rejects(
      logBatch(s.runs, id, {
        metrics: [],
        params: [{ key: "c", value: "3" }, { key: "a", value: "1" }, { key: "b", value: "9" }],
        tags: [{ key: "t", value: "x" }],
      }),
      (e) =>
        code(e) === "INVALID_PARAMETER_VALUE" &&
        (e as Error).message ===
          `Changing param values is not allowed. Param with key='b' was already logged with value='2' for run ID='${id}'. Attempted logging new value '9'.`,
    );
    const run = await s.runs.get(id);
    assert.deepEqual(run.params, { a: "1", b: "2" });
    assert.equal(run.tags.t, undefined);
  });

  t(
    "a param or tag value that starts with the long-value marker reads back as written",
    async (s) => {
      const id = (await s.runs.create({})).info.runId;
      const tricky = "\u0000ov:0123456789abcdef0123456789abcdef01234567";
      await logBatch(s.runs, id, {
        metrics: [],
        params: [{ key: "p", value: tricky }],
        tags: [{ key: "t", value: tricky }, { key: "u", value: "\u0000" }],
      });
      await s.runs.setTag(id, "v", `${tricky}x`);
      for (const run of [await s.runs.get(id), await searchOne(s, id)]) {
        assert.equal(run!.params.p, tricky);
        assert.equal(run!.tags.t, tricky);
        assert.equal(run!.tags.u, "\u0000");
        assert.equal(run!.tags.v, `${tricky}x`);
      }
    },
  );

  t("30 log-model calls keep the whole history as valid JSON", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    for (let i = 0; i < 30; i++) await s.runs.appendLoggedModel(id, modelDict(i));
    for (const run of [await s.runs.get(id), await searchOne(s, id)]) {
      const history = JSON.parse(run!.tags[LOG_MODEL_HISTORY_TAG]!) as { artifact_path: string }[];
      assert.equal(history.length, 30);
      assert.deepEqual(
        history.map((m) => m.artifact_path),
        Array.from({ length: 30 }, (_, i) => `model_${i}`),
      );
    }
  });

  t("20 concurrent log-model, log-inputs and log-outputs calls lose nothing", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      Promise.all([
        s.runs.appendLoggedModel(id, modelDict(i)),
        s.runs.logInputs(id, [dataset(`ds${i}`)], [{ modelId: `m-in-${i}` }]),
        s.runs.logOutputs(id, [{ modelId: `m-out-${i}`, step: i }]),
      ])));
    for (const run of [await s.runs.get(id), await searchOne(s, id)]) {
      const history = JSON.parse(run!.tags[LOG_MODEL_HISTORY_TAG]!) as { artifact_path: string }[];
      assert.equal(new Set(history.map((m) => m.artifact_path)).size, 20);
      assert.equal(history.length, 20);
      assert.equal(run!.datasetInputs.length, 20);
      assert.equal(new Set(run!.datasetInputs.map((d) => d.dataset.name)).size, 20);
      assert.equal(run!.modelInputs.length, 20);
      assert.equal(run!.modelOutputs.length, 20);
    }
  });

  t("a dataset is linked once: the first input wins, as in MLflow", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    await s.runs.logInputs(id, [dataset("a")], []);
    const again = dataset("a");
    again.tags = [{ key: "mlflow.data.context", value: "eval" }];
    await s.runs.logInputs(id, [again, dataset("b")], [{ modelId: "m" }]);
    await s.runs.logInputs(id, [], [{ modelId: "m" }]);
    const run = await s.runs.get(id);
    assert.deepEqual(run.datasetInputs.map((d) => [d.dataset.name, d.tags[0]!.value]), [
      ["a", "training"],
      ["b", "training"],
    ]);
    assert.deepEqual(run.modelInputs, [{ modelId: "m" }]);
    const found = await searchOne(s, id, "datasets.name = 'b'");
    assert.ok(found, "a dataset filter finds the run");
  });

  t(
    "dataset inputs MLflow accepts are stored whole; over MLflow's limits is a clear 400",
    async (s) => {
      const id = (await s.runs.create({})).info.runId;
      const big = (n: number) => `${n}`.repeat(1_000_000).slice(0, 1_048_575);
      // 3 schemas of 1 MB each: 3 MB of inputs on one run, far over one 400 KB item.
      for (let i = 0; i < 3; i++) await s.runs.logInputs(id, [dataset(`big${i}`, big(i))], []);
      await logBatch(s.runs, id, { metrics: [], params: [{ key: "p", value: "1" }], tags: [] });
      await s.runs.setTag(id, "after", "x");
      for (const run of [await s.runs.get(id), await searchOne(s, id)]) {
        assert.equal(run!.datasetInputs.length, 3);
        for (let i = 0; i < 3; i++) {
          const d = run!.datasetInputs.find((x) => x.dataset.name === `big${i}`)!;
          assert.equal(d.dataset.schema, big(i));
        }
        assert.equal(run!.tags.after, "x");
      }
      await assert.rejects(
        s.runs.logInputs(id, [dataset("huge", "x".repeat(1_048_576))], []),
        (e) =>
          code(e) === "INVALID_PARAMETER_VALUE" &&
          (e as Error).message === "'schema' exceeds the maximum length of 1048575 characters",
      );
      await assert.rejects(
        s.runs.logInputs(id, [dataset("n".repeat(501))], []),
        (e) => code(e) === "INVALID_PARAMETER_VALUE",
      );
      assert.equal((await s.runs.get(id)).datasetInputs.length, 3);
    },
  );
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] a run written by the previous layout (params and inputs on the record) reads and checks the same`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      const id = (await s.runs.create({})).info.runId;
      const long = "L".repeat(700);
      const { inline, item } = inlineValue(id, long);
      await writeValueItems(s.db, [item!]);
      // What commit 6a8d938 stored: params, inputs and outputs inside the record.
      await port.updateItem({
        TableName: tableName,
        Key: rawKey(runKey(id)),
        UpdateExpression: "SET params = :p, dataset_inputs = :d, model_outputs = :o, pver = :v",
        ExpressionAttributeValues: toItem({
          ":p": { old: "1", oldlong: inline },
          ":d": [dataset("legacy")],
          ":o": [{ modelId: "m0", step: 0 }],
          ":v": 1,
        }),
      });
      await logBatch(s.runs, id, {
        metrics: [],
        params: [{ key: "old", value: "1" }, { key: "new", value: "2" }],
        tags: [],
      });
      await assert.rejects(
        logBatch(s.runs, id, { metrics: [], params: [{ key: "oldlong", value: "x" }], tags: [] }),
        (e) =>
          code(e) === "INVALID_PARAMETER_VALUE" &&
          (e as Error).message.includes(`already logged with value='${long}'`),
      );
      await s.runs.logInputs(id, [dataset("legacy"), dataset("fresh")], []);
      await s.runs.logOutputs(id, [{ modelId: "m0", step: 0 }, { modelId: "m1", step: 1 }]);
      for (
        const run of [await s.runs.get(id), await searchOne(s, id, "params.oldlong LIKE 'L%'")]
      ) {
        assert.deepEqual(run!.params, { old: "1", oldlong: long, new: "2" });
        assert.deepEqual(run!.datasetInputs.map((d) => d.dataset.name), ["legacy", "fresh"]);
        assert.deepEqual(run!.modelOutputs, [{ modelId: "m0", step: 0 }, {
          modelId: "m1",
          step: 1,
        }]);
      }
    } finally {
      await cleanup();
    }
  });
}
