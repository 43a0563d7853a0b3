/**
 * Model registry, model versions: store behaviour on every test backend (atomic version numbers,
 * stages, soft delete, aliases, download URIs and search).
 */
import { type Ctx, rejectsWith, searchVersions, withCtx } from "../support/registry_ctx.ts";
import assert from "node:assert/strict";
import { rawKey } from "../../src/store/db.ts";
import { modelVersionKey } from "../../src/keys/key_schema.ts";
import { RegistryStore, type SearchCursor } from "../../src/store/registry/registry_store.ts";
import { testBackends } from "../support/backends.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROMPT = { key: "mlflow.prompt.is_prompt", value: "true" };

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] registry: ${name}`, () => withCtx(backend, fn));

  t("20 concurrent version creates get versions 1..20", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    const created = await Promise.all(
      Array.from({ length: 20 }, () => r.createModelVersion({ name: "m", source: "s3://b/m" })),
    );
    assert.deepEqual(
      created.map((v) => v.version).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const all = await searchVersions(r, "name = 'm'");
    assert.equal(all.items.length, 20);
    const rm = await r.getRegisteredModel("m");
    assert.deepEqual(rm.latestVersions.map((v) => [v.currentStage, v.version]), [["None", 20]]);
  });

  t("create version: defaults, tags, 404 for an unknown model", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    const before = (await r.getRegisteredModel("m")).lastUpdatedTimestamp;
    await sleep(3);
    const mv = await r.createModelVersion({
      name: "m",
      source: "s3://b/m",
      runId: "abc",
      tags: [{ key: "t", value: "1" }],
      runLink: "",
      description: "",
    });
    assert.equal(mv.version, 1);
    assert.equal(mv.currentStage, "None");
    assert.equal(mv.status, "READY");
    assert.equal(mv.description, "");
    assert.deepEqual(mv.aliases, []);
    const got = await r.getModelVersion("m", "1");
    assert.deepEqual(got.tags, { t: "1" });
    assert.equal(got.runId, "abc");
    assert.equal(got.creationTimestamp, got.lastUpdatedTimestamp);
    const rm = await r.getRegisteredModel("m");
    assert.ok(rm.lastUpdatedTimestamp > before, "creating a version touches the model");
    await assert.rejects(
      r.createModelVersion({ name: "nope", source: "s3://b" }),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Registered Model with name=nope not found$/),
    );
    await assert.rejects(
      r.getModelVersion("m", "2"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Model Version \(name=m, version=2\) not found$/),
    );
    await assert.rejects(
      r.getModelVersion("m", "x"),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Parameter 'version' must be an integer, got 'x'\.$/),
    );
  });

  t("stages: case-insensitive, latest per stage, archive_existing_versions", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    for (let i = 0; i < 4; i++) await r.createModelVersion({ name: "m", source: "s3://b" });
    await r.transitionModelVersionStage("m", 2, "production", false);
    await r.transitionModelVersionStage("m", 3, "PRODUCTION", false);
    const staged = await r.transitionModelVersionStage("m", 4, "StAgInG", false);
    assert.equal(staged.currentStage, "Staging");
    const latest = (mvs: { currentStage: string; version: number }[]) =>
      Object.fromEntries(mvs.map((v) => [v.currentStage, v.version]));
    assert.deepEqual(latest((await r.getRegisteredModel("m")).latestVersions), {
      None: 1,
      Production: 3,
      Staging: 4,
    });
    assert.deepEqual(latest(await r.getLatestVersions("m", ["pROduction"])), { Production: 3 });
    assert.deepEqual(latest(await r.getLatestVersions("m", [])), {
      None: 1,
      Production: 3,
      Staging: 4,
    });
    await r.deleteModelVersion("m", 3);
    assert.deepEqual(latest(await r.getLatestVersions("m", ["Production"])), { Production: 2 });
    await assert.rejects(
      r.transitionModelVersionStage("m", 1, "unknown", false),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^Invalid Model Version stage: unknown\. Value must be one of None, Staging, Production, Archived\.$/,
      ),
    );
    await assert.rejects(
      r.transitionModelVersionStage("m", 1, "Archived", true),
      rejectsWith(
        "INTERNAL_ERROR",
        /because 'Archived' is not an Active stage\. Valid stages are \['Staging', 'Production'\]/,
      ),
    );
    const moved = await r.transitionModelVersionStage("m", 1, "Production", true);
    assert.equal(moved.currentStage, "Production");
    const v2 = await r.getModelVersion("m", 2);
    assert.equal(v2.currentStage, "Archived");
    assert.equal(v2.lastUpdatedTimestamp, moved.lastUpdatedTimestamp);
    assert.equal((await r.getModelVersion("m", 4)).currentStage, "Staging");
  });

  t("delete version is soft: redacted, hidden, aliases removed", async ({ r, s }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createModelVersion({
      name: "m",
      source: "s3://b/1",
      runId: "r1",
      runLink: "l",
      description: "d",
    });
    await r.createModelVersion({ name: "m", source: "s3://b/2" });
    await r.setRegisteredModelAlias("m", "champ", "1");
    await r.setRegisteredModelAlias("m", "other", "2");
    await r.deleteModelVersion("m", "1");
    await assert.rejects(r.getModelVersion("m", 1), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    await assert.rejects(r.deleteModelVersion("m", 1), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    await assert.rejects(r.updateModelVersion("m", 1, "x"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    await assert.rejects(
      r.getModelVersionDownloadUri("m", 1),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    await assert.rejects(
      r.setModelVersionTag("m", 1, "k", "v"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    assert.deepEqual((await r.getRegisteredModel("m")).aliases, { other: 2 });
    await assert.rejects(
      r.getModelVersionByAlias("m", "champ"),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Registered model alias champ not found\.$/),
    );
    await assert.rejects(
      r.setRegisteredModelAlias("m", "champ", "1"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    const uid = (await r.getRegisteredModel("m")).uid;
    const { Item } = await s.db.port.getItem({
      TableName: s.db.table,
      Key: rawKey(modelVersionKey(uid, 1)),
      ConsistentRead: true,
    });
    assert.equal(Item?.current_stage?.S, "Deleted_Internal");
    assert.equal(Item?.source?.S, "REDACTED-SOURCE-PATH");
    assert.equal(Item?.run_id?.S, "REDACTED-RUN-ID");
    assert.equal(Item?.run_link?.S, "REDACTED-RUN-LINK");
    assert.equal(Item?.description, undefined);
    assert.deepEqual((await searchVersions(r)).items.map((v) => v.version), [2]);
    assert.equal((await r.createModelVersion({ name: "m", source: "s3://b/3" })).version, 3);
  });

  t("aliases: validation, reserved names, latest, moves", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createModelVersion({ name: "m", source: "s3://b/1" });
    await r.createModelVersion({ name: "m", source: "s3://b/2" });
    await r.setRegisteredModelAlias("m", "test_alias", "2");
    assert.deepEqual((await r.getRegisteredModel("m")).aliases, { test_alias: 2 });
    assert.deepEqual((await r.getModelVersion("m", 1)).aliases, []);
    assert.deepEqual((await r.getModelVersionByAlias("m", "test_alias")).aliases, ["test_alias"]);
    await r.setRegisteredModelAlias("m", "test_alias", "1");
    assert.equal((await r.getModelVersionByAlias("m", "test_alias")).version, 1);
    assert.equal((await r.getModelVersionByAlias("m", "LATEST")).version, 2);
    await assert.rejects(
      r.setRegisteredModelAlias("m", "latest", "1"),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^'latest' alias name \(case insensitive\) is reserved\.$/,
      ),
    );
    await assert.rejects(
      r.setRegisteredModelAlias("m", "v12", "1"),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Version alias name 'v12' is reserved\.$/),
    );
    await assert.rejects(
      r.setRegisteredModelAlias("m", "a b", "1"),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Invalid alias name: 'a b'\. Names may only contain/),
    );
    await assert.rejects(
      r.setRegisteredModelAlias("m", "x", "9"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Model Version \(name=m, version=9\) not found$/),
    );
    await r.deleteRegisteredModelAlias("m", "test_alias");
    await r.deleteRegisteredModelAlias("m", "never_set");
    assert.deepEqual((await r.getRegisteredModel("m")).aliases, {});
    await assert.rejects(
      r.deleteRegisteredModelAlias("ghost", "a"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    await r.createRegisteredModel({ name: "empty" });
    await assert.rejects(
      r.getModelVersionByAlias("empty", "latest"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Latest version not found for model empty\.$/),
    );
  });

  t("download URI: source, or the storage location of a models:/ source", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createModelVersion({ name: "m", source: "s3://bucket/path" });
    assert.equal(await r.getModelVersionDownloadUri("m", 1), "s3://bucket/path");
    await r.createRegisteredModel({ name: "copy" });
    const copy = await r.createModelVersion({ name: "copy", source: "models:/m/1" });
    assert.equal(copy.source, "models:/m/1");
    assert.equal(await r.getModelVersionDownloadUri("copy", 1), "s3://bucket/path");
    await assert.rejects(
      r.createModelVersion({ name: "copy", source: "models:/m/Production" }),
      rejectsWith(
        "INTERNAL_ERROR",
        /^Unable to fetch model from model URI source artifact location/,
      ),
    );
    const withModel = new RegistryStore(
      r.db,
      (id) =>
        Promise.resolve({
          artifactLocation: `mlflow-artifacts:/0/models/${id}/artifacts`,
          sourceRunId: "run1",
        }),
    );
    const fromLogged = await withModel.createModelVersion({ name: "m", source: "models:/m-abc" });
    assert.equal(fromLogged.runId, "run1");
    assert.equal(
      await r.getModelVersionDownloadUri("m", fromLogged.version),
      "mlflow-artifacts:/0/models/m-abc/artifacts",
    );
  });

  t("search versions: filters, default order, pages, prompts hidden", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createRegisteredModel({ name: "n" });
    for (let i = 0; i < 12; i++) {
      await r.createModelVersion({
        name: i % 2 ? "m" : "n",
        source: `s3://b/${i % 3}`,
        runId: `run${i % 4}`,
      });
    }
    await r.createRegisteredModel({ name: "p", tags: [PROMPT] });
    await r.createModelVersion({ name: "p", source: "prompt-template", tags: [PROMPT] });
    const collected: string[] = [];
    let after: SearchCursor | undefined;
    do {
      const page = await searchVersions(r, "", [], 5, after);
      collected.push(...page.items.map((v) => `${v.name}/${v.version}`));
      after = page.next;
    } while (after);
    assert.equal(collected.length, 12);
    assert.equal(new Set(collected).size, 12);
    assert.deepEqual(
      (await searchVersions(r, "run_id = 'run1'")).items.map((v) => `${v.name}/${v.version}`)
        .sort(),
      [
        "m/1",
        "m/3",
        "m/5",
      ],
    );
    assert.deepEqual(
      (await searchVersions(r, "name = 'm' AND version_number <= 2", [], 1000, undefined, ["m"]))
        .items
        .map((v) => v.version),
      [2, 1],
    );
    assert.deepEqual(
      (await searchVersions(r, "", ["version_number ASC", "name DESC"], 3)).items.map((v) =>
        `${v.name}/${v.version}`
      ),
      ["n/1", "m/1", "n/2"],
    );
    assert.deepEqual((await searchVersions(r, "source_path = 's3://b/0'")).items.length, 4);
    assert.deepEqual(
      (await searchVersions(r, "tags.`mlflow.prompt.is_prompt` = 'true'")).items.map((v) => v.name),
      ["p"],
    );
    await r.deleteModelVersion("m", 1);
    assert.equal(
      (await searchVersions(r, "name = 'm'", [], 1000, undefined, ["m"])).items.length,
      5,
    );
    assert.equal(
      (await searchVersions(r, "name = 'ghost'", [], 1000, undefined, ["ghost"])).items.length,
      0,
    );
  });
}
