import assert from "node:assert/strict";
import { retryingPort } from "../dynamo/retry.ts";
import { tableDefinition } from "../dynamo/table.ts";
import { createEngine } from "./mod.ts";

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });

Deno.test("createEngine() exposes every port method as an own property", async () => {
  const engine = createEngine();
  for (
    const m of [
      "getItem",
      "putItem",
      "updateItem",
      "deleteItem",
      "query",
      "scan",
      "batchGetItem",
      "batchWriteItem",
      "transactWriteItems",
      "transactGetItems",
      "createTable",
      "describeTable",
      "deleteTable",
      "updateTimeToLive",
      "close",
    ]
  ) {
    assert.equal(typeof (engine as unknown as Record<string, unknown>)[m], "function", m);
    assert.ok(Object.keys(engine).includes(m), m);
  }
  await engine.close();
});

Deno.test("the engine works behind the retrying port and injected throttling is retried", async () => {
  const engine = createEngine();
  const port = retryingPort(engine, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 });
  await port.createTable(tableDefinition("engine_table"));
  engine.faults.inject({ op: "putItem", error: "throttle", times: 2 });
  await port.putItem({ TableName: "engine_table", Item: key("a", "1") });
  assert.equal(engine.stats.calls.putItem, 3);
  assert.equal(engine.faults.pending, 0);
  await engine.close();
});

Deno.test("stats accumulate capacity by DynamoDB's rules", async () => {
  const engine = createEngine();
  await engine.createTable(tableDefinition("engine_table"));
  engine.stats.reset();
  await engine.putItem({
    TableName: "engine_table",
    Item: { ...key("a", "1"), gsi1pk: { S: "g" }, gsi1sk: { S: "1" } },
  });
  await engine.getItem({ TableName: "engine_table", Key: key("a", "1") });
  await engine.getItem({ TableName: "engine_table", Key: key("a", "1"), ConsistentRead: true });
  assert.equal(engine.stats.writeUnits, 2);
  assert.equal(engine.stats.readUnits, 1.5);
  assert.deepEqual(engine.stats.tables.engine_table, { readUnits: 1.5, writeUnits: 1 });
  assert.deepEqual(engine.stats.indexes.gsi1, { readUnits: 0, writeUnits: 1 });
  assert.deepEqual(engine.stats.calls, { putItem: 1, getItem: 2 });
  await engine.close();
});

Deno.test("a closed engine refuses calls; close() is idempotent", async () => {
  const engine = createEngine();
  await engine.close();
  await engine.close();
  await assert.rejects(engine.describeTable({ TableName: "engine_table" }), /closed/);
});

Deno.test("concurrent conditional writes: exactly one wins", async () => {
  const engine = createEngine();
  await engine.createTable(tableDefinition("engine_table"));
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      engine.putItem({
        TableName: "engine_table",
        Item: { ...key("lock", "1"), owner: { N: String(i) } },
        ConditionExpression: "attribute_not_exists(pk)",
      })),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  await engine.close();
});

Deno.test("an injected conflict is retried by the retrying port", async () => {
  const engine = createEngine();
  const port = retryingPort(engine, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 });
  await port.createTable(tableDefinition("engine_table"));
  engine.faults.inject({ op: "updateItem", error: "conflict" });
  await port.updateItem({
    TableName: "engine_table",
    Key: key("a", "1"),
    UpdateExpression: "ADD n :one",
    ExpressionAttributeValues: { ":one": { N: "1" } },
  });
  const { Item } = await engine.getItem({ TableName: "engine_table", Key: key("a", "1") });
  assert.deepEqual(Item?.n, { N: "1" }, "applied exactly once");
  await engine.close();
});
