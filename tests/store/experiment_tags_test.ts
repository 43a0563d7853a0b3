/**
 * Experiment tags are items of their own (issue 8, item 8): an experiment with 25 tags of 20,000
 * characters (MLflow's limit per value) is stored whole and read back by get and search, on
 * every backend; an experiment whose tags pass one 1 MB Query page still reads whole; records
 * written before the change (tags inside the record) still read and update correctly.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { MlflowError } from "../../src/errors.ts";
import { experimentGsi1, experimentKey } from "../../src/keys/key_schema.ts";
import { toItem } from "../../src/store/db.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";

async function withStores(
  backend: TestBackend,
  fn: (s: Stores, table: string) => Promise<void>,
): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    await fn(
      await createStores({ port: retryingPort(port), table: tableName }, "mlflow-artifacts:/"),
      tableName,
    );
  } finally {
    await cleanup();
  }
}

/** `n` tags of `size` distinct characters each (distinct so no compression could help). */
function bigTags(n: number, size: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => {
      let v = `${i}:`;
      while (v.length < size) v += crypto.randomUUID();
      return [`tag.${i}`, v.slice(0, size)];
    }),
  );
}

async function post(app: ReturnType<typeof createApp>, path: string, body: unknown) {
  const res = await app.request(`/api/2.0/mlflow/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));
const tagRecord = (tags: { key: string; value: string }[] = []) =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

for (const backend of testBackends()) {
  Deno.test(`25 tags of 20,000 characters: create, set, get, search over HTTP (${backend.name})`, () =>
    withStores(backend, async (s) => {
      const app = createApp({ stores: s });
      const atCreate = bigTags(25, 20_000);
      const created = await post(app, "experiments/create", {
        name: "big-at-create",
        tags: tagList(atCreate),
      });
      assert.equal(created.status, 200, JSON.stringify(created.body).slice(0, 300));
      const id1 = created.body.experiment_id;

      const id2 = (await post(app, "experiments/create", { name: "big-by-set" })).body
        .experiment_id;
      const bySet = bigTags(25, 20_000);
      for (const [key, value] of Object.entries(bySet)) {
        const r = await post(app, "experiments/set-experiment-tag", {
          experiment_id: id2,
          key,
          value,
        });
        assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
      }

      const get1 = await app.request(`/api/2.0/mlflow/experiments/get?experiment_id=${id1}`);
      assert.equal(get1.status, 200);
      assert.deepEqual(tagRecord((await get1.json()).experiment.tags), atCreate);
      const get2 = await app.request(`/api/2.0/mlflow/experiments/get?experiment_id=${id2}`);
      assert.deepEqual(tagRecord((await get2.json()).experiment.tags), bySet);

      const search = await post(app, "experiments/search", { max_results: 10 });
      assert.equal(search.status, 200);
      const byId = new Map(
        (search.body.experiments as { experiment_id: string; tags?: [] }[]).map((
          e,
        ) => [e.experiment_id, tagRecord(e.tags)]),
      );
      assert.deepEqual(byId.get(id1), atCreate);
      assert.deepEqual(byId.get(id2), bySet);
      assert.deepEqual(byId.get("0"), {});

      const filtered = await post(app, "experiments/search", {
        filter: `tags."tag.3" = '${bySet["tag.3"]}'`,
      });
      assert.deepEqual(
        (filtered.body.experiments as { experiment_id: string }[]).map((e) => e.experiment_id),
        [id2],
      );
    }));

  Deno.test(`tags past one 1 MB Query page read whole; 150 tags at create (${backend.name})`, () =>
    withStores(backend, async (s) => {
      const tags = bigTags(60, 20_000); // ~1.2 MB in the experiment's partition
      const id = await s.experiments.create({ name: "huge" });
      for (const [k, v] of Object.entries(tags)) await s.experiments.setTag(id, k, v);
      assert.deepEqual((await s.experiments.get(id)).tags, tags);
      assert.deepEqual((await s.experiments.getByName("huge")).tags, tags);

      const many = bigTags(150, 10);
      const id2 = await s.experiments.create({ name: "many", tags: many });
      assert.deepEqual((await s.experiments.get(id2)).tags, many);
    }));

  Deno.test(`tag writes: overwrite, delete, 404, inactive experiment (${backend.name})`, () =>
    withStores(backend, async (s) => {
      const id = await s.experiments.create({ name: "e", tags: { a: "1", b: "2" } });
      await s.experiments.setTag(id, "a", "one");
      await s.experiments.deleteTag(id, "b");
      assert.deepEqual((await s.experiments.get(id)).tags, { a: "one" });
      await assert.rejects(
        s.experiments.deleteTag(id, "b"),
        (e) => e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST",
      );
      await s.experiments.delete(id);
      await assert.rejects(
        s.experiments.setTag(id, "c", "3"),
        (e) => e instanceof MlflowError && /must be in the 'active' state/.test(e.message),
      );
      await assert.rejects(
        s.experiments.setTag("12345", "c", "3"),
        (e) => e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST",
      );
      assert.deepEqual((await s.experiments.get(id)).tags, { a: "one" });
    }));

  Deno.test(`records written with inline tags still read and update (${backend.name})`, () =>
    withStores(backend, async (s, table) => {
      // A record as written before tags became items.
      const legacy = {
        ...experimentKey("77"),
        ...experimentGsi1("77"),
        experiment_id: "77",
        name: "legacy",
        artifact_location: "mlflow-artifacts:/77",
        lifecycle_stage: "active",
        creation_time: 1,
        last_update_time: 1,
        tags: { old: "x", keep: "y" },
      };
      await s.db.port.putItem({ TableName: table, Item: toItem(legacy) });
      assert.deepEqual((await s.experiments.get("77")).tags, { old: "x", keep: "y" });
      await s.experiments.setTag("77", "old", "new");
      await s.experiments.setTag("77", "fresh", "z");
      await s.experiments.deleteTag("77", "keep");
      const want = { old: "new", fresh: "z" };
      assert.deepEqual((await s.experiments.get("77")).tags, want);
      const found = await s.experiments.find("77");
      assert.deepEqual(found?.tags, want);
    }));
}
