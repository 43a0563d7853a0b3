/**
 * Evaluation datasets end to end through the HTTP app on every test backend: create/get/delete,
 * search (filter, order, paging), tags, merges with MLflow's insert/update counting, paged
 * records, record deletes and experiment links.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createApp } from "../../src/app.ts";
import { mountDatasets } from "../../src/http/datasets/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

interface Ctx {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  exp: string;
}

async function withCtx(backend: TestBackend, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const app = createApp({ stores: s, extraRoutes: [mountDatasets(s)] });
    const exp = await s.experiments.create({ name: `ds-${crypto.randomUUID()}` });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await app.request(`/api/3.0/mlflow${path}`, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
          : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : {} };
    };
    await fn({ call, exp });
  } finally {
    await cleanup();
  }
}

async function create(c: Ctx, name: string, extra: Record<string, unknown> = {}) {
  const r = await c.call("POST", "/datasets/create", { name, ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.dataset;
}

async function allRecords(c: Ctx, id: string, max: number) {
  const out: Json[] = [];
  let token = "";
  let pages = 0;
  do {
    const q = `max_results=${max}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`;
    const r = await c.call("GET", `/datasets/${id}/records?${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    out.push(...JSON.parse(r.json.records));
    token = r.json.next_page_token ?? "";
    pages++;
  } while (token);
  return { records: out, pages };
}

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] eval datasets: ${name}`, () => withCtx(backend, fn));

  t("create, get, experiment links and delete", async (c) => {
    const d = await create(c, "golden", {
      experiment_ids: [c.exp],
      tags: JSON.stringify({ team: "a", "mlflow.user": "bob" }),
    });
    assert.match(d.dataset_id, /^d-[0-9a-f]{32}$/);
    assert.deepEqual(d.experiment_ids, [c.exp]);
    assert.equal(d.created_by, "bob");
    assert.match(d.digest, /^[0-9a-f]{8}$/);
    assert.deepEqual(JSON.parse(d.tags), { team: "a", "mlflow.user": "bob" });

    const got = await c.call("GET", `/datasets/${d.dataset_id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.dataset.name, "golden");
    assert.equal(got.json.dataset.experiment_ids, undefined);

    const ids = await c.call("GET", `/datasets/${d.dataset_id}/experiment-ids`);
    assert.deepEqual(ids.json.experiment_ids, [c.exp]);

    const bad = await c.call("POST", `/datasets/${d.dataset_id}/add-experiments`, {
      experiment_ids: ["424242"],
    });
    assert.equal(bad.status, 404);
    assert.equal(bad.json.message, "No Experiment with id=424242");
    const removed = await c.call("POST", `/datasets/${d.dataset_id}/remove-experiments`, {
      experiment_ids: [c.exp, "7"],
    });
    assert.equal(removed.status, 200);
    assert.equal(
      (await c.call("GET", `/datasets/${d.dataset_id}/experiment-ids`)).json.experiment_ids,
      undefined,
    );
    const added = await c.call("POST", `/datasets/${d.dataset_id}/add-experiments`, {
      experiment_ids: [c.exp, "0"],
    });
    assert.equal(added.status, 200);
    assert.deepEqual(
      (await c.call("GET", `/datasets/${d.dataset_id}/experiment-ids`)).json.experiment_ids.sort(),
      ["0", c.exp].sort(),
    );

    assert.equal((await c.call("DELETE", `/datasets/${d.dataset_id}`)).status, 200);
    const gone = await c.call("GET", `/datasets/${d.dataset_id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    assert.equal(gone.json.message, `Evaluation dataset with id '${d.dataset_id}' not found`);
    // Deleting again is a no-op, as in MLflow.
    assert.equal((await c.call("DELETE", `/datasets/${d.dataset_id}`)).status, 200);
  });

  t("bad input gets MLflow errors", async (c) => {
    const missing = await c.call("POST", "/datasets/create", {});
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(missing.json.message, /Missing value for required parameter 'name'/);
    const d = await create(c, "x");
    const notList = await c.call("POST", `/datasets/${d.dataset_id}/records`, { records: "{}" });
    assert.equal(notList.status, 400);
    const badJson = await c.call("POST", `/datasets/${d.dataset_id}/records`, { records: "[" });
    assert.equal(badJson.status, 400);
    const noDs = await c.call("POST", `/datasets/d-nope/records`, { records: "[]" });
    assert.equal(noDs.status, 404);
    const filter = await c.call("POST", "/datasets/search", { filter_string: "bogus = 'a'" });
    assert.equal(filter.status, 400);
    assert.match(filter.json.message, /Invalid attribute key 'bogus'/);
  });

  t("tags are merged, stringified and deleted", async (c) => {
    const d = await create(c, "t", { tags: JSON.stringify({ a: "1" }) });
    const set = await c.call("PATCH", `/datasets/${d.dataset_id}/tags`, {
      tags: JSON.stringify({ b: "2", n: 3, skip: null }),
    });
    assert.equal(set.status, 200);
    let got = (await c.call("GET", `/datasets/${d.dataset_id}`)).json.dataset;
    assert.deepEqual(JSON.parse(got.tags), { a: "1", b: "2", n: "3" });
    assert.equal((await c.call("DELETE", `/datasets/${d.dataset_id}/tags/a`)).status, 200);
    got = (await c.call("GET", `/datasets/${d.dataset_id}`)).json.dataset;
    assert.deepEqual(JSON.parse(got.tags), { b: "2", n: "3" });
    const missing = await c.call("PATCH", `/datasets/d-none/tags`, { tags: "{}" });
    assert.equal(missing.status, 404);
  });

  t("merges count inserts and updates; records keep every shape", async (c) => {
    const d = await create(c, "m");
    const first = await c.call("POST", `/datasets/${d.dataset_id}/records`, {
      records: JSON.stringify([
        { inputs: { q: "a" }, expectations: { answer: "A" }, tags: { k: "1" } },
        {
          inputs: { q: "b", n: 2 },
          outputs: "plain",
          source: { source_type: "TRACE", source_data: { trace_id: "tr-1" } },
        },
        { inputs: { q: "a" }, expectations: { other: 1 } },
      ]),
    });
    assert.deepEqual(first.json, { inserted_count: 2, updated_count: 1 });
    const second = await c.call("POST", `/datasets/${d.dataset_id}/records`, {
      records: JSON.stringify([
        { inputs: { n: 2, q: "b" }, outputs: { text: "new" }, tags: { "mlflow.user": "eve" } },
        { inputs: { q: "c" } },
      ]),
    });
    assert.deepEqual(second.json, { inserted_count: 1, updated_count: 1 });

    const { records } = await allRecords(c, d.dataset_id, 1000);
    assert.equal(records.length, 3);
    const byQ = Object.fromEntries(records.map((r: Json) => [r.inputs.q, r]));
    assert.deepEqual(byQ.a.expectations, { answer: "A", other: 1 });
    assert.deepEqual(byQ.a.tags, { k: "1" });
    assert.deepEqual(byQ.a.outputs, {});
    assert.deepEqual(byQ.b.outputs, { text: "new" });
    assert.equal(byQ.b.source_type, "TRACE");
    assert.equal(byQ.b.source_id, "tr-1");
    assert.equal(byQ.b.last_updated_by, "eve");
    assert.equal(byQ.c.expectations, undefined);
    assert.match(byQ.c.dataset_record_id, /^dr-[0-9a-f]{32}$/);

    const meta = (await c.call("GET", `/datasets/${d.dataset_id}`)).json.dataset;
    assert.deepEqual(JSON.parse(meta.profile), { num_records: 3 });
    const schema = JSON.parse(meta.schema);
    assert.deepEqual(schema.inputs, { q: "string", n: "integer" });
    assert.equal(meta.last_updated_by, "eve");
    const digest = createHash("sha256").update(`m:${meta.last_update_time}`).digest("hex");
    assert.equal(meta.digest, digest.slice(0, 8));

    const del = await c.call("DELETE", `/datasets/${d.dataset_id}/records`, {
      dataset_record_ids: [byQ.a.dataset_record_id, "dr-unknown"],
    });
    assert.deepEqual(del.json, { deleted_count: 1 });
    assert.equal((await allRecords(c, d.dataset_id, 10)).records.length, 2);
    // Re-adding the deleted inputs inserts a new record.
    const again = await c.call("POST", `/datasets/${d.dataset_id}/records`, {
      records: JSON.stringify([{ inputs: { q: "a" } }]),
    });
    assert.deepEqual(again.json, { inserted_count: 1, updated_count: 0 });
    // A merge without an `mlflow.user` tag clears last_updated_by, as MLflow's update does.
    const after = (await c.call("GET", `/datasets/${d.dataset_id}`)).json.dataset;
    assert.equal(after.last_updated_by, undefined);
    assert.deepEqual(JSON.parse(after.profile), { num_records: 3 });
    const none = await c.call("DELETE", `/datasets/${d.dataset_id}/records`, {
      dataset_record_ids: ["dr-unknown"],
    });
    assert.deepEqual(none.json, { deleted_count: 0 });
  });

  t("concurrent merges of the same inputs never duplicate a record", async (c) => {
    const d = await create(c, "race");
    const batch = JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ inputs: { i } })));
    const results = await Promise.all(
      Array.from(
        { length: 4 },
        () => c.call("POST", `/datasets/${d.dataset_id}/records`, { records: batch }),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.json));
    const inserted = results.reduce((n, r) => n + r.json.inserted_count, 0);
    const updated = results.reduce((n, r) => n + r.json.updated_count, 0);
    assert.equal(inserted, 30);
    assert.equal(updated, 90);
    const { records } = await allRecords(c, d.dataset_id, 1000);
    assert.equal(records.length, 30);
    const meta = (await c.call("GET", `/datasets/${d.dataset_id}`)).json.dataset;
    assert.deepEqual(JSON.parse(meta.profile), { num_records: 30 });
  });

  t("records page in creation order without gaps or repeats", async (c) => {
    const d = await create(c, "big");
    for (let batch = 0; batch < 3; batch++) {
      const recs = Array.from({ length: 40 }, (_, i) => ({ inputs: { i: batch * 40 + i } }));
      const r = await c.call("POST", `/datasets/${d.dataset_id}/records`, {
        records: JSON.stringify(recs),
      });
      assert.deepEqual(r.json, { inserted_count: 40, updated_count: 0 });
      await new Promise((ok) => setTimeout(ok, 2));
    }
    const { records, pages } = await allRecords(c, d.dataset_id, 7);
    assert.equal(records.length, 120);
    assert.equal(pages, Math.ceil(120 / 7));
    assert.equal(new Set(records.map((r: Json) => r.dataset_record_id)).size, 120);
    const times = records.map((r: Json) => r.created_time);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    // Batches come back in the order they were merged.
    assert.deepEqual(
      records.slice(0, 40).map((r: Json) => r.inputs.i).sort((a: number, b: number) => a - b),
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.equal((await c.call("DELETE", `/datasets/${d.dataset_id}`)).status, 200);
    assert.equal((await c.call("GET", `/datasets/${d.dataset_id}/records`)).status, 404);
  });

  t("search filters, orders and pages", async (c) => {
    const a = await create(c, "alpha", {
      experiment_ids: [c.exp],
      tags: JSON.stringify({ env: "prod" }),
    });
    await new Promise((ok) => setTimeout(ok, 3));
    const b = await create(c, "beta", { tags: JSON.stringify({ env: "dev" }) });
    await new Promise((ok) => setTimeout(ok, 3));
    const g = await create(c, "gamma");
    const names = (r: Json) => (r.json.datasets ?? []).map((d: Json) => d.name);

    assert.deepEqual(names(await c.call("POST", "/datasets/search", {})), [
      "gamma",
      "beta",
      "alpha",
    ]);
    assert.deepEqual(
      names(await c.call("POST", "/datasets/search", { order_by: ["name DESC"] })),
      ["gamma", "beta", "alpha"],
    );
    assert.deepEqual(
      names(await c.call("POST", "/datasets/search", { order_by: ["name ASC"] })),
      ["alpha", "beta", "gamma"],
    );
    assert.deepEqual(
      names(
        await c.call("POST", "/datasets/search", {
          filter_string: "name LIKE '%a%' AND tags.env = 'dev'",
        }),
      ),
      ["beta"],
    );
    assert.deepEqual(
      names(
        await c.call(
          "GET",
          `/datasets/search?filter_string=${encodeURIComponent("name IN ('alpha', 'gamma')")}`,
        ),
      ),
      ["gamma", "alpha"],
    );
    assert.deepEqual(
      names(
        await c.call("POST", "/datasets/search", {
          filter_string: `created_time > ${b.created_time}`,
        }),
      ),
      g.created_time > b.created_time ? ["gamma"] : [],
    );
    assert.deepEqual(
      names(await c.call("POST", "/datasets/search", { experiment_ids: [c.exp] })),
      [a.name],
    );
    const p1 = await c.call("POST", "/datasets/search", { max_results: 2, order_by: ["name"] });
    assert.deepEqual(names(p1), ["alpha", "beta"]);
    assert.ok(p1.json.next_page_token);
    const p2 = await c.call("POST", "/datasets/search", {
      max_results: 2,
      order_by: ["name"],
      page_token: p1.json.next_page_token,
    });
    assert.deepEqual(names(p2), ["gamma"]);
    assert.equal(p2.json.next_page_token, undefined);
    const badOrder = await c.call("POST", "/datasets/search", { order_by: ["digest"] });
    assert.equal(badOrder.status, 400);
  });
}
