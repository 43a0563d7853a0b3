import assert from "node:assert/strict";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";

Deno.test("BatchWriteItem: injected UnprocessedItems are not applied and can be retried", async () => {
  const { engine } = await testEngine();
  engine.faults.unprocessed({ op: "batchWriteItem" });
  const requests = Array.from(
    { length: 10 },
    (_, i) => ({ PutRequest: { Item: key("b", `${i}`) } }),
  );
  const out = await engine.batchWriteItem({ RequestItems: { [TABLE]: requests } });
  const left = out.UnprocessedItems?.[TABLE] ?? [];
  assert.equal(left.length, 5);
  const q = () =>
    engine.query({
      TableName: TABLE,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "b" } },
      Select: "COUNT",
    });
  assert.equal((await q()).Count, 5);
  const retry = await engine.batchWriteItem({ RequestItems: { [TABLE]: left } });
  assert.deepEqual(retry.UnprocessedItems, {});
  assert.equal((await q()).Count, 10);
  await engine.close();
});

Deno.test("BatchGetItem: UnprocessedKeys, per-item rounding and missing keys", async () => {
  const { engine } = await testEngine();
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("g", "1"), body: { S: "x".repeat(1500) } },
  });
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("g", "2"), body: { S: "x".repeat(6500) } },
  });
  const out = await engine.batchGetItem({
    RequestItems: {
      [TABLE]: {
        Keys: [key("g", "1"), key("g", "2"), key("g", "3")],
        ConsistentRead: true,
        ProjectionExpression: "sk",
      },
    },
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.deepEqual(out.Responses?.[TABLE]?.map((i) => i.sk?.S).sort(), ["1", "2"]);
  assert.deepEqual(out.Responses?.[TABLE]?.[0], { sk: { S: "1" } });
  assert.deepEqual(out.ConsumedCapacity, [{
    TableName: TABLE,
    CapacityUnits: 4,
    ReadCapacityUnits: 4,
  }], "1 + 2 + 1 (missing)");
  engine.faults.unprocessed({ op: "batchGetItem", fraction: 1 });
  const held = await engine.batchGetItem({
    RequestItems: { [TABLE]: { Keys: [key("g", "1")], ProjectionExpression: "sk" } },
  });
  assert.deepEqual(held.Responses, { [TABLE]: [] });
  assert.deepEqual(held.UnprocessedKeys, {
    [TABLE]: { Keys: [key("g", "1")], ProjectionExpression: "sk" },
  });
  await engine.close();
});

Deno.test("BatchGetItem: stops at 16 MB and returns the rest as UnprocessedKeys", async () => {
  const { engine } = await testEngine();
  const body = { S: "x".repeat(400 * 1024 - 100) };
  const keys = Array.from({ length: 45 }, (_, i) => key("huge", String(i).padStart(2, "0")));
  for (const k of keys) await engine.putItem({ TableName: TABLE, Item: { ...k, body } });
  const out = await engine.batchGetItem({ RequestItems: { [TABLE]: { Keys: keys } } });
  const got = out.Responses?.[TABLE]?.length ?? 0;
  const left = out.UnprocessedKeys?.[TABLE]?.Keys?.length ?? 0;
  assert.ok(got >= 40 && got < 45, `returned ${got}`);
  assert.equal(got + left, 45);
  await engine.close();
});

Deno.test("batch validation", async () => {
  const { engine } = await testEngine();
  const cases: [Promise<unknown>, RegExp][] = [
    [engine.batchWriteItem({ RequestItems: {} }), /cannot have a null or no requests set/],
    [
      engine.batchWriteItem({
        RequestItems: {
          [TABLE]: Array.from(
            { length: 26 },
            (_, i) => ({ PutRequest: { Item: key("x", `${i}`) } }),
          ),
        },
      }),
      /Too many items/,
    ],
    [
      engine.batchWriteItem({
        RequestItems: {
          [TABLE]: [{ PutRequest: { Item: key("x", "1") } }, {
            DeleteRequest: { Key: key("x", "1") },
          }],
        },
      }),
      /contains duplicates/,
    ],
    [
      engine.batchGetItem({ RequestItems: { [TABLE]: { Keys: [key("x", "1"), key("x", "1")] } } }),
      /contains duplicates/,
    ],
    [
      engine.batchGetItem({
        RequestItems: {
          [TABLE]: { Keys: Array.from({ length: 101 }, (_, i) => key("x", `${i}`)) },
        },
      }),
      /Too many items/,
    ],
  ];
  for (const [p, re] of cases) {
    const e = await errorOf(p);
    assert.equal(e.name, "ValidationException");
    assert.match(e.message, re);
  }
  assert.equal(
    (await errorOf(
      engine.batchGetItem({ RequestItems: { nope_table: { Keys: [key("x", "1")] } } }),
    )).name,
    "ResourceNotFoundException",
  );
  await engine.close();
});
