/**
 * `deno task gc` (`src/store/gc/`, `src/cli/gc_command.ts`): deleted runs, experiments and
 * logged models disappear with every item they own and their artifacts; active ones and their
 * artifacts stay; MLflow's refusals for ids that are not deleted or not old enough; dry run;
 * resumable after an interruption. On every test backend.
 */
import assert from "node:assert/strict";
import { ArtifactLocations } from "../../src/artifacts/locations.ts";
import { LocalArtifactStore } from "../../src/artifacts/local_store.ts";
import { queryAll } from "../../src/dynamo/batch.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { MlflowError } from "../../src/errors.ts";
import {
  experimentKey,
  loggedModelPartitionPk,
  metricHistoryPk,
  runPartitionPk,
} from "../../src/keys/key_schema.ts";
import type { Db } from "../../src/store/db.ts";
import { LoggedModelStore } from "../../src/store/logged_models/logged_model_store.ts";
import { parseOlderThan, planGc } from "../../src/store/gc/plan.ts";
import { runGc } from "../../src/store/gc/run_gc.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { compactRun } from "../../src/store/metrics/history_compaction.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { gcMain } from "../../src/cli/gc_command.ts";
import { openBackend } from "../../src/server/open_backend.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";

const count = async (db: Db, pk: string) =>
  (await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: pk } },
    ConsistentRead: true,
  })).length;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function seedRun(s: Stores, dir: string, experimentId: string) {
  const run = await s.runs.create({ experimentId });
  const id = run.info.runId;
  await logBatch(s.runs, id, {
    metrics: [1, 2, 3].map((step) => ({ key: "loss", value: step, timestamp: 1, step })),
    params: [{ key: "lr", value: "0.1" }],
    tags: [{ key: "t", value: "v" }],
  });
  // History in both forms: compacted per-key chunks and a raw chunk logged after them.
  await compactRun(s.db, id);
  await logBatch(s.runs, id, {
    metrics: [{ key: "loss", value: 4, timestamp: 2, step: 4 }],
    params: [],
    tags: [],
  });
  const artifactDir = `${dir}/${experimentId}/${id}/artifacts`;
  await Deno.mkdir(artifactDir, { recursive: true });
  await Deno.writeTextFile(`${artifactDir}/model.txt`, "x");
  return { id, artifactDir };
}

