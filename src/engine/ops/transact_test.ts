import assert from "node:assert/strict";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";
import { TokenCache } from "./transact.ts";

Deno.test("TransactWriteItems: ClientRequestToken makes a retry idempotent", async () => {
  const { engine } = await testEngine();
  const request = {
    ClientRequestToken: "token-1",
    TransactItems: [{
      Update: {
        TableName: TABLE,
        Key: key("tok", "1"),
        UpdateExpression: "ADD c :one",
        ExpressionAttributeValues: { ":one": { N: "1" } },
      },
    }],
  };
  await engine.transactWriteItems(request);
  await engine.transactWriteItems(request);
  const { Item } = await engine.getItem({ TableName: TABLE, Key: key("tok", "1") });
  assert.deepEqual(Item?.c, { N: "1" }, "applied once");
  const e = await errorOf(
    engine.transactWriteItems({
      ...request,
      TransactItems: [{ Put: { TableName: TABLE, Item: key("tok", "2") } }],
    }),
  );
  assert.equal(e.name, "IdempotentParameterMismatchException");
  await engine.close();
});

Deno.test("TransactWriteItems: item-level validation cancels with ValidationError reasons", async () => {
  const { engine } = await testEngine();
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("v", "big"), body: { S: "x".repeat(400 * 1024 - 20) } },
  });
  const e = await errorOf(engine.transactWriteItems({
    TransactItems: [
      { Put: { TableName: TABLE, Item: key("v", "1") } },
      { Put: { TableName: TABLE, Item: { pk: { S: "v" }, sk: { N: "2" } } } },
      {
        Update: {
          TableName: TABLE,
          Key: key("v", "big"),
          UpdateExpression: "SET more = :m",
          ExpressionAttributeValues: { ":m": { S: "x".repeat(100) } },
        },
      },
    ],
  }));
  assert.equal(e.name, "TransactionCanceledException");
  const reasons = e.CancellationReasons as { Code: string; Message?: string }[];
  assert.deepEqual(reasons.map((r) => r.Code), ["None", "ValidationError", "ValidationError"]);
  assert.match(reasons[2]!.Message!, /Item size to update has exceeded/);
  assert.equal((await engine.getItem({ TableName: TABLE, Key: key("v", "1") })).Item, undefined);
  const syntax = await errorOf(engine.transactWriteItems({
    TransactItems: [{
      Put: { TableName: TABLE, Item: key("v", "1"), ConditionExpression: "pk = = :x" },
    }],
  }));
  assert.equal(syntax.name, "ValidationException");
  await engine.close();
});

Deno.test("TransactWriteItems and TransactGetItems cost double", async () => {
  const { engine } = await testEngine();
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("c", "1"), body: { S: "x".repeat(1500) } },
  });
  const write = await engine.transactWriteItems({
    TransactItems: [
      {
        ConditionCheck: {
          TableName: TABLE,
          Key: key("c", "1"),
          ConditionExpression: "attribute_exists(pk)",
        },
      },
      {
        Put: {
          TableName: TABLE,
          Item: { ...key("c", "2"), gsi1pk: { S: "g" }, gsi1sk: { S: "1" } },
        },
      },
    ],
    ReturnConsumedCapacity: "INDEXES",
  });
  assert.deepEqual(write.ConsumedCapacity, [{
    TableName: TABLE,
    CapacityUnits: 8,
    WriteCapacityUnits: 8,
    Table: { CapacityUnits: 6, WriteCapacityUnits: 6 },
    GlobalSecondaryIndexes: { gsi1: { CapacityUnits: 2, WriteCapacityUnits: 2 } },
  }]);
  const read = await engine.transactGetItems({
    TransactItems: [{ Get: { TableName: TABLE, Key: key("c", "1") } }, {
      Get: { TableName: TABLE, Key: key("c", "9") },
    }],
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.equal(read.ConsumedCapacity?.[0]?.CapacityUnits, 4);
  assert.deepEqual(read.Responses?.[1], {});
  await engine.close();
});

Deno.test("TransactWriteItems: injected conflicts, limits and duplicates", async () => {
  const { engine } = await testEngine();
  engine.faults.inject({ op: "transactWriteItems", error: "conflict" });
  const conflict = await errorOf(
    engine.transactWriteItems({
      TransactItems: [{ Put: { TableName: TABLE, Item: key("f", "1") } }],
    }),
  );
  assert.deepEqual((conflict.CancellationReasons as { Code: string }[]).map((r) => r.Code), [
    "TransactionConflict",
  ]);
  assert.equal((await engine.getItem({ TableName: TABLE, Key: key("f", "1") })).Item, undefined);
  const many = await errorOf(engine.transactWriteItems({
    TransactItems: Array.from(
      { length: 101 },
      (_, i) => ({ Put: { TableName: TABLE, Item: key("f", `${i}`) } }),
    ),
  }));
  assert.match(many.message, /less than or equal to 100/);
  const dup = await errorOf(engine.transactGetItems({
    TransactItems: [{ Get: { TableName: TABLE, Key: key("f", "1") } }, {
      Get: { TableName: TABLE, Key: key("f", "1") },
    }],
  }));
  assert.match(dup.message, /multiple operations on one item/);
  await engine.close();
});

Deno.test("TokenCache forgets tokens after ten minutes, oldest first, and keeps live ones", () => {
  const tokens = new TokenCache();
  const minute = 60_000;
  for (let i = 0; i < 100; i++) tokens.remember(`t${i}`, "r", i * minute / 10);
  assert.equal(tokens.seen("t99", "r", 10 * minute), true);
  // At 10.5 min the tokens remembered before 0.5 min are gone, the rest remain.
  assert.equal(tokens.seen("none", "r", 10.5 * minute), false);
  assert.equal(tokens.size, 95);
  assert.equal(tokens.seen("t4", "r", 10.5 * minute), false);
  assert.equal(tokens.seen("t5", "r", 10.5 * minute), true);
  assert.throws(() => tokens.seen("t5", "other", 10.5 * minute), /idempotency token/);
});
