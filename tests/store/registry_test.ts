/**
 * Model registry: store behaviour on every test backend (uniqueness races, atomic version
 * numbers, cascades, soft delete, aliases, stages, search and prompts), and the HTTP routes
 * through `createApp(...).request(...)`.
 */
import {
  type Ctx,
  rejectsWith,
  searchModels,
  searchVersions,
  withCtx,
} from "../support/registry_ctx.ts";
import assert from "node:assert/strict";
import { createApp, mountMlflow } from "../../src/app.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { registryDeps, registryRoutes } from "../../src/http/registry/mod.ts";
import { registeredModelKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { modelVersionKey } from "../../src/keys/key_schema.ts";
import { RegistryStore, type SearchCursor } from "../../src/store/registry/registry_store.ts";
import { createStores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROMPT = { key: "mlflow.prompt.is_prompt", value: "true" };

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] registry: ${name}`, () => withCtx(backend, fn));

  t("create and get; names are unique across models and prompts", async ({ r }) => {
    const rm = await r.createRegisteredModel({
      name: "m",
      tags: [{ key: "k", value: "v" }, { key: "k", value: "w" }],
      description: "d",
    });
    assert.equal(rm.name, "m");
    assert.deepEqual(rm.tags, { k: "w" });
    assert.deepEqual(rm.latestVersions, []);
    const got = await r.getRegisteredModel("m");
    assert.equal(got.description, "d");
    assert.equal(got.creationTimestamp, got.lastUpdatedTimestamp);
    await assert.rejects(
      r.createRegisteredModel({ name: "m" }),
      rejectsWith("RESOURCE_ALREADY_EXISTS", /^Registered Model \(name=m\) already exists\.$/),
    );
    await assert.rejects(
      r.createRegisteredModel({ name: "m", tags: [PROMPT] }),
      rejectsWith(
        "RESOURCE_ALREADY_EXISTS",
        /^Tried to create a prompt with name 'm', but the name is already taken by a registered model\./,
      ),
    );
    await r.createRegisteredModel({ name: "p", tags: [PROMPT] });
    await assert.rejects(
      r.createRegisteredModel({ name: "p", tags: [PROMPT] }),
      rejectsWith("RESOURCE_ALREADY_EXISTS", /^Prompt \(name=p\) already exists\.$/),
    );
    await assert.rejects(
      r.createRegisteredModel({ name: "p" }),
      rejectsWith(
        "RESOURCE_ALREADY_EXISTS",
        /^Tried to create a registered model with name 'p', but the name is already taken by a prompt\./,
      ),
    );
    await assert.rejects(
      r.getRegisteredModel("nope"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Registered Model with name=nope not found$/),
    );
  });

  t("name validation matches MLflow's messages", async ({ r }) => {
    await assert.rejects(
      r.createRegisteredModel({ name: "  " }),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Missing value for required parameter 'name'\.$/),
    );
    await assert.rejects(
      r.createRegisteredModel({ name: "a/b" }),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^Invalid model name 'a\/b'\. Names cannot contain '\/' or ':'\.$/,
      ),
    );
    await assert.rejects(
      r.createRegisteredModel({ name: ".." }),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^Invalid value "\.\." for parameter 'name' supplied: Names may be treated as files/,
      ),
    );
    await assert.rejects(
      r.createRegisteredModel({ name: "m", tags: [{ key: "bad!", value: "v" }] }),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^Invalid value "bad!" for parameter 'key' supplied: Names may only contain/,
      ),
    );
    await assert.rejects(
      r.createRegisteredModel({ name: "m", tags: [{ key: "k", value: "a".repeat(100_001) }] }),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^'value' exceeds the maximum length of 100000 characters$/,
      ),
    );
  });

  t("20 concurrent creates of one name: exactly one succeeds", async ({ r }) => {
    const results = await Promise.allSettled(
      Array.from(
        { length: 20 },
        (_, i) => r.createRegisteredModel({ name: "race", description: `${i}` }),
      ),
    );
    const won = results.filter((x) => x.status === "fulfilled");
    assert.equal(won.length, 1);
    for (const x of results) {
      if (x.status === "rejected") rejectsWith("RESOURCE_ALREADY_EXISTS")(x.reason);
    }
    const page = await searchModels(r);
    assert.deepEqual(page.items.map((m) => m.name), ["race"]);
  });

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

  t("rename moves versions, frees the old name and refuses a taken one", async ({ r }) => {
    await r.createRegisteredModel({ name: "old" });
    await r.createModelVersion({ name: "old", source: "s3://b/1" });
    await r.createModelVersion({ name: "old", source: "s3://b/2" });
    await r.setRegisteredModelAlias("old", "champ", "2");
    const renamed = await r.renameRegisteredModel("old", "new");
    assert.equal(renamed.name, "new");
    assert.equal((await r.getModelVersion("new", 2)).name, "new");
    assert.deepEqual((await r.getModelVersion("new", 2)).aliases, ["champ"]);
    await assert.rejects(r.getRegisteredModel("old"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    await r.createRegisteredModel({ name: "old" });
    await assert.rejects(
      r.renameRegisteredModel("new", "old"),
      rejectsWith("RESOURCE_ALREADY_EXISTS", /^Registered Model \(name=old\) already exists/),
    );
    await assert.rejects(
      r.renameRegisteredModel("new", ""),
      rejectsWith("INVALID_PARAMETER_VALUE", /^Missing value for required parameter 'new_name'\.$/),
    );
    await assert.rejects(
      r.renameRegisteredModel("ghost", "x"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    const names = (await searchModels(r)).items.map((m) => m.name);
    assert.deepEqual(names, ["new", "old"]);
    const versions = await searchVersions(r, "name = 'new'");
    assert.deepEqual(versions.items.map((v) => v.version), [2, 1]);
  });

  t("update description; delete cascades versions, aliases and tags", async ({ r, s }) => {
    await r.createRegisteredModel({ name: "m", tags: [{ key: "a", value: "b" }] });
    assert.equal((await r.updateRegisteredModel("m", "new desc")).description, "new desc");
    for (let i = 0; i < 30; i++) await r.createModelVersion({ name: "m", source: "s3://b" });
    await r.setRegisteredModelAlias("m", "a1", "3");
    const uid = (await r.getRegisteredModel("m")).uid;
    await r.deleteRegisteredModel("m");
    await assert.rejects(r.getRegisteredModel("m"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    await assert.rejects(r.deleteRegisteredModel("m"), rejectsWith("RESOURCE_DOES_NOT_EXIST"));
    await assert.rejects(
      r.getModelVersion("m", 1),
      rejectsWith("RESOURCE_DOES_NOT_EXIST", /^Model Version \(name=m, version=1\) not found$/),
    );
    await assert.rejects(
      r.getModelVersionByAlias("m", "a1"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    const left = await s.db.port.query({
      TableName: s.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: registeredModelKey(uid).pk } },
      ConsistentRead: true,
    });
    assert.equal(left.Items?.length ?? 0, 0, "nothing is left in the model's partition");
    assert.equal((await r.createRegisteredModel({ name: "m" })).name, "m");
    assert.equal((await r.createModelVersion({ name: "m", source: "s3://b" })).version, 1);
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

  t("tags on models and versions: upsert, delete is idempotent, validation", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createModelVersion({ name: "m", source: "s3://b" });
    await r.setRegisteredModelTag("m", "k", "v");
    await r.setRegisteredModelTag("m", "k", "v2");
    assert.deepEqual((await r.getRegisteredModel("m")).tags, { k: "v2" });
    await r.deleteRegisteredModelTag("m", "k");
    await r.deleteRegisteredModelTag("m", "k");
    assert.deepEqual((await r.getRegisteredModel("m")).tags, {});
    await r.setModelVersionTag("m", 1, "k", "v");
    assert.deepEqual((await r.getModelVersion("m", 1)).tags, { k: "v" });
    await r.deleteModelVersionTag("m", 1, "k");
    await r.deleteModelVersionTag("m", 1, "k");
    assert.deepEqual((await r.getModelVersion("m", 1)).tags, {});
    await assert.rejects(
      r.setRegisteredModelTag("ghost", "k", "v"),
      rejectsWith("RESOURCE_DOES_NOT_EXIST"),
    );
    await assert.rejects(
      r.setModelVersionTag("m", "I am not a version", "k", "v"),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^Parameter 'version' must be an integer, got 'I am not a version'\.$/,
      ),
    );
    await assert.rejects(
      r.setModelVersionTag("m", 1, "k", "a".repeat(100_001)),
      rejectsWith(
        "INVALID_PARAMETER_VALUE",
        /^'value' exceeds the maximum length of 100000 characters$/,
      ),
    );
    await r.setModelVersionTag("m", 1, "long", "a".repeat(99_000));
    assert.equal((await r.getModelVersion("m", 1)).tags.long?.length, 99_000);
  });

  t("tags beyond DynamoDB's 400 KB item limit are a 400, not a 500", async ({ r }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createModelVersion({ name: "m", source: "s3://b" });
    const big = "x".repeat(100_000);
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 5; i++) await r.setModelVersionTag("m", 1, `t${i}`, big);
      })(),
      rejectsWith("INVALID_PARAMETER_VALUE", /400 KB/),
    );
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 5; i++) await r.setRegisteredModelTag("m", `t${i}`, big);
      })(),
      rejectsWith("INVALID_PARAMETER_VALUE", /400 KB/),
    );
    assert.equal((await r.getModelVersion("m", 1)).version, 1);
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

  t("search models: filters, order, pages, prompts hidden unless asked", async ({ r }) => {
    const names = Array.from({ length: 23 }, (_, i) => `RM${String(i).padStart(3, "0")}`);
    for (const n of names) {
      await r.createRegisteredModel({ name: n, tags: [{ key: "t", value: n.slice(-1) }] });
    }
    await r.createRegisteredModel({ name: "prompt_1", tags: [PROMPT] });
    const all: string[] = [];
    let after: SearchCursor | undefined;
    let pages = 0;
    do {
      const page = await searchModels(r, "name LIKE 'RM%'", [], 5, after);
      all.push(...page.items.map((m) => m.name));
      after = page.next;
      pages++;
    } while (after);
    assert.deepEqual(all, names);
    assert.equal(pages, 5);
    assert.deepEqual((await searchModels(r, "", [], 100)).items.length, 23);
    assert.deepEqual(
      (await searchModels(r, "", ["name DESC"], 3)).items.map((m) => m.name),
      ["RM022", "RM021", "RM020"],
    );
    assert.deepEqual((await searchModels(r, "tags.t = '7'")).items.map((m) => m.name), [
      "RM007",
      "RM017",
    ]);
    assert.deepEqual(
      (await searchModels(r, "name ILIKE 'rm00%' AND tags.t != '1'")).items.length,
      9,
    );
    const prompts = await searchModels(r, "tags.`mlflow.prompt.is_prompt` = 'true'");
    assert.deepEqual(prompts.items.map((m) => m.name), ["prompt_1"]);
    assert.equal(
      (await searchModels(r, "tags.`mlflow.prompt.is_prompt` != 'true'")).items.length,
      23,
    );
    assert.equal((await searchModels(r, "name = 'prompt_1'")).items.length, 0);
    const exact = await searchModels(r, "", [], 23);
    assert.equal(exact.next, undefined, "no token when the page is exactly full");
  });

  t("search models: latest_versions and last_updated order", async ({ r }) => {
    await r.createRegisteredModel({ name: "a" });
    await sleep(3);
    await r.createRegisteredModel({ name: "b" });
    await sleep(3);
    await r.createModelVersion({ name: "a", source: "s3://x" });
    const page = await searchModels(r, "", ["last_updated_timestamp DESC"]);
    assert.deepEqual(page.items.map((m) => m.name), ["a", "b"]);
    assert.deepEqual(page.items[0]!.latestVersions.map((v) => v.version), [1]);
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

// ------------------------------------------------------------------------------------------------
// Routes

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] registry routes: JSON shapes, methods, errors`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const stores = await createStores(
        { port: retryingPort(port), table: tableName },
        "mlflow-artifacts:/",
      );
      const deps = registryDeps({
        defaultArtifactRoot: "mlflow-artifacts:/",
        artifactsDestination: "/tmp/a",
      }, stores);
      const app = createApp({ stores, extraRoutes: [(a) => mountMlflow(a, registryRoutes(deps))] });
      const call = async (
        method: string,
        path: string,
        body?: unknown,
        prefix = "/api/2.0/mlflow",
      ) => {
        const res = await app.request(`${prefix}${path}`, {
          method,
          ...(body === undefined ? {} : {
            body: JSON.stringify(body),
            headers: { "content-type": "application/json" },
          }),
        });
        const text = await res.text();
        return { status: res.status, json: text ? JSON.parse(text) : undefined };
      };

      let res = await call("POST", "/registered-models/create", {
        name: "m",
        tags: [{ key: "a", value: "b" }],
      });
      assert.equal(res.status, 200);
      const rm = res.json.registered_model;
      assert.equal(rm.name, "m");
      assert.equal(typeof rm.creation_timestamp, "number");
      assert.deepEqual(rm.tags, [{ key: "a", value: "b" }]);
      assert.equal(rm.latest_versions, undefined);
      assert.equal(rm.aliases, undefined);
      assert.equal(rm.description, undefined);

      res = await call("POST", "/registered-models/create", { name: "m" });
      assert.equal(res.status, 400);
      assert.equal(res.json.error_code, "RESOURCE_ALREADY_EXISTS");

      res = await call("POST", "/registered-models/create", {});
      assert.equal(res.status, 400);
      assert.match(
        res.json.message,
        /^Missing value for required parameter 'name'\. See the API docs/,
      );

      res = await call("POST", "/model-versions/create", {
        name: "m",
        source: "s3://bucket/model",
      });
      assert.equal(res.status, 200);
      const mv = res.json.model_version;
      assert.equal(mv.version, "1");
      assert.equal(mv.current_stage, "None");
      assert.equal(mv.status, "READY");
      assert.equal(mv.description, "");
      assert.equal(mv.run_id, "");
      assert.equal(mv.source, "s3://bucket/model");

      res = await call("POST", "/model-versions/create", { name: "m", source: "/local/path" });
      assert.equal(res.status, 400);
      assert.match(
        res.json.message,
        /To use a local path as a model version source, the run_id request parameter/,
      );

      res = await call("POST", "/model-versions/create", { name: "m", source: "s3://b/../etc" });
      assert.equal(res.status, 400);
      assert.match(
        res.json.message,
        /an absolute path must be provided without relative path references/,
      );

      res = await call("POST", "/model-versions/create", {
        name: "m",
        source: "prompt",
        tags: [{ key: "mlflow.prompt.is_prompt", value: "true" }],
      });
      assert.equal(res.status, 400);
      assert.match(res.json.message, /^Invalid prompt source: 'prompt'/);

      res = await call(
        "GET",
        "/model-versions/get?name=m&version=1",
        undefined,
        "/ajax-api/2.0/mlflow",
      );
      assert.equal(res.status, 200);
      assert.equal(res.json.model_version.version, "1");

      res = await call("PATCH", "/model-versions/update", {
        name: "m",
        version: "1",
        description: "hello",
      });
      assert.equal(res.json.model_version.description, "hello");

      res = await call("POST", "/model-versions/transition-stage", {
        name: "m",
        version: "1",
        stage: "production",
        archive_existing_versions: false,
      });
      assert.equal(res.json.model_version.current_stage, "Production");

      res = await call("GET", "/registered-models/get-latest-versions?name=m&stages=Production");
      assert.deepEqual(res.json.model_versions.map((v: { version: string }) => v.version), ["1"]);
      res = await call("POST", "/registered-models/get-latest-versions", {
        name: "m",
        stages: ["None"],
      });
      assert.deepEqual(res.json, {});

      res = await call("POST", "/registered-models/alias", {
        name: "m",
        alias: "champ",
        version: "1",
      });
      assert.deepEqual(res.json, {});
      res = await call("GET", "/registered-models/alias?name=m&alias=champ");
      assert.deepEqual(res.json.model_version.aliases, ["champ"]);
      res = await call("GET", "/registered-models/get?name=m");
      assert.deepEqual(res.json.registered_model.aliases, [{ alias: "champ", version: "1" }]);
      res = await call("GET", "/registered-models/alias?name=m&alias=nope");
      assert.equal(res.status, 400);
      assert.equal(res.json.error_code, "INVALID_PARAMETER_VALUE");
      res = await call("DELETE", "/registered-models/alias", { name: "m", alias: "champ" });
      assert.equal(res.status, 200);

      res = await call("POST", "/registered-models/set-tag", { name: "m", key: "k", value: "v" });
      assert.equal(res.status, 200);
      res = await call("DELETE", "/registered-models/delete-tag", { name: "m", key: "k" });
      assert.equal(res.status, 200);
      res = await call("POST", "/model-versions/set-tag", {
        name: "m",
        version: "1",
        key: "k",
        value: "v",
      });
      assert.equal(res.status, 200);
      res = await call("DELETE", "/model-versions/delete-tag", {
        name: "m",
        version: "1",
        key: "k",
      });
      assert.equal(res.status, 200);

      res = await call("GET", "/model-versions/get-download-uri?name=m&version=1");
      assert.deepEqual(res.json, { artifact_uri: "s3://bucket/model" });

      for (let i = 0; i < 3; i++) {
        await call("POST", "/registered-models/create", { name: `z${i}` });
      }
      res = await call("GET", "/registered-models/search?max_results=2&order_by=name+DESC");
      assert.deepEqual(res.json.registered_models.map((m: { name: string }) => m.name), [
        "z2",
        "z1",
      ]);
      const token = res.json.next_page_token;
      assert.ok(token);
      res = await call(
        "GET",
        `/registered-models/search?max_results=2&order_by=name+DESC&page_token=${
          encodeURIComponent(token)
        }`,
      );
      assert.deepEqual(res.json.registered_models.map((m: { name: string }) => m.name), [
        "z0",
        "m",
      ]);
      assert.equal(res.json.next_page_token, undefined);
      res = await call("GET", "/registered-models/search?page_token=invalid_token");
      assert.equal(res.status, 400);
      res = await call("GET", "/registered-models/search?max_results=1001");
      assert.equal(res.status, 400);
      assert.match(res.json.message, /^Invalid value "1001" for parameter 'max_results' supplied/);
      res = await call("GET", "/registered-models/search?filter=evilhax+%3D+true");
      assert.equal(res.status, 400);
      res = await call("GET", "/model-versions/search?filter=name%3D%27m%27");
      assert.deepEqual(res.json.model_versions.map((v: { version: string }) => v.version), ["1"]);
      res = await call("POST", "/registered-models/search", { filter: "name = 'z1'" });
      assert.deepEqual(res.json.registered_models.map((m: { name: string }) => m.name), ["z1"]);

      res = await call("POST", "/registered-models/rename", { name: "m", new_name: "m2" });
      assert.equal(res.json.registered_model.name, "m2");
      res = await call("PATCH", "/registered-models/update", { name: "m2", description: "d" });
      assert.equal(res.json.registered_model.description, "d");
      res = await call("DELETE", "/model-versions/delete", { name: "m2", version: "1" });
      assert.equal(res.status, 200);
      res = await call("GET", "/model-versions/get?name=m2&version=1");
      assert.equal(res.status, 404);
      assert.equal(res.json.error_code, "RESOURCE_DOES_NOT_EXIST");
      res = await call("DELETE", "/registered-models/delete", { name: "m2" });
      assert.equal(res.status, 200);
      res = await call("GET", "/registered-models/get?name=m2");
      assert.equal(res.status, 404);
    } finally {
      await cleanup();
    }
  });
}