async function withWorld(
  backend: TestBackend,
  fn: (
    w: { db: Db; s: Stores; models: LoggedModelStore; dir: string; locs: ArtifactLocations },
  ) => Promise<void>,
) {
  const t = await backend.makePort();
  const dir = await Deno.makeTempDir();
  const db = { port: retryingPort(t.port), table: t.tableName };
  const locs = new ArtifactLocations(await LocalArtifactStore.open(dir));
  try {
    const s = await createStores(db, "mlflow-artifacts:/");
    await fn({ db, s, models: new LoggedModelStore(db, s.experiments), dir, locs });
  } finally {
    await locs.close();
    await t.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] gc hard-deletes deleted runs, experiments and logged models with their items and artifacts`, async () => {
    await withWorld(backend, async ({ db, s, models, dir, locs }) => {
      const keptExp = await s.experiments.create({ name: "kept" });
      const goneExp = await s.experiments.create({ name: "gone", tags: { a: "b" } });
      const kept = await seedRun(s, dir, keptExp);
      const deleted = await seedRun(s, dir, keptExp);
      const inGone = await seedRun(s, dir, goneExp);
      await s.runs.delete(deleted.id);
      const keptModel = await models.create({ experimentId: keptExp, name: "m1" });
      const deletedModel = await models.create({ experimentId: keptExp, name: "m2" });
      const goneModel = await models.create({ experimentId: goneExp, name: "m3" });
      await models.delete(deletedModel.modelId);
      await s.experiments.delete(goneExp);

      const dry = await planGc(db, { olderThanMs: 0 });
      assert.deepEqual(dry.runs.map((r) => r.id).sort(), [deleted.id, inGone.id].sort());
      assert.deepEqual(
        dry.loggedModels.map((m) => m.id).sort(),
        [deletedModel.modelId, goneModel.modelId].sort(),
      );
      assert.deepEqual(dry.experiments, [{ id: goneExp, name: "gone" }]);

      const lines: string[] = [];
      const done = await runGc(db, dry, {
        artifacts: locs,
        onProgress: (p) => lines.push(`${p.done}/${p.total}`),
      });
      assert.deepEqual(lines, ["1/5", "2/5", "3/5", "4/5", "5/5"]);
      assert.equal(done.runs, 2);
      assert.ok(done.items > 10, String(done.items));

      for (const r of [deleted, inGone]) {
        assert.equal(await count(db, runPartitionPk(r.id)), 0);
        assert.equal(await count(db, metricHistoryPk(r.id)), 0);
        assert.equal(await exists(r.artifactDir), false);
        await assert.rejects(
          s.runs.get(r.id),
          (e) => (e as MlflowError).code === "RESOURCE_DOES_NOT_EXIST",
        );
      }
      for (const m of [deletedModel, goneModel]) {
        assert.equal(await count(db, loggedModelPartitionPk(m.modelId)), 0);
      }
      assert.equal(await count(db, experimentKey(goneExp).pk), 0);
      await assert.rejects(s.experiments.get(goneExp));
      // the name is free again
      assert.ok(await s.experiments.create({ name: "gone" }));
      // what is active stays whole
      const run = await s.runs.get(kept.id);
      assert.deepEqual(run.params, { lr: "0.1" });
      assert.equal(run.metrics.length, 1);
      assert.equal(await exists(kept.artifactDir), true);
      assert.equal((await models.get(keptModel.modelId)).modelId, keptModel.modelId);
      assert.equal((await s.experiments.get(keptExp)).name, "kept");
      // nothing left: a second gc is a no-op
      const again = await planGc(db, { olderThanMs: 0 });
      assert.equal(again.runs.length + again.loggedModels.length + again.experiments.length, 0);
    });
  });

  Deno.test(`[${backend.name}] gc refuses given ids that are not deleted or not old enough, and honours --older-than`, async () => {
    await withWorld(backend, async ({ db, s, models }) => {
      const exp = await s.experiments.create({ name: "e" });
      const active = await s.runs.create({ experimentId: exp });
      const deleted = await s.runs.create({ experimentId: exp });
      await s.runs.delete(deleted.info.runId);
      await assert.rejects(
        planGc(db, { olderThanMs: 0, runIds: [active.info.runId] }),
        /Run .* is not in `deleted` lifecycle stage/,
      );
      await assert.rejects(
        planGc(db, { olderThanMs: 3_600_000, olderThan: "1h", runIds: [deleted.info.runId] }),
        (e) =>
          (e as MlflowError).code === "INVALID_PARAMETER_VALUE" &&
          /not older than the required age. Only runs older than 1h/.test((e as Error).message),
      );
      await assert.rejects(
        planGc(db, { olderThanMs: 0, experimentIds: [exp] }),
        /Experiments \['\d+'\] are not in the deleted lifecycle stage/,
      );
      const model = await models.create({ experimentId: exp });
      await assert.rejects(
        planGc(db, { olderThanMs: 0, loggedModelIds: [model.modelId] }),
        /is not in `deleted` lifecycle stage/,
      );
      await assert.rejects(planGc(db, { olderThanMs: 0, runIds: ["f".repeat(32)] }), /not found/);
      // a recent deletion is too young for --older-than 1h, old enough an hour later
      assert.equal((await planGc(db, { olderThanMs: 3_600_000, olderThan: "1h" })).runs.length, 0);
      const later = await planGc(db, {
        olderThanMs: 3_600_000,
        olderThan: "1h",
        now: Date.now() + 3_600_001,
      });
      assert.deepEqual(later.runs.map((r) => r.id), [deleted.info.runId]);
      // only the given run, though another deleted run exists
      const other = await s.runs.create({ experimentId: exp });
      await s.runs.delete(other.info.runId);
      const given = await planGc(db, { olderThanMs: 0, runIds: [deleted.info.runId] });
      assert.deepEqual(given.runs.map((r) => r.id), [deleted.info.runId]);
    });
  });

  Deno.test(`[${backend.name}] gc resumes after an interruption and leaves a run restored meanwhile alone`, async () => {
    await withWorld(backend, async ({ db, s, dir, locs }) => {
      const exp = await s.experiments.create({ name: "e" });
      const a = await seedRun(s, dir, exp);
      const b = await seedRun(s, dir, exp);
      await s.runs.delete(a.id);
      await s.runs.delete(b.id);
      const plan = await planGc(db, { olderThanMs: 0 });
      // interrupted: only the metric history of run a went
      const failing = { ...db, port: { ...db.port } };
      let calls = 0;
      failing.port.batchWriteItem = (input) => {
        if (++calls > 1) throw new Error("killed");
        return db.port.batchWriteItem(input);
      };
      await assert.rejects(runGc(failing, plan, { artifacts: locs }), /killed/);
      // b is restored before the next gc: its record and items must stay
      await s.runs.restore(b.id);
      const resumed = await planGc(db, { olderThanMs: 0 });
      assert.deepEqual(resumed.runs.map((r) => r.id), [a.id]);
      await runGc(db, resumed, { artifacts: locs });
      assert.equal(await count(db, runPartitionPk(a.id)), 0);
      assert.deepEqual((await s.runs.get(b.id)).params, { lr: "0.1" });
    });
  });
  Deno.test(`[${backend.name}] gc of given experiments: local and unsupported artifact roots, warnings do not stop it`, async () => {
    await withWorld(backend, async ({ db, s, models, dir, locs }) => {
      const localRoot = `${dir}/local-root`;
      const local = await s.experiments.create({ name: "local", artifactLocation: localRoot });
      const remote = await s.experiments.create({ name: "gs", artifactLocation: "gs://b/x" });
      const keep = await s.experiments.create({ name: "deleted-but-not-given" });
      const localRun = (await s.runs.create({ experimentId: local })).info;
      await Deno.mkdir(`${localRoot}/${localRun.runId}/artifacts`, { recursive: true });
      await Deno.writeTextFile(`${localRoot}/${localRun.runId}/artifacts/f`, "x");
      const remoteRun = (await s.runs.create({ experimentId: remote })).info;
      const model = await models.create({ experimentId: local });
      for (const e of [local, remote, keep]) await s.experiments.delete(e);
      const plan = await planGc(db, { olderThanMs: 0, experimentIds: [local, remote] });
      assert.deepEqual(plan.experiments.map((e) => e.id).sort(), [local, remote].sort());
      assert.deepEqual(plan.loggedModels.map((m) => m.id), [model.modelId]);
      const warnings: string[] = [];
      const done = await runGc(db, plan, { artifacts: locs, onWarning: (w) => warnings.push(w) });
      assert.equal(done.runs, 2);
      assert.equal(done.experiments, 2);
      assert.equal(await exists(`${localRoot}/${localRun.runId}/artifacts`), false);
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0]!, new RegExp(`run ${remoteRun.runId} at 'gs://b/x/`));
      await assert.rejects(s.runs.get(remoteRun.runId));
      assert.equal((await s.experiments.get(keep)).lifecycleStage, "deleted");
      await assert.rejects(
        planGc(db, { olderThanMs: 1000, olderThan: "1s", experimentIds: [keep] }),
        /Experiments \['\d+'\] are not older than the required age. Only experiments older than 1s/,
      );
      await assert.rejects(planGc(db, { olderThanMs: 0, experimentIds: ["999"] }), /No Experiment/);
    });
  });
}

