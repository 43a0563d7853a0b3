/**
 * Registered scorers through the HTTP app on every test backend: versions per name and
 * experiment, list (latest per name), list versions, get, delete one version or all, the
 * serialized scorer returned byte for byte, and MLflow's refusals.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { mountDatasets } from "../../src/http/datasets/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

interface Ctx {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  exp: string;
  other: string;
  deleteExperiment(id: string): Promise<void>;
}

async function withCtx(backend: TestBackend, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const app = createApp({ stores: s, extraRoutes: [mountDatasets(s)] });
    const exp = await s.experiments.create({ name: `sc-${crypto.randomUUID()}` });
    const other = await s.experiments.create({ name: `sc-${crypto.randomUUID()}` });
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
    await fn({ call, exp, other, deleteExperiment: (id) => s.experiments.delete(id) });
  } finally {
    await cleanup();
  }
}

const BUILTIN = (n: number) =>
  JSON.stringify({
    name: "safety",
    aggregations: null,
    mlflow_version: "3.17.2",
    serialization_version: 1,
    builtin_scorer_class: "Safety",
    builtin_scorer_pydantic_data: { name: "safety", required_columns: ["outputs"], n },
  });

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] scorers: ${name}`, () => withCtx(backend, fn));

  t("versions per name and experiment; list, get, delete", async (c) => {
    const reg = async (exp: string, name: string, n: number) => {
      const r = await c.call("POST", "/scorers/register", {
        experiment_id: exp,
        name,
        serialized_scorer: BUILTIN(n),
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json;
    };
    const v1 = await reg(c.exp, "safety", 1);
    assert.equal(v1.version, 1);
    assert.equal(v1.experiment_id, c.exp);
    assert.equal(v1.name, "safety");
    assert.equal(v1.serialized_scorer, BUILTIN(1));
    const v2 = await reg(c.exp, "safety", 2);
    assert.equal(v2.version, 2);
    assert.equal(v2.scorer_id, v1.scorer_id);
    assert.equal((await reg(c.other, "safety", 9)).version, 1);
    await reg(c.exp, "a-first", 3);

    const list = await c.call("GET", `/scorers/list?experiment_id=${c.exp}`);
    assert.deepEqual(
      list.json.scorers.map((s: Json) => [s.scorer_name, s.scorer_version]),
      [["a-first", 1], ["safety", 2]],
    );
    assert.equal(list.json.scorers[1].experiment_id, Number(c.exp));
    assert.equal(list.json.scorers[1].serialized_scorer, BUILTIN(2));

    const versions = await c.call("GET", `/scorers/versions?experiment_id=${c.exp}&name=safety`);
    assert.deepEqual(versions.json.scorers.map((s: Json) => s.scorer_version), [1, 2]);

    const latest = await c.call("GET", `/scorers/get?experiment_id=${c.exp}&name=safety`);
    assert.equal(latest.json.scorer.scorer_version, 2);
    const first = await c.call("GET", `/scorers/get?experiment_id=${c.exp}&name=safety&version=1`);
    assert.equal(first.json.scorer.serialized_scorer, BUILTIN(1));

    const online = await c.call("GET", `/scorers/online-configs?scorer_ids=${v1.scorer_id}`);
    assert.deepEqual(online.json, { configs: [] });
    assert.equal((await c.call("GET", "/scorers/online-configs")).status, 400);

    const across = await c.call(
      "GET",
      `/scorers/list?experiment_ids=${c.other}&experiment_ids=${c.exp}&experiment_ids=999`,
    );
    assert.equal(across.json.scorers.length, 3);
    // Neither experiment_id nor experiment_ids: every active experiment's latest scorers.
    const all = await c.call("GET", "/scorers/list");
    assert.equal(all.status, 200, JSON.stringify(all.json));
    assert.deepEqual(
      all.json.scorers.map((s: Json) => [s.experiment_id, s.scorer_name]).sort(),
      across.json.scorers.map((s: Json) => [s.experiment_id, s.scorer_name]).sort(),
    );

    const del = await c.call("DELETE", "/scorers/delete", {
      experiment_id: c.exp,
      name: "safety",
      version: 2,
    });
    assert.equal(del.status, 200);
    const gone = await c.call("GET", `/scorers/get?experiment_id=${c.exp}&name=safety&version=2`);
    assert.equal(gone.status, 404);
    assert.equal(
      gone.json.message,
      `Scorer with name 'safety' and version 2 not found for experiment ${c.exp}.`,
    );
    assert.equal((await reg(c.exp, "safety", 5)).version, 2);
    assert.equal(
      (await c.call("DELETE", "/scorers/delete", { experiment_id: c.exp, name: "safety" })).status,
      200,
    );
    const none = await c.call("GET", `/scorers/versions?experiment_id=${c.exp}&name=safety`);
    assert.equal(none.status, 404);
    assert.equal(none.json.message, `Scorer with name 'safety' not found for experiment ${c.exp}.`);
    const again = await c.call("DELETE", "/scorers/delete", {
      experiment_id: c.exp,
      name: "safety",
    });
    assert.equal(again.status, 404);
    const fresh = await reg(c.exp, "safety", 6);
    assert.equal(fresh.version, 1);
    assert.notEqual(fresh.scorer_id, v1.scorer_id);
  });

  t("MLflow's refusals", async (c) => {
    const missing = await c.call("POST", "/scorers/register", { experiment_id: c.exp, name: "x" });
    assert.equal(missing.status, 400);
    assert.match(missing.json.message, /Missing value for required parameter 'serialized_scorer'/);
    const badJson = await c.call("POST", "/scorers/register", {
      experiment_id: c.exp,
      name: "x",
      serialized_scorer: "{",
    });
    assert.equal(badJson.json.message, "serialized_scorer must be valid JSON");
    const code = await c.call("POST", "/scorers/register", {
      experiment_id: c.exp,
      name: "x",
      serialized_scorer: JSON.stringify({ call_source: "return 1", name: "x" }),
    });
    assert.equal(code.status, 400);
    assert.match(code.json.message, /^Custom scorer registration \(using @scorer decorator\)/);
    const blank = await c.call("POST", "/scorers/register", {
      experiment_id: c.exp,
      name: "  ",
      serialized_scorer: "{}",
    });
    assert.equal(blank.json.message, "Scorer name cannot be empty or contain only whitespace.");
    const noExp = await c.call("GET", "/scorers/list?experiment_id=4242");
    assert.equal(noExp.status, 404);
    const both = await c.call(
      "GET",
      `/scorers/list?experiment_id=${c.exp}&experiment_ids=${c.exp}`,
    );
    assert.equal(both.status, 400);
    await c.deleteExperiment(c.other);
    const deleted = await c.call("POST", "/scorers/register", {
      experiment_id: c.other,
      name: "x",
      serialized_scorer: "{}",
    });
    assert.equal(deleted.status, 400);
    assert.match(deleted.json.message, /must be in the 'active' state/);
  });
}
