/**
 * Workspaces at the store level, on every backend: the workspace store (CRUD, RESTRICT delete),
 * experiments and registered models scoped by the request's workspace (same names in two
 * workspaces, nothing of one visible from another), and data written without workspaces reading
 * as `default` with exactly today's keys (no migration).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  experimentNameKey,
  registeredModelNameKey,
  registeredModelsGsi1Pk,
} from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { withWorkspace } from "../../src/util/workspace_context.ts";
import { searchExperiments } from "../../src/store/experiments/search_experiments.ts";
import { DatasetStore } from "../../src/store/datasets/dataset_store.ts";
import { testBackends } from "../support/backends.ts";
import { rejectsWith, searchModels, searchVersions, withCtx } from "../support/registry_ctx.ts";

const all = { viewType: "ALL" as const, maxResults: 100, predicate: () => true, compare: () => 0 };

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] workspace store: create, get, list, update, RESTRICT delete`, async () => {
    await withCtx(backend, async ({ s }) => {
      const ws = s.workspaces;
      assert.deepEqual(await ws.list(), [
        { name: "default", description: "Default workspace for legacy resources" },
      ]);
      await ws.create({ name: "team-b", description: "B" });
      await ws.create({ name: "team-a" });
      await assert.rejects(
        () => ws.create({ name: "team-a" }),
        rejectsWith("RESOURCE_ALREADY_EXISTS"),
      );
      await assert.rejects(
        () => ws.create({ name: "Bad_Name" }),
        rejectsWith("INVALID_PARAMETER_VALUE"),
      );
      assert.deepEqual((await ws.list()).map((w) => w.name), ["default", "team-a", "team-b"]);
      assert.deepEqual(await ws.get("team-b"), { name: "team-b", description: "B" });
      await assert.rejects(
        () => ws.get("team-z"),
        rejectsWith("RESOURCE_DOES_NOT_EXIST", /'team-z' not found/),
      );

      const updated = await ws.update("default", { description: "Everyone" });
      assert.deepEqual(updated, { name: "default", description: "Everyone" });
      assert.equal((await ws.list())[0]!.description, "Everyone");
      await assert.rejects(
        () => ws.update("team-z", { description: "x" }),
        rejectsWith("RESOURCE_DOES_NOT_EXIST"),
      );

      await withWorkspace("team-a", () => s.experiments.create({ name: "in-a" }));
      await assert.rejects(() => ws.delete("team-a"), rejectsWith("INVALID_STATE", /experiments/));
      await assert.rejects(() => ws.delete("default"), rejectsWith("INVALID_STATE"));
      await ws.delete("team-b");
      await assert.rejects(() => ws.get("team-b"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
      await assert.rejects(() => ws.delete("team-b"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    });
  });

  Deno.test(`[${backend.name}] experiments: same name in two workspaces, nothing visible across`, async () => {
    await withCtx(backend, async ({ s }) => {
      const e = s.experiments;
      await s.workspaces.create({ name: "team-a" });
      // Written without workspaces: today's keys, read as `default`.
      const legacy = await e.create({ name: "shared" });
      const { Item } = await s.db.port.getItem({
        TableName: s.db.table,
        Key: rawKey({ pk: "EXPNAME#shared", sk: "EXPNAME" }),
      });
      assert.equal(Item?.experiment_id?.S, legacy);
      assert.deepEqual(experimentNameKey("shared"), { pk: "EXPNAME#shared", sk: "EXPNAME" });
      assert.equal(
        (await withWorkspace("default", () => e.getByName("shared"))).experimentId,
        legacy,
      );

      const inA = await withWorkspace("team-a", () => e.create({ name: "shared" }));
      assert.notEqual(inA, legacy);
      const a = await withWorkspace("team-a", () => e.get(inA));
      assert.equal(a.workspace, "team-a");
      assert.equal(a.artifactLocation, `mlflow-artifacts:/workspaces/team-a/${inA}`);
      assert.equal((await withWorkspace("team-a", () => e.getByName("shared"))).experimentId, inA);
      await assert.rejects(
        () => withWorkspace("team-a", () => e.create({ name: "shared" })),
        rejectsWith("RESOURCE_ALREADY_EXISTS"),
      );

      // Another workspace's experiment does not exist from here, for reads and writes.
      await assert.rejects(() => e.get(inA), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
      await assert.rejects(
        () => withWorkspace("team-b", () => e.get(legacy)),
        rejectsWith("RESOURCE_DOES_NOT_EXIST"),
      );
      await assert.rejects(() => e.setTag(inA, "k", "v"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
      await assert.rejects(() => e.delete(inA), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
      await assert.rejects(() => e.rename(inA, "taken"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
      assert.equal((await e.findInAnyWorkspace(inA))?.workspace, "team-a");
      // A run is reachable only from its experiment's workspace, whatever path reads it.
      const run = await withWorkspace("team-a", () => s.runs.create({ experimentId: inA }));
      const runId = run.info.runId;
      assert.equal((await withWorkspace("team-a", () => s.runs.get(runId))).info.runId, runId);
      await assert.rejects(() => s.runs.get(runId), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
      await assert.rejects(() => s.runs.load(runId), rejectsWith("RESOURCE_DOES_NOT_EXIST"));

      // Tags, rename, delete and restore inside the workspace.
      await withWorkspace("team-a", async () => {
        await e.setTag(inA, "k", "v");
        await e.rename(inA, "renamed");
        await e.delete(inA);
        await e.restore(inA);
        const back = await e.get(inA);
        assert.equal(back.name, "renamed");
        assert.deepEqual(back.tags, { k: "v" });
      });
      await assert.rejects(
        () => withWorkspace("team-a", () => e.getByName("shared")),
        rejectsWith("RESOURCE_DOES_NOT_EXIST"),
      );
      // The old name is free again in team-a only; default still holds its own.
      assert.equal((await e.getByName("shared")).experimentId, legacy);

      const inDefault = (await searchExperiments(s.db, all)).experiments.map((x) => x.experimentId);
      assert.ok(inDefault.includes(legacy) && inDefault.includes("0") && !inDefault.includes(inA));
      const listedA = await withWorkspace("team-a", () => searchExperiments(s.db, all));
      assert.deepEqual(listedA.experiments.map((x) => x.experimentId), [inA]);
      assert.deepEqual(listedA.experiments[0]!.tags, { k: "v" });
    });
  });

  Deno.test(`[${backend.name}] registered models: one name space per workspace`, async () => {
    await withCtx(backend, async ({ r }) => {
      await r.createRegisteredModel({ name: "m", description: "default" });
      await withWorkspace("team-a", () => r.createRegisteredModel({ name: "m", description: "a" }));
      await withWorkspace("team-a", () => r.createRegisteredModel({ name: "only-a" }));
      assert.deepEqual(registeredModelNameKey("m"), { pk: "RMNAME#m", sk: "RMNAME" });
      assert.notEqual(registeredModelNameKey("m", "team-a").pk, registeredModelNameKey("m").pk);
      assert.equal(registeredModelsGsi1Pk(), "RMS");

      assert.equal((await r.getRegisteredModel("m")).description, "default");
      assert.equal(
        (await withWorkspace("team-a", () => r.getRegisteredModel("m"))).description,
        "a",
      );
      await assert.rejects(
        () => r.getRegisteredModel("only-a"),
        rejectsWith("RESOURCE_DOES_NOT_EXIST"),
      );
      await assert.rejects(
        () => r.deleteRegisteredModel("only-a"),
        rejectsWith("RESOURCE_DOES_NOT_EXIST"),
      );

      await withWorkspace("team-a", () => r.createModelVersion({ name: "m", source: "s3://b/a" }));
      await r.createModelVersion({ name: "m", source: "s3://b/d" });
      await r.createModelVersion({ name: "m", source: "s3://b/d2" });
      assert.deepEqual((await searchModels(r)).items.map((m) => m.name), ["m"]);
      assert.deepEqual(
        (await withWorkspace("team-a", () => searchModels(r))).items.map((m) => m.name),
        ["m", "only-a"],
      );
      assert.deepEqual((await searchVersions(r)).items.map((v) => v.source).sort(), [
        "s3://b/d",
        "s3://b/d2",
      ]);
      assert.deepEqual(
        (await withWorkspace("team-a", () => searchVersions(r))).items.map((v) => v.source),
        ["s3://b/a"],
      );

      await withWorkspace("team-a", () => r.renameRegisteredModel("m", "m2"));
      assert.equal((await r.getRegisteredModel("m")).description, "default");
      assert.equal(
        (await withWorkspace("team-a", () => r.getRegisteredModel("m2"))).description,
        "a",
      );
    });
  });

  Deno.test(`[${backend.name}] SET_DEFAULT delete moves a workspace's resources to default, refusing name clashes`, async () => {
    await withCtx(backend, async ({ s, r }) => {
      const e = s.experiments;
      const datasets = new DatasetStore(s.db, e);
      await s.workspaces.create({ name: "team-c" });
      await s.workspaces.create({ name: "team-d" });
      const moved = await withWorkspace("team-c", async () => {
        const id = await e.create({ name: "moved", tags: { k: "v" } });
        await r.createRegisteredModel({ name: "moved-model" });
        await datasets.create("moved-ds", undefined, [id]);
        return id;
      });
      await e.create({ name: "clash" });
      await withWorkspace("team-d", () => e.create({ name: "clash" }));

      await assert.rejects(
        () => s.workspaces.delete("team-d", "SET_DEFAULT"),
        rejectsWith("INVALID_STATE", /experiments: 'clash'/),
      );
      assert.equal((await s.workspaces.get("team-d")).name, "team-d");

      await s.workspaces.delete("team-c", "SET_DEFAULT");
      await assert.rejects(
        () => s.workspaces.get("team-c"),
        rejectsWith("RESOURCE_DOES_NOT_EXIST"),
      );
      const back = await e.getByName("moved");
      assert.equal(back.experimentId, moved);
      assert.equal(back.workspace, undefined);
      assert.deepEqual(back.tags, { k: "v" });
      const listed = (await searchExperiments(s.db, all)).experiments.find((x) =>
        x.experimentId === moved
      );
      assert.deepEqual(listed?.tags, { k: "v" });
      assert.equal((await r.getRegisteredModel("moved-model")).name, "moved-model");
      assert.deepEqual((await searchModels(r)).items.map((m) => m.name), ["moved-model"]);
      assert.deepEqual(
        (await datasets.search({})).datasets.map((d) => d.name),
        ["moved-ds"],
      );
      // The name is free again in the (now gone) workspace's place: a new team-c starts empty.
      await s.workspaces.create({ name: "team-c" });
      assert.deepEqual(
        (await withWorkspace("team-c", () => searchExperiments(s.db, all))).experiments,
        [],
      );
    });
  });
}