Deno.test("parseOlderThan() reads mlflow gc's durations and refuses others", () => {
  assert.equal(parseOlderThan("30d"), 30 * 86_400_000);
  assert.equal(parseOlderThan("1d2h3m4s"), 86_400_000 + 7_200_000 + 180_000 + 4000);
  assert.equal(parseOlderThan("1.5h"), 5_400_000);
  assert.throws(
    () => parseOlderThan("3 weeks"),
    (e) =>
      (e as MlflowError).code === "INVALID_PARAMETER_VALUE" &&
      /Could not parse any time information from '3 weeks'/.test((e as Error).message),
  );
});

Deno.test("deno task gc: --dry-run lists and deletes nothing, then a real run deletes with a progress line", async () => {
  const dir = await Deno.makeTempDir();
  const uri = `embedded:${dir}/db`;
  try {
    let runId: string;
    {
      const b = await openBackend({ kind: "embedded", path: `${dir}/db`, tableName: "mlflow" });
      const s = await createStores(b.db, "mlflow-artifacts:/");
      const exp = await s.experiments.create({ name: "e" });
      runId = (await seedRun(s, `${dir}/artifacts`, exp)).id;
      await s.runs.delete(runId);
      await b.close();
    }
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      progress: (l: string) => err.push(l),
    };
    const args = ["--backend-store-uri", uri, "--artifacts-destination", `${dir}/artifacts`];
    assert.equal(await gcMain([...args, "--dry-run"], {}, io), 0);
    assert.ok(
      out.includes(`would delete run ${runId} (artifacts mlflow-artifacts:/1/${runId}/artifacts)`),
      out.join("\n"),
    );
    assert.match(out.at(-1)!, /^dry run: 1 runs, 0 logged models, 0 experiments would be deleted$/);
    assert.equal(await exists(`${dir}/artifacts/1/${runId}/artifacts/model.txt`), true);
    out.length = 0;
    assert.equal(await gcMain(args, {}, io), 0);
    assert.match(
      err.join("\n"),
      /^gc 1\/1: 1 runs, 0 logged models, 0 experiments, \d+ items deleted; [\d.]+s elapsed, ETA 0\.0s$/m,
    );
    assert.match(out.at(-1)!, /^Done\. gc 1\/1/);
    assert.equal(await exists(`${dir}/artifacts/1/${runId}/artifacts`), false);
    assert.equal(await gcMain(args, {}, io), 0);
    assert.equal(out.at(-1), "Nothing to delete.");
    assert.equal(await gcMain([...args, "--older-than", "soon"], {}, io), 2);
    assert.match(err.at(-1)!, /^Error: Could not parse any time information from 'soon'/);
    assert.equal(await gcMain(["--bogus"], {}, io), 2);
    assert.equal(
      await gcMain([...args, "--run-ids", "0123456789abcdef0123456789abcdef"], {}, io),
      1,
    );
    assert.match(err.at(-1)!, /^Error: Run with id=0123456789abcdef0123456789abcdef not found$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
