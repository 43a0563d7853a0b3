/**
 * Model registry, registered models: store behaviour on every test backend (uniqueness races,
 * rename, cascades, tags and search). Versions are in `registry_versions_test.ts`, the HTTP
 * routes in `registry_routes_test.ts`.
 */
import {
  type Ctx,
  rejectsWith,
  searchModels,
  searchVersions,
  withCtx,
} from "../support/registry_ctx.ts";
import assert from "node:assert/strict";
import { registeredModelKey } from "../../src/keys/key_schema.ts";
import { type SearchCursor } from "../../src/store/registry/registry_store.ts";
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
}
