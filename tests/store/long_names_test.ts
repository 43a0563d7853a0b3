/**
 * User-given names that land in keys, on every backend: a name MLflow accepts works whatever its
 * length (long registered-model and prompt names are hashed into their keys, the full name kept
 * in an attribute), a name MLflow refuses is a 400, and a string that is not valid Unicode (a lone
 * surrogate) is a 400 before anything is written, so no item is left that DynamoDB cannot read.
 *
 * @module
 */
import {
  type Ctx,
  rejectsWith,
  searchModels,
  searchVersions,
  withCtx,
} from "../support/registry_ctx.ts";
import assert from "node:assert/strict";
import { MlflowError } from "../../src/errors.ts";
import { searchExperiments } from "../../src/store/experiments/search_experiments.ts";
import { LoggedModelStore } from "../../src/store/logged_models/logged_model_store.ts";
import { RegistryStore } from "../../src/store/registry/registry_store.ts";
import { type Stores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

const invalid = (message?: RegExp) => rejectsWith("INVALID_PARAMETER_VALUE", message);

async function allModelNames(r: RegistryStore, filter = ""): Promise<string[]> {
  return (await searchModels(r, filter)).items.map((m) => m.name);
}

async function allExperimentNames(s: Stores): Promise<string[]> {
  const { experiments } = await searchExperiments(s.db, {
    viewType: "ALL",
    maxResults: 1000,
    predicate: () => true,
    compare: (a, b) => Number(a.experimentId) - Number(b.experimentId),
  });
  return experiments.map((e) => e.name);
}

const PROMPT = { key: "mlflow.prompt.is_prompt", value: "true" };

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] long names: ${name}`, () => withCtx(backend, fn));

  t(
    "registered models of 1,100 characters, 2,100 characters and 1,100 two-byte characters",
    async ({ r }) => {
      const base = "m".repeat(1099);
      const names = [`${base}a`, `${base}b`, "n".repeat(2100), "é".repeat(1100)];
      for (const name of names) {
        const rm = await r.createRegisteredModel({ name, tags: [{ key: "k", value: "v" }] });
        assert.equal(rm.name, name);
      }
      for (const name of names) {
        assert.equal((await r.getRegisteredModel(name)).name, name);
        const mv = await r.createModelVersion({ name, source: "s3://bucket/model" });
        assert.equal(mv.version, 1);
        assert.equal((await r.getModelVersion(name, 1)).name, name);
      }
      // Two names that share their first 1,099 characters are still two models.
      await assert.rejects(
        r.createRegisteredModel({ name: `${base}a` }),
        (e: unknown) => e instanceof MlflowError && e.code === "RESOURCE_ALREADY_EXISTS",
      );
      assert.deepEqual((await allModelNames(r)).sort(), [...names].sort());
      const versions = await searchVersions(r, `name = '${names[2]}'`);
      assert.deepEqual(versions.items.map((v) => v.name), [names[2]]);

      const renamed = "r".repeat(1500);
      await r.renameRegisteredModel(`${base}a`, renamed);
      assert.equal((await r.getRegisteredModel(renamed)).name, renamed);
      await assert.rejects(
        r.getRegisteredModel(`${base}a`),
        (e: unknown) => e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST",
      );
      await r.setRegisteredModelAlias(renamed, "champion", 1);
      assert.equal((await r.getModelVersionByAlias(renamed, "champion")).name, renamed);
      await r.deleteRegisteredModel(renamed);
      assert.equal((await allModelNames(r)).includes(renamed), false);
      await r.createRegisteredModel({ name: renamed });
    },
  );

  t("a prompt with a 1,100-character name", async ({ r }) => {
    const name = "p".repeat(1100);
    await r.createRegisteredModel({ name, tags: [PROMPT] });
    assert.equal((await r.getRegisteredModel(name)).name, name);
    assert.deepEqual(await allModelNames(r, "tags.`mlflow.prompt.is_prompt` = 'true'"), [name]);
  });

  t(
    "a lone surrogate in a model name or tag key is a 400; deleting an impossible tag key is a no-op",
    async ({ r }) => {
      await assert.rejects(r.createRegisteredModel({ name: "bad\ud800" }), invalid(/Unicode/));
      await r.createRegisteredModel({ name: "good" });
      await assert.rejects(r.setRegisteredModelTag("good", "k\udc00", "v"), invalid());
      await assert.rejects(r.renameRegisteredModel("good", "\ud800"), invalid());
      assert.deepEqual(await allModelNames(r), ["good"]);
      assert.deepEqual((await r.getRegisteredModel("good")).tags, {});
      // Deleting a tag whose key no model can hold deletes nothing, as in MLflow (no 500).
      const huge = "k".repeat(70_000);
      await r.deleteRegisteredModelTag("good", huge);
      await r.createModelVersion({ name: "good", source: "s3://bucket/model" });
      await r.deleteModelVersionTag("good", 1, huge);
      await assert.rejects(
        r.deleteRegisteredModelTag("absent", huge),
        (e: unknown) => e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST",
      );
    },
  );

  t("experiment names: 500 code points of four bytes work, 501 are a 400", async ({ s }) => {
    const name = "😀".repeat(500);
    const id = await s.experiments.create({ name });
    assert.equal((await s.experiments.getByName(name)).experimentId, id);
    await assert.rejects(
      s.experiments.create({ name: "😀".repeat(501) }),
      invalid(/exceeds the maximum length of 500 characters/),
    );
    const other = await s.experiments.create({ name: "short" });
    await s.experiments.rename(other, "é".repeat(500));
    assert.equal((await s.experiments.getByName("é".repeat(500))).experimentId, other);
    await assert.rejects(s.experiments.create({ name: "x\ud800" }), invalid(/Unicode/));
    assert.deepEqual(
      (await allExperimentNames(s)).sort(),
      ["Default", name, "é".repeat(500)].sort(),
    );
  });

  t(
    "experiment tag keys follow MLflow's rules; a bad one writes nothing and search still works",
    async ({ s }) => {
      const id = await s.experiments.create({ name: "tags" });
      await s.experiments.setTag(id, "clé ok", "v");
      for (const key of ["\ud800", "a\udc00b", "", "k".repeat(251), "bad!key", "../x"]) {
        await assert.rejects(s.experiments.setTag(id, key, "v"), invalid(), JSON.stringify(key));
        await assert.rejects(
          s.experiments.create({
            name: `with ${key.length} ${crypto.randomUUID()}`,
            tags: { [key]: "v" },
          }),
          invalid(),
        );
      }
      assert.deepEqual((await s.experiments.get(id)).tags, { "clé ok": "v" });
      assert.deepEqual((await allExperimentNames(s)).sort(), ["Default", "tags"]);
    },
  );

  t(
    "logged-model tag and param keys: valid Unicode, at most 255 characters; long names work",
    async ({ s }) => {
      const lm = new LoggedModelStore(s.db, s.experiments);
      const exp = await s.experiments.create({ name: "lm" });
      const m = await lm.create({
        experimentId: exp,
        name: "n".repeat(1100),
        tags: [{ key: "k", value: "v" }],
      });
      assert.equal((await lm.get(m.modelId)).name, "n".repeat(1100));
      for (const key of ["\ud800", "k".repeat(256)]) {
        await assert.rejects(lm.setTags(m.modelId, [{ key, value: "v" }]), invalid());
        await assert.rejects(lm.logParams(m.modelId, [{ key, value: "v" }]), invalid());
        await assert.rejects(
          lm.create({ experimentId: exp, tags: [{ key, value: "v" }] }),
          invalid(),
        );
      }
      await lm.setTags(m.modelId, [{ key: "é".repeat(255), value: "v" }]);
      await assert.rejects(lm.deleteTag(m.modelId, "\udc00"), invalid());
      await assert.rejects(
        lm.deleteTag(m.modelId, "x".repeat(70_000)),
        (e: unknown) => e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST",
      );
      const got = await lm.get(m.modelId);
      assert.deepEqual(Object.keys(got.tags).sort(), ["k", "é".repeat(255)].sort());
      assert.deepEqual(got.params, {});
    },
  );
}
