/**
 * Logged models (MLflow 3): store behaviour on every test backend. The HTTP routes are in
 * `logged_models_routes_test.ts`.
 */
import assert from "node:assert/strict";
import {
  appendModelVersionTag,
  MODEL_VERSIONS_TAG,
} from "../../src/store/logged_models/model_version_tag.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { testBackends } from "../support/backends.ts";
import { type Ctx, rejectsWith, search, sleep, withCtx } from "../support/logged_models_ctx.ts";

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] logged models: ${name}`, () => withCtx(backend, fn));

  t(
    "create sets id, pending status, artifact location, random name, params and tags",
    async (c) => {
      const exp = await c.s.experiments.create({ name: "e" });
      const m = await c.lm.create({
        experimentId: exp,
        params: [{ key: "alpha", value: "0.5" }],
        tags: [{ key: "t", value: "v" }],
      });
      assert.match(m.modelId, /^m-[0-9a-f]{32}$/);
      assert.equal(m.status, "LOGGED_MODEL_PENDING");
      assert.equal(m.artifactLocation, `mlflow-artifacts:/${exp}/models/${m.modelId}/artifacts`);
      assert.match(m.name, /^[a-z]+-[a-z]+-\d+$/);
      assert.equal(m.modelType, "");
      assert.equal(m.sourceRunId, "");
      const got = await c.lm.get(m.modelId);
      assert.deepEqual(got.params, { alpha: "0.5" });
      assert.deepEqual(got.tags, { t: "v" });
      assert.equal(got.creationTimestamp, got.lastUpdatedTimestamp);
      assert.deepEqual(got.metrics, []);
      const named = await c.lm.create({
        experimentId: exp,
        name: "my_model",
        modelType: "LLM",
        sourceRunId: "123",
      });
      assert.equal(named.name, "my_model");
      assert.equal((await c.lm.get(named.modelId)).modelType, "LLM");
    },
  );

  t("create validates the name and needs an existing, active experiment", async (c) => {
    await assert.rejects(
      c.lm.create({ experimentId: "0", name: "a/b" }),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Invalid model name \('a\/b'\) provided/),
    );
    await assert.rejects(
      c.lm.create({ experimentId: "42" }),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    const exp = await c.s.experiments.create({ name: "gone" });
    await c.s.experiments.delete(exp);
    await assert.rejects(
      c.lm.create({ experimentId: exp }),
      rejectsWith("INVALID_PARAMETER_VALUE", /must be in the 'active' state/),
    );
  });

  t("get of an unknown id is 404 with MLflow's message", async (c) => {
    await assert.rejects(
      c.lm.get("m-nope"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Logged model with ID 'm-nope' not found\.$/),
    );
  });

  t("delete is soft: hidden from get and search unless allow_deleted", async (c) => {
    const m = await c.lm.create({ experimentId: "0" });
    await c.lm.delete(m.modelId);
    await assert.rejects(c.lm.get(m.modelId), rejectsWith("RESOURCE_DOES_NOT_EXIST", /not found/));
    const deleted = await c.lm.get(m.modelId, true);
    assert.equal(deleted.lifecycleStage, "deleted");
    assert.equal((await search(c, {})).models.length, 0);
    await assert.rejects(c.lm.delete("m-nope"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
  });

  t("finalize sets the status and bumps the update time", async (c) => {
    const m = await c.lm.create({ experimentId: "0" });
    await sleep(3);
    const ready = await c.lm.finalize(m.modelId, "LOGGED_MODEL_READY");
    assert.equal(ready.status, "LOGGED_MODEL_READY");
    assert.ok(ready.lastUpdatedTimestamp > m.lastUpdatedTimestamp);
    const failed = await c.lm.finalize(m.modelId, "LOGGED_MODEL_UPLOAD_FAILED");
    assert.equal(failed.status, "LOGGED_MODEL_UPLOAD_FAILED");
    await assert.rejects(
      c.lm.finalize("m-nope", "LOGGED_MODEL_READY"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
  });

  t("tags upsert; deleting a missing tag is 404 'No tag with key'", async (c) => {
    const m = await c.lm.create({ experimentId: "0" });
    await c.lm.setTags(m.modelId, [{ key: "tag1", value: "value1" }, {
      key: "tag2",
      value: "value2",
    }]);
    await c.lm.setTags(m.modelId, [{ key: "tag1", value: "value3" }]);
    assert.deepEqual((await c.lm.get(m.modelId)).tags, { tag1: "value3", tag2: "value2" });
    await c.lm.deleteTag(m.modelId, "tag1");
    assert.deepEqual((await c.lm.get(m.modelId)).tags, { tag2: "value2" });
    await assert.rejects(
      c.lm.deleteTag(m.modelId, "tag1"),
      rejectsWith(
        "RESOURCE_DOES_NOT_EXIST",
        new RegExp(`^No tag with key 'tag1' found for model with ID '${m.modelId}'\\.$`),
      ),
    );
    await assert.rejects(
      c.lm.deleteTag("m-nope", "x"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /Logged model/),
    );
    await assert.rejects(
      c.lm.setTags("m-nope", [{ key: "a", value: "b" }]),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
  });

  t("params: logging the same value again is fine, a new value is 400", async (c) => {
    const m = await c.lm.create({ experimentId: "0", params: [{ key: "a", value: "1" }] });
    await c.lm.logParams(m.modelId, [{ key: "a", value: "1" }, { key: "b", value: "2" }]);
    assert.deepEqual((await c.lm.get(m.modelId)).params, { a: "1", b: "2" });
    await assert.rejects(
      c.lm.logParams(m.modelId, [{ key: "b", value: "3" }]),
      rejectsWith("INVALID_PARAMETER_VALUE", /Changing param values is not allowed/),
    );
    await assert.rejects(
      c.lm.logParams("m-nope", [{ key: "a", value: "1" }]),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
  });

  t("metrics logged with model_id appear in data.metrics, with run and dataset", async (c) => {
    const m = await c.lm.create({ experimentId: "0" });
    const run = await c.s.runs.create({ experimentId: "0" });
    const runId = run.info.runId;
    await logBatch(c.s.runs, runId, {
      metrics: [
        {
          key: "acc",
          value: 0.9,
          timestamp: 10,
          step: 0,
          modelId: m.modelId,
          datasetName: "ds",
          datasetDigest: "123",
        },
        { key: "loss", value: 0.1, timestamp: 10, step: 0 },
      ],
      params: [],
      tags: [],
    });
    await logBatch(c.s.runs, runId, {
      metrics: [
        { key: "acc", value: 0.95, timestamp: 20, step: 1, modelId: m.modelId },
        // Same key, timestamp, step and run as the first point: MLflow keeps one row.
        {
          key: "acc",
          value: 0.9,
          timestamp: 10,
          step: 0,
          modelId: m.modelId,
          datasetName: "ds",
          datasetDigest: "123",
        },
      ],
      params: [],
      tags: [],
    });
    const got = await c.lm.get(m.modelId);
    assert.deepEqual(got.metrics, [
      {
        key: "acc",
        value: 0.9,
        timestamp: 10,
        step: 0,
        modelId: m.modelId,
        datasetName: "ds",
        datasetDigest: "123",
        runId,
      },
      { key: "acc", value: 0.95, timestamp: 20, step: 1, modelId: m.modelId, runId },
    ]);
    // The run still has its own latest metrics, model points included.
    const r = await c.s.runs.get(runId);
    assert.deepEqual(r.metrics.map((x) => [x.key, x.value]).sort(), [["acc", 0.95], ["loss", 0.1]]);
  });

  t("a batch without model_id makes no logged-model request", async (c) => {
    const run = await c.s.runs.create({ experimentId: "0" });
    const batch = {
      metrics: [{ key: "loss", value: 1, timestamp: 1, step: 0 }],
      params: [],
      tags: [],
    };
    await logBatch(c.s.runs, run.info.runId, batch); // registers the group
    c.calls.clear();
    await logBatch(c.s.runs, run.info.runId, {
      ...batch,
      metrics: [{ ...batch.metrics[0]!, step: 1 }],
    });
    const plain = new Map(c.calls);
    const m = await c.lm.create({ experimentId: "0" });
    c.calls.clear();
    await logBatch(c.s.runs, run.info.runId, {
      ...batch,
      metrics: [{ ...batch.metrics[0]!, step: 2, modelId: m.modelId }],
    });
    assert.equal(c.calls.get("putItem") ?? 0, (plain.get("putItem") ?? 0) + 1, "one put per model");
    for (const op of ["getItem", "updateItem", "query", "transactWriteItems"]) {
      assert.equal(c.calls.get(op) ?? 0, plain.get(op) ?? 0, op);
    }
  });

  t("search: newest first, pages with validated tokens", async (c) => {
    const m1 = await c.lm.create({ experimentId: "0" });
    await sleep(3);
    const m2 = await c.lm.create({ experimentId: "0" });
    await sleep(3);
    const m3 = await c.lm.create({ experimentId: "0" });
    const all = await search(c, {});
    assert.deepEqual(all.models.map((m) => m.modelId), [m3.modelId, m2.modelId, m1.modelId]);
    assert.equal(all.nextPageToken, undefined);
    const p1 = await search(c, { maxResults: 2 });
    assert.deepEqual(p1.models.map((m) => m.modelId), [m3.modelId, m2.modelId]);
    assert.ok(p1.nextPageToken);
    const p2 = await search(c, { maxResults: 2, pageToken: p1.nextPageToken });
    assert.deepEqual(p2.models.map((m) => m.modelId), [m1.modelId]);
    assert.equal(p2.nextPageToken, undefined);
    // Exactly full last page: no token.
    assert.equal((await search(c, { maxResults: 3 })).nextPageToken, undefined);
    await assert.rejects(
      search(c, { pageToken: "invalid_token" }),
      rejectsWith("INVALID_PARAMETER_VALUE"),
    );
    await assert.rejects(
      search(c, { maxResults: 2, pageToken: p1.nextPageToken, filterText: "name = 'x'" }),
      rejectsWith("INVALID_PARAMETER_VALUE"),
    );
    const asc = await search(c, {
      orderBy: [{ fieldName: "creation_timestamp", ascending: true }],
    });
    assert.deepEqual(asc.models.map((m) => m.modelId), [m1.modelId, m2.modelId, m3.modelId]);
    await assert.rejects(
      search(c, { orderBy: [{ fieldName: "bogus" }] }),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Invalid order by field name: bogus$/),
    );
    await assert.rejects(
      search(c, { orderBy: [{ fieldName: "params.x" }] }),
      rejectsWith("INVALID_PARAMETER_VALUE", /Only metrics are supported/),
    );
  });

  t(
    "search: filters on attributes, tags, params and metrics; datasets; metric order",
    async (c) => {
      const exp = await c.s.experiments.create({ name: "search" });
      const run = await c.s.runs.create({ experimentId: exp });
      const a = await c.lm.create({
        experimentId: exp,
        name: "alpha",
        modelType: "Classifier",
        sourceRunId: run.info.runId,
        params: [{ key: "lr", value: "0.1" }],
        tags: [{ key: "team", value: "red" }],
      });
      await sleep(3);
      const b = await c.lm.create({
        experimentId: exp,
        name: "beta",
        tags: [{ key: "team", value: "blue" }],
      });
      await sleep(3);
      await c.lm.create({ experimentId: exp, name: "gamma" });
      const log = (modelId: string, value: number, ts: number, datasetName?: string) =>
        logBatch(c.s.runs, run.info.runId, {
          metrics: [{
            key: "acc",
            value,
            timestamp: ts,
            step: 0,
            modelId,
            ...(datasetName ? { datasetName } : {}),
          }],
          params: [],
          tags: [],
        });
      await log(a.modelId, 0.5, 1, "train");
      await log(a.modelId, 0.7, 2, "test");
      await log(b.modelId, 0.9, 1, "train");
      await c.lm.finalize(b.modelId, "LOGGED_MODEL_READY");
      const ids = async (input: Parameters<typeof search>[1]) =>
        (await search(c, { experimentIds: [exp], ...input })).models.map((m) => m.name);

      assert.deepEqual(await ids({ filterText: "name = 'alpha'" }), ["alpha"]);
      assert.deepEqual(await ids({ filterText: "name LIKE '%a'" }), ["gamma", "beta", "alpha"]);
      assert.deepEqual(await ids({ filterText: "name ILIKE 'AL%'" }), ["alpha"]);
      assert.deepEqual(await ids({ filterText: "name LIKE 'AL%'" }), []);
      assert.deepEqual(await ids({ filterText: "name IN ('beta', 'gamma')" }), ["gamma", "beta"]);
      assert.deepEqual(await ids({ filterText: `source_run_id = '${run.info.runId}'` }), ["alpha"]);
      assert.deepEqual(await ids({ filterText: "model_type = 'Classifier'" }), ["alpha"]);
      assert.deepEqual(await ids({ filterText: "status = 'LOGGED_MODEL_READY'" }), ["beta"]);
      assert.deepEqual(await ids({ filterText: "tags.team = 'red'" }), ["alpha"]);
      assert.deepEqual(await ids({ filterText: "tags.team != 'red'" }), ["beta"]);
      assert.deepEqual(await ids({ filterText: "params.lr = '0.1'" }), ["alpha"]);
      assert.deepEqual(await ids({ filterText: "metrics.acc > 0.6" }), ["beta", "alpha"]);
      assert.deepEqual(await ids({ filterText: "metrics.acc > 0.6 AND name = 'alpha'" }), [
        "alpha",
      ]);
      assert.deepEqual(await ids({ filterText: `creation_timestamp >= ${b.creationTimestamp}` }), [
        "gamma",
        "beta",
      ]);
      // Metric comparisons only see points on the requested datasets.
      assert.deepEqual(
        await ids({ filterText: "metrics.acc > 0.6", datasets: [{ datasetName: "train" }] }),
        ["beta"],
      );
      // datasets alone: models with any point on them.
      assert.deepEqual(await ids({ datasets: [{ datasetName: "test" }] }), ["alpha"]);
      // Ordering by a metric uses the latest point; models without it sort last either way.
      assert.deepEqual(await ids({ orderBy: [{ fieldName: "metrics.acc", ascending: true }] }), [
        "alpha",
        "beta",
        "gamma",
      ]);
      assert.deepEqual(await ids({ orderBy: [{ fieldName: "metrics.acc", ascending: false }] }), [
        "beta",
        "alpha",
        "gamma",
      ]);
      assert.deepEqual(
        await ids({
          orderBy: [{ fieldName: "metrics.acc", ascending: false, datasetName: "train" }],
        }),
        ["beta", "alpha", "gamma"],
      );
      assert.deepEqual(
        await ids({
          orderBy: [{ fieldName: "metrics.acc", ascending: true, datasetName: "train" }],
        }),
        ["alpha", "beta", "gamma"],
      );
      assert.deepEqual(await ids({ orderBy: [{ fieldName: "name", ascending: false }] }), [
        "gamma",
        "beta",
        "alpha",
      ]);
      // Several experiments at once.
      const other = await c.lm.create({ experimentId: "0", name: "zeta" });
      const both = await search(c, { experimentIds: [exp, "0"] });
      assert.equal(both.models[0]!.modelId, other.modelId);
      assert.equal(both.models.length, 4);
      await assert.rejects(
        search(c, { experimentIds: [exp], filterText: "foo.bar = 'x'" }),
        rejectsWith("INVALID_PARAMETER_VALUE"),
      );
      await assert.rejects(
        search(c, { experimentIds: [exp], datasets: [{ datasetName: "" }] }),
        rejectsWith("INVALID_PARAMETER_VALUE", /dataset_name/),
      );
    },
  );

  t("mlflow.modelVersions tag is Python json.dumps, appended once per version", async (c) => {
    const m = await c.lm.create({ experimentId: "0" });
    await appendModelVersionTag(c.s.db, m.modelId, "model", 1);
    assert.equal(
      (await c.lm.get(m.modelId)).tags[MODEL_VERSIONS_TAG],
      '[{"name": "model", "version": 1}]',
    );
    await appendModelVersionTag(c.s.db, m.modelId, "model", 1);
    await appendModelVersionTag(c.s.db, m.modelId, "other", 2);
    assert.equal(
      (await c.lm.get(m.modelId)).tags[MODEL_VERSIONS_TAG],
      '[{"name": "model", "version": 1}, {"name": "other", "version": 2}]',
    );
    const n = await c.lm.create({ experimentId: "0" });
    await Promise.all([1, 2, 3, 4, 5].map((v) => appendModelVersionTag(c.s.db, n.modelId, "m", v)));
    const versions = JSON.parse((await c.lm.get(n.modelId)).tags[MODEL_VERSIONS_TAG]!) as {
      version: number;
    }[];
    assert.deepEqual(versions.map((v) => v.version).sort(), [1, 2, 3, 4, 5]);
    await c.lm.delete(n.modelId);
    await assert.rejects(
      appendModelVersionTag(c.s.db, n.modelId, "m", 6),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    await assert.rejects(
      appendModelVersionTag(c.s.db, "m-nope", "m", 1),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
  });
}
