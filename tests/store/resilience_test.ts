/**
 * DynamoDB resilience of the stores (issue 8, item 12), on the engine with injected faults:
 * single-item writes that meet an in-flight transaction (`TransactionConflictException`),
 * cancelled transactions, and timeouts that strike after DynamoDB committed (the answer is lost,
 * the retry must not answer "already exists" to the request that created the resource).
 */
import assert from "node:assert/strict";
import { retryingPort, type RetryOptions } from "../../src/dynamo/retry.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { createApp } from "../../src/app.ts";
import { checkReadiness } from "../../src/dynamo/readiness.ts";
import { RegistryStore } from "../../src/store/registry/registry_store.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { testBackends } from "../support/backends.ts";

const FAST: RetryOptions = {
  maxAttempts: 8,
  maxTransportAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
};

async function withStores(
  fn: (c: { engine: Engine; s: Stores; r: RegistryStore }) => Promise<void>,
): Promise<void> {
  const engine = createEngine();
  try {
    await ensureTable(engine, "resilience");
    const s = await createStores(
      { port: retryingPort(engine, FAST), table: "resilience" },
      "mlflow-artifacts:/",
    );
    await fn({ engine, s, r: new RegistryStore(s.db) });
  } finally {
    await engine.close();
  }
}

Deno.test("createModelVersion succeeds through TransactionConflictException and cancelled transactions", () =>
  withStores(async ({ engine, r }) => {
    await r.createRegisteredModel({ name: "m" });
    engine.faults.inject({ op: "updateItem", error: "transactionConflict", times: 2 });
    engine.faults.inject({ op: "transactWriteItems", error: "conflict", times: 2 });
    const mv = await r.createModelVersion({ name: "m", source: "s3://b/m" });
    assert.equal(mv.version, 1);
    assert.equal(engine.faults.pending, 0);
    engine.faults.inject({ op: "updateItem", error: "transactionConflict" });
    assert.equal((await r.createModelVersion({ name: "m", source: "s3://b/m" })).version, 2);
  }));

Deno.test("alias and tag updates succeed through TransactionConflictException", () =>
  withStores(async ({ engine, r }) => {
    await r.createRegisteredModel({ name: "m" });
    await r.createModelVersion({ name: "m", source: "s3://b/m" });
    engine.faults.inject({ op: "transactWriteItems", error: "conflict" });
    await r.setRegisteredModelAlias("m", "champion", "1");
    engine.faults.inject({ op: "updateItem", error: "transactionConflict", times: 3 });
    await r.setRegisteredModelTag("m", "k", "v");
    await r.setModelVersionTag("m", "1", "vk", "vv");
    await r.deleteRegisteredModelAlias("m", "champion");
    assert.equal(engine.faults.pending, 0);
    const model = await r.getRegisteredModel("m");
    assert.deepEqual(model.tags, { k: "v" });
    assert.deepEqual(model.aliases, {});
    assert.deepEqual((await r.getModelVersion("m", "1")).tags, { vk: "vv" });
  }));

Deno.test("experiment create succeeds through conflicts, and a lost answer is not 'already exists'", () =>
  withStores(async ({ engine, s }) => {
    engine.faults.inject({ op: "transactWriteItems", error: "conflict" });
    engine.faults.inject({ op: "updateItem", error: "transactionConflict" });
    const id1 = await s.experiments.create({ name: "e1" });
    // Committed, then the answer is lost: the retry must answer success, not a name clash.
    engine.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    const id2 = await s.experiments.create({ name: "e2", tags: { a: "b" } });
    assert.equal(engine.faults.pending, 0);
    assert.notEqual(id1, id2);
    const e2 = await s.experiments.get(id2);
    assert.equal(e2.name, "e2");
    assert.deepEqual(e2.tags, { a: "b" });
    await assert.rejects(s.experiments.create({ name: "e2" }), /already exists/);
  }));

Deno.test("experiment delete and restore whose answer was lost do not answer 404", () =>
  withStores(async ({ engine, s }) => {
    const id = await s.experiments.create({ name: "e" });
    engine.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    await s.experiments.delete(id);
    assert.equal((await s.experiments.get(id)).lifecycleStage, "deleted");
    engine.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    await s.experiments.restore(id);
    assert.equal((await s.experiments.get(id)).lifecycleStage, "active");
    assert.equal(engine.faults.pending, 0);
    await assert.rejects(s.experiments.restore(id), /No Experiment/);
  }));

