import assert from "node:assert/strict";
import { createEngine } from "../engine.ts";
import type { RangeCondition } from "../expression/key_condition.ts";
import { type Stored, stored } from "../table_data.ts";
import { rangeBounds } from "./query.ts";
import { SortedList } from "../sorted_list.ts";
import { compareUtf8 } from "../values.ts";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";

Deno.test("rangeBounds() finds each key condition's slice by binary search", () => {
  const arr: Stored[] = ["a", "ab", "abc", "b", "ba", "c"].map((sk) => stored(key("p", sk)));
  const attr = { name: "sk", type: "S" as const };
  const list = new SortedList<Stored>((a, b) => compareUtf8(a.item.sk!.S!, b.item.sk!.S!));
  for (const s of [...arr].reverse()) list.upsert(s);
  const sks = (c: RangeCondition) => {
    const [lo, hi] = rangeBounds(list, attr, c);
    return arr.slice(lo, hi).map((s) => s.item.sk!.S);
  };
  assert.deepEqual(sks({ op: "=", value: { S: "b" } }), ["b"]);
  assert.deepEqual(sks({ op: "<", value: { S: "b" } }), ["a", "ab", "abc"]);
  assert.deepEqual(sks({ op: "<=", value: { S: "b" } }), ["a", "ab", "abc", "b"]);
  assert.deepEqual(sks({ op: ">", value: { S: "b" } }), ["ba", "c"]);
  assert.deepEqual(sks({ op: ">=", value: { S: "ba" } }), ["ba", "c"]);
  assert.deepEqual(sks({ op: "between", low: { S: "ab" }, high: { S: "b" } }), ["ab", "abc", "b"]);
  assert.deepEqual(sks({ op: "between", low: { S: "bb" }, high: { S: "bc" } }), []);
  assert.deepEqual(sks({ op: "begins_with", prefix: { S: "ab" } }), ["ab", "abc"]);
  assert.deepEqual(sks({ op: "begins_with", prefix: { S: "z" } }), []);
});

Deno.test("Query: the 1 MB page and LastEvaluatedKey", async () => {
  const { engine } = await testEngine();
  const body = { S: "x".repeat(200 * 1024) };
  for (let i = 0; i < 5; i++) {
    await engine.putItem({ TableName: TABLE, Item: { ...key("big", `k${i}`), body } });
  }
  const page = await engine.query({
    TableName: TABLE,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: "big" } },
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.equal(page.Count, 5, "1,000 KB read is under 1 MB");
  assert.equal(page.LastEvaluatedKey, undefined);
  assert.equal(
    page.ConsumedCapacity?.CapacityUnits,
    125.5,
    "sum rounded once: ceil(5 * 204813 / 4096) / 2",
  );
  await engine.putItem({ TableName: TABLE, Item: { ...key("big", "k5"), body } });
  await engine.putItem({ TableName: TABLE, Item: { ...key("big", "k6"), body } });
  const first = await engine.query({
    TableName: TABLE,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: "big" } },
  });
  assert.equal(first.Count, 6, "the item crossing 1 MB is the last one read");
  assert.deepEqual(first.LastEvaluatedKey, key("big", "k5"));
  const rest = await engine.query({
    TableName: TABLE,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: "big" } },
    ExclusiveStartKey: first.LastEvaluatedKey,
  });
  assert.deepEqual(rest.Items?.map((i) => i.sk?.S), ["k6"]);
  assert.equal(rest.LastEvaluatedKey, undefined);
  await engine.close();
});

Deno.test("Query: an empty result still costs a read", async () => {
  const { engine } = await testEngine();
  const out = await engine.query({
    TableName: TABLE,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: "nothing" } },
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.deepEqual(out.Items, []);
  assert.equal(out.ConsumedCapacity?.CapacityUnits, 0.5);
  await engine.close();
});

Deno.test("Query: GSI reads charge the index and report INDEXES", async () => {
  const { engine } = await testEngine();
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("a", "1"), gsi1pk: { S: "g" }, gsi1sk: { S: "1" } },
  });
  engine.stats.reset();
  const out = await engine.query({
    TableName: TABLE,
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :g",
    ExpressionAttributeValues: { ":g": { S: "g" } },
    ReturnConsumedCapacity: "INDEXES",
  });
  assert.equal(out.ConsumedCapacity?.Table?.CapacityUnits, 0);
  assert.equal(out.ConsumedCapacity?.GlobalSecondaryIndexes?.gsi1?.CapacityUnits, 0.5);
  assert.deepEqual(engine.stats.indexes, { gsi1: { readUnits: 0.5, writeUnits: 0 } });
  assert.deepEqual(engine.stats.calls, { query: 1 });
  await engine.close();
});

Deno.test("Query: KEYS_ONLY index projection", async () => {
  const engine = createEngine();
  await engine.createTable({
    TableName: "keys_only",
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, {
      AttributeName: "g",
      AttributeType: "N",
    }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [{
      IndexName: "by_g",
      KeySchema: [{ AttributeName: "g", KeyType: "HASH" }],
      Projection: { ProjectionType: "KEYS_ONLY" },
    }],
  });
  await engine.putItem({
    TableName: "keys_only",
    Item: { pk: { S: "a" }, g: { N: "1" }, other: { S: "hidden" } },
  });
  const out = await engine.query({
    TableName: "keys_only",
    IndexName: "by_g",
    KeyConditionExpression: "g = :g",
    ExpressionAttributeValues: { ":g": { N: "1.0" } },
  });
  assert.deepEqual(out.Items, [{ pk: { S: "a" }, g: { N: "1" } }]);
  const e = await errorOf(engine.query({
    TableName: "keys_only",
    IndexName: "by_g",
    KeyConditionExpression: "g = :g",
    ExpressionAttributeValues: { ":g": { N: "1" } },
    Select: "ALL_ATTRIBUTES",
  }));
  assert.match(e.message, /projection type is not ALL/);
  await engine.close();
});

Deno.test("Query: validation of key conditions, filters and start keys", async () => {
  const { engine } = await testEngine();
  const bad: [Parameters<typeof engine.query>[0], RegExp][] = [
    [{
      TableName: TABLE,
      KeyConditionExpression: "pk = :p",
      FilterExpression: "sk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
    }, /Filter Expression can only contain non-primary key attributes: Primary key attribute: sk/],
    [{
      TableName: TABLE,
      KeyConditionExpression: "pk = :p OR sk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
    }, /Invalid operator used in KeyConditionExpression: OR/],
    [{
      TableName: TABLE,
      KeyConditionExpression: "sk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
    }, /missed key schema element/],
    [{
      TableName: TABLE,
      KeyConditionExpression: "pk = :p AND begins_with(sk, :n)",
      ExpressionAttributeValues: { ":p": { S: "a" }, ":n": { N: "1" } },
    }, /operand type: N/],
    [{
      TableName: TABLE,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
      ExclusiveStartKey: key("b", "1"),
    }, /does not match the range key predicate/],
    [{
      TableName: TABLE,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
      Limit: 0,
    }, /Limit must be greater than or equal to 1/],
    [{
      TableName: TABLE,
      IndexName: "nope",
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
    }, /does not have the specified index: nope/],
  ];
  for (const [input, re] of bad) {
    const e = await errorOf(engine.query(input));
    assert.equal(e.name, "ValidationException");
    assert.match(e.message, re);
  }
  await engine.close();
});
