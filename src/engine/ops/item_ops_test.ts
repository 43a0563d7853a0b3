import assert from "node:assert/strict";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";

Deno.test("GetItem: projection, consistency and capacity", async () => {
  const { engine } = await testEngine();
  await engine.putItem({
    TableName: TABLE,
    Item: {
      ...key("a", "1"),
      m: { M: { x: { N: "1" }, y: { N: "2" } } },
      big: { S: "x".repeat(5000) },
    },
  });
  const out = await engine.getItem({
    TableName: TABLE,
    Key: key("a", "1"),
    ProjectionExpression: "m.y, #k",
    ExpressionAttributeNames: { "#k": "pk" },
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.deepEqual(out.Item, { pk: { S: "a" }, m: { M: { y: { N: "2" } } } });
  assert.equal(out.ConsumedCapacity?.CapacityUnits, 1, "5 KB item: 2 units, halved");
  const strong = await engine.getItem({
    TableName: TABLE,
    Key: key("a", "1"),
    ConsistentRead: true,
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.equal(strong.ConsumedCapacity?.CapacityUnits, 2);
  const missing = await engine.getItem({ TableName: TABLE, Key: key("a", "2") });
  assert.equal(missing.Item, undefined);
  assert.equal(missing.ConsumedCapacity, undefined);
  await engine.close();
});

Deno.test("GetItem returns copies that callers cannot use to change stored data", async () => {
  const { engine } = await testEngine();
  await engine.putItem({ TableName: TABLE, Item: { ...key("a", "1"), l: { L: [{ S: "x" }] } } });
  const first = await engine.getItem({ TableName: TABLE, Key: key("a", "1") });
  first.Item!.l!.L!.push({ S: "mutated" });
  const second = await engine.getItem({ TableName: TABLE, Key: key("a", "1") });
  assert.equal(second.Item!.l!.L!.length, 1);
  await engine.close();
});

Deno.test("PutItem: ReturnValues, and a failed condition still consumes capacity", async () => {
  const { engine } = await testEngine();
  const item = { ...key("p", "1"), body: { S: "x".repeat(2500) } };
  assert.deepEqual(
    await engine.putItem({ TableName: TABLE, Item: item, ReturnValues: "ALL_OLD" }),
    {},
  );
  const again = await engine.putItem({
    TableName: TABLE,
    Item: key("p", "1"),
    ReturnValues: "ALL_OLD",
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.equal(again.Attributes?.body?.S?.length, 2500);
  assert.equal(again.ConsumedCapacity?.CapacityUnits, 3, "larger of old and new item");
  await engine.putItem({ TableName: TABLE, Item: item });
  engine.stats.reset();
  const e = await errorOf(
    engine.putItem({
      TableName: TABLE,
      Item: item,
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  assert.equal(e.name, "ConditionalCheckFailedException");
  assert.equal(e.Item, undefined);
  assert.equal(engine.stats.writeUnits, 3, "the existing item's size");
  const invalid = await errorOf(
    engine.putItem({ TableName: TABLE, Item: item, ReturnValues: "ALL_NEW" }),
  );
  assert.equal(invalid.message, "Return values set to invalid value");
  await engine.close();
});

Deno.test("UpdateItem: creates missing items and returns what was asked", async () => {
  const { engine } = await testEngine();
  const none = await engine.updateItem({
    TableName: TABLE,
    Key: key("u", "1"),
    UpdateExpression: "SET l = :l",
    ExpressionAttributeValues: { ":l": { L: [{ N: "1" }, { N: "2" }] } },
    ReturnValues: "ALL_OLD",
  });
  assert.equal(none.Attributes, undefined);
  const old = await engine.updateItem({
    TableName: TABLE,
    Key: key("u", "1"),
    UpdateExpression: "SET l[1] = :v, n = :v",
    ExpressionAttributeValues: { ":v": { N: "9" } },
    ReturnValues: "UPDATED_OLD",
  });
  assert.deepEqual(
    old.Attributes,
    { l: { L: [{ N: "1" }, { N: "2" }] } },
    "a list element returns its list",
  );
  const fresh = await engine.updateItem({
    TableName: TABLE,
    Key: key("u", "1"),
    UpdateExpression: "REMOVE n",
    ReturnValues: "UPDATED_NEW",
  });
  assert.equal(fresh.Attributes, undefined, "nothing left to return");
  const all = await engine.updateItem({
    TableName: TABLE,
    Key: key("u", "1"),
    ReturnValues: "ALL_NEW",
  });
  assert.deepEqual(all.Attributes, { ...key("u", "1"), l: { L: [{ N: "1" }, { N: "9" }] } });
  await engine.close();
});

Deno.test("DeleteItem: ALL_OLD and ReturnValuesOnConditionCheckFailure", async () => {
  const { engine } = await testEngine();
  await engine.putItem({ TableName: TABLE, Item: { ...key("d", "1"), v: { N: "1" } } });
  const e = await errorOf(engine.deleteItem({
    TableName: TABLE,
    Key: key("d", "1"),
    ConditionExpression: "v = :two",
    ExpressionAttributeValues: { ":two": { N: "2" } },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  }));
  assert.deepEqual(e.Item, { ...key("d", "1"), v: { N: "1" } });
  const out = await engine.deleteItem({
    TableName: TABLE,
    Key: key("d", "1"),
    ReturnValues: "ALL_OLD",
    ReturnConsumedCapacity: "TOTAL",
  });
  assert.deepEqual(out.Attributes?.v, { N: "1" });
  assert.equal(out.ConsumedCapacity?.CapacityUnits, 1);
  const gone = await engine.deleteItem({
    TableName: TABLE,
    Key: key("d", "1"),
    ReturnValues: "ALL_OLD",
  });
  assert.equal(gone.Attributes, undefined);
  await engine.close();
});

Deno.test("expired items (TTL) read as absent everywhere", async () => {
  const { engine, clock } = await testEngine();
  await engine.updateTimeToLive({
    TableName: TABLE,
    TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
  });
  const expiresAt = clock.now / 1000 + 60;
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("t", "1"), expires_at: { N: String(expiresAt) } },
  });
  assert.ok((await engine.getItem({ TableName: TABLE, Key: key("t", "1") })).Item);
  clock.now += 61_000;
  assert.equal((await engine.getItem({ TableName: TABLE, Key: key("t", "1") })).Item, undefined);
  const q = await engine.query({
    TableName: TABLE,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: "t" } },
  });
  assert.equal(q.Count, 0);
  assert.equal(q.ScannedCount, 0);
  await engine.putItem({
    TableName: TABLE,
    Item: key("t", "1"),
    ConditionExpression: "attribute_not_exists(pk)",
  });
  assert.ok(
    (await engine.getItem({ TableName: TABLE, Key: key("t", "1") })).Item,
    "replaced by a live item",
  );
  await engine.close();
});

Deno.test("item-level validation", async () => {
  const { engine } = await testEngine();
  const cases: [Promise<unknown>, RegExp][] = [
    [
      engine.putItem({
        TableName: TABLE,
        Item: { ...key("v", "1"), x: { S: "x".repeat(400 * 1024) } },
      }),
      /Item size has exceeded/,
    ],
    [
      engine.putItem({ TableName: TABLE, Item: { ...key("v", "1"), "": { S: "x" } } }),
      /Empty attribute name/,
    ],
    [
      engine.putItem({ TableName: TABLE, Item: { ...key("v", "1"), n: { N: "1e200" } } }),
      /Number overflow/,
    ],
    [
      engine.putItem({ TableName: TABLE, Item: key("v", "1"), Expected: {} }),
      /legacy parameter Expected/,
    ],
    [
      engine.getItem({ TableName: TABLE, Key: key("v", "1"), AttributesToGet: ["pk"] }),
      /legacy parameter AttributesToGet/,
    ],
    [
      engine.putItem({
        TableName: TABLE,
        Item: key("v", "1"),
        ReturnConsumedCapacity: "ALL" as "TOTAL",
      }),
      /returnConsumedCapacity/,
    ],
    [
      engine.putItem({
        TableName: TABLE,
        Item: key("v", "1"),
        ExpressionAttributeNames: { "#a": "a" },
      }),
      /can only be specified when using expressions/,
    ],
  ];
  for (const [p, re] of cases) {
    const e = await errorOf(p);
    assert.equal(e.name, "ValidationException", String(re));
    assert.match(e.message, re);
  }
  assert.equal(
    (await errorOf(engine.putItem({ TableName: "no_such_table", Item: key("v", "1") }))).name,
    "ResourceNotFoundException",
  );
  await engine.close();
});
