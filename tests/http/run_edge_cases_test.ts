/**
 * Inputs `mlflow server` accepts that used to answer 500 here (reliability probe defect 6).
 */
import assert from "node:assert/strict";
import { fullApp } from "./full_app.ts";

Deno.test("runs/update with end_time and no status answers 200 and stores end_time", async () => {
  const s = await fullApp();
  try {
    const created = await s.call("POST", "/runs/create", { experiment_id: "0", start_time: 1 });
    assert.equal(created.status, 200);
    const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
    const upd = await s.call("POST", "/runs/update", { run_id: runId, end_time: 2 });
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    const got = await s.call("GET", `/runs/get?run_id=${runId}`);
    const info = (got.body as { run: { info: Record<string, unknown> } }).run.info;
    assert.equal(info.status, "RUNNING");
    assert.equal(Number(info.end_time), 2);
  } finally {
    await s.close();
  }
});

Deno.test("runs/create with start_time -1 answers 200 and the run is found again", async () => {
  const s = await fullApp();
  try {
    const created = await s.call("POST", "/runs/create", { experiment_id: "0", start_time: -1 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
    const got = await s.call("GET", `/runs/get?run_id=${runId}`);
    assert.equal(got.status, 200);
    assert.equal(
      Number((got.body as { run: { info: { start_time: number } } }).run.info.start_time),
      -1,
    );
    const found = await s.call("POST", "/runs/search", { experiment_ids: ["0"] });
    assert.equal(found.status, 200);
    const runs = (found.body as { runs?: { info: { run_id: string } }[] }).runs ?? [];
    assert.deepEqual(runs.map((r) => r.info.run_id), [runId]);
  } finally {
    await s.close();
  }
});

Deno.test("runs/search with a repeated experiment id answers 200, each run once", async () => {
  const s = await fullApp();
  try {
    const created = await s.call("POST", "/runs/create", { experiment_id: "0" });
    const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
    const found = await s.call("POST", "/runs/search", { experiment_ids: ["0", "0"] });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    const runs = (found.body as { runs?: { info: { run_id: string } }[] }).runs ?? [];
    assert.deepEqual(runs.map((r) => r.info.run_id), [runId]);
  } finally {
    await s.close();
  }
});

Deno.test("runs/log-model refuses what the history tag cannot hold, and keeps working", async () => {
  const s = await fullApp();
  try {
    const created = await s.call("POST", "/runs/create", { experiment_id: "0" });
    const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
    const model = (extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        artifact_path: "model",
        flavors: {},
        utc_time_created: "2026-11-30 12:00:00.000000",
        run_id: runId,
        ...extra,
      });
    const missing = await s.call("POST", "/runs/log-model", {
      run_id: runId,
      model_json: JSON.stringify({ artifact_path: "m" }),
    });
    assert.equal(missing.status, 400);
    assert.match(
      (missing.body as { message: string }).message,
      /Model json is missing mandatory fields/,
    );
    const huge = await s.call("POST", "/runs/log-model", {
      run_id: runId,
      model_json: model().replace('"flavors":{}', '"flavors":{"x":1e400}'),
    });
    assert.equal(huge.status, 400);
    for (let i = 0; i < 3; i++) {
      const ok = await s.call("POST", "/runs/log-model", { run_id: runId, model_json: model() });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    }
  } finally {
    await s.close();
  }
});

Deno.test("log-batch with a tag key twice answers 200 and keeps the last value", async () => {
  const s = await fullApp();
  try {
    const created = await s.call("POST", "/runs/create", { experiment_id: "0" });
    const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
    const r = await s.call("POST", "/runs/log-batch", {
      run_id: runId,
      tags: [{ key: "t", value: "a" }, { key: "t", value: "b" }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const got = await s.call("GET", `/runs/get?run_id=${runId}`);
    const tags = (got.body as { run: { data: { tags: { key: string; value: string }[] } } }).run
      .data.tags.filter((t) => t.key === "t");
    assert.deepEqual(tags, [{ key: "t", value: "b" }]);
  } finally {
    await s.close();
  }
});

Deno.test("a duplicate order_by field is MLflow's message with a 400, not a 500", async () => {
  const s = await fullApp();
  try {
    const r = await s.call("POST", "/runs/search", {
      experiment_ids: ["0"],
      order_by: ["start_time DESC", "start_time DESC"],
    });
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /contains duplicate fields/);
    const m = await s.call("POST", "/registered-models/search", {
      order_by: ["name ASC", "name ASC"],
    });
    assert.equal(m.status, 400);
  } finally {
    await s.close();
  }
});

Deno.test("a logged-model param key too long for DynamoDB is a 400 and creates nothing", async () => {
  const s = await fullApp();
  try {
    const r = await s.call("POST", "/logged-models", {
      experiment_id: "0",
      name: "lm",
      params: [{ key: "b".repeat(300_000), value: "v" }],
    });
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /too long to store/);
    const found = await s.call("POST", "/logged-models/search", { experiment_ids: ["0"] });
    assert.deepEqual((found.body as { models?: unknown[] }).models ?? [], []);
  } finally {
    await s.close();
  }
});