Deno.test("createRun whose conditional write answer was lost returns the run", () =>
  withStores(async ({ engine, s }) => {
    // The record and its "not yet indexed" item go in one transaction (metric index).
    engine.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    const run = await s.runs.create({ experimentId: "0", runName: "r" });
    assert.equal(engine.faults.pending, 0);
    const read = await s.runs.get(run.info.runId);
    assert.equal(read.info.runName, "r");
  }));

Deno.test("createModelVersion whose transaction answer was lost creates one version", () =>
  withStores(async ({ engine, r }) => {
    await r.createRegisteredModel({ name: "m" });
    engine.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    const mv = await r.createModelVersion({ name: "m", source: "s3://b/m" });
    assert.equal(mv.version, 1);
    const page = await r.searchModelVersions({
      predicate: () => true,
      compare: (a, b) => a.version - b.version,
      includePrompts: true,
      maxResults: 10,
    });
    assert.deepEqual(page.items.map((v) => v.version), [1]);
  }));

Deno.test("/ready follows the backend, /health stays OK, a dead backend is a 503 without details", () =>
  withStores(async ({ engine, s }) => {
    const app = createApp({ stores: s, ready: () => checkReadiness(engine, "resilience", 500) });
    assert.equal(await (await app.request("/ready")).text(), "OK");
    engine.faults.inject({ op: "*", error: "timeout", times: 1000 });
    const ready = await app.request("/ready");
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).error_code, "TEMPORARILY_UNAVAILABLE");
    const health = await app.request("/health");
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "OK");
    const res = await app.request("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error_code, "TEMPORARILY_UNAVAILABLE");
    assert.doesNotMatch(body.message, /injected|127\.0\.0\.1|\//);
    engine.faults.clear();
    assert.equal((await app.request("/ready")).status, 200);
  }));

/** `port`, except that the next `op` call is applied and then answers a timeout. */
function losingNextAnswer(port: DynamoPort, op: "putItem" | "transactWriteItems"): DynamoPort {
  let armed = true;
  const lose = async <T>(result: Promise<T>): Promise<T> => {
    const out = await result;
    if (!armed) return out;
    armed = false;
    throw Object.assign(new Error("lost"), { name: "TimeoutError", code: "ETIMEDOUT" });
  };
  return {
    ...port,
    [op]: (input: never) => lose((port[op] as (i: never) => Promise<unknown>)(input)),
  } as DynamoPort;
}

for (const backend of testBackends()) {
  Deno.test(`the backend honours ClientRequestToken: a replay answers success, applies once (${backend.name})`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const input = {
        ClientRequestToken: crypto.randomUUID(),
        TransactItems: [{
          Update: {
            TableName: tableName,
            Key: { pk: { S: "TOKEN" }, sk: { S: "T" } },
            UpdateExpression: "ADD n :one",
            ExpressionAttributeValues: { ":one": { N: "1" } },
          },
        }],
      };
      await port.transactWriteItems(input);
      await port.transactWriteItems(input);
      const { Item } = await port.getItem({
        TableName: tableName,
        Key: { pk: { S: "TOKEN" }, sk: { S: "T" } },
        ConsistentRead: true,
      });
      assert.equal(Item?.n?.N, "1");
    } finally {
      await cleanup();
    }
  });

  Deno.test(`lost answers of experiment and run creates answer success (${backend.name})`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const db = (p: DynamoPort) => ({ port: retryingPort(p, FAST), table: tableName });
      const s = await createStores(db(port), "mlflow-artifacts:/");
      const lossyTx = await createStores(
        db(losingNextAnswer(port, "transactWriteItems")),
        "mlflow-artifacts:/",
      );
      const id = await lossyTx.experiments.create({ name: "lost", tags: { t: "v" } });
      assert.deepEqual((await s.experiments.get(id)).tags, { t: "v" });
      const lossyPut = await createStores(
        db(losingNextAnswer(port, "putItem")),
        "mlflow-artifacts:/",
      );
      const run = await lossyPut.runs.create({ experimentId: id, runName: "r" });
      assert.equal((await s.runs.get(run.info.runId)).info.runName, "r");
    } finally {
      await cleanup();
    }
  });
}
