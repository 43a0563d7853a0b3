/**
 * Cost guards of the engine's write path (issue #11), without timing: a transaction sizes each
 * item once, parses a repeated ConditionExpression once, and the cache that makes that so keeps
 * every answer (values, unused-value errors, value-dependent checks) as a fresh parse gives it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { conditionParses } from "../expression/condition_cache.ts";
import { sizeCounter } from "../item_size.ts";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";

const paramPut = (sk: string, h: string, expression = "attribute_not_exists(pk) OR h = :h") => ({
  Put: {
    TableName: TABLE,
    Item: {
      ...key("run", sk),
      gsi1pk: { S: "EXP#1" },
      gsi1sk: { S: "RUN#1#P" },
      v: { S: `value of ${sk}` },
      h: { S: h },
    },
    ConditionExpression: expression,
    ExpressionAttributeValues: { ":h": { S: h } },
  },
});

Deno.test("a 100-put transaction sizes each item once and parses its condition once", async () => {
  const { engine } = await testEngine();
  // A distinct expression, so an earlier test cannot have cached it.
  const expression = "attribute_not_exists(pk) OR h = :h OR attribute_exists(guard_once)";
  const items = Array.from({ length: 100 }, (_, i) => paramPut(`P#k${i}`, `h${i}`, expression));
  const sized = sizeCounter.items;
  const parsed = conditionParses.misses;
  await engine.transactWriteItems({ TransactItems: items, ClientRequestToken: "t-100" });
  assert.equal(sizeCounter.items - sized, 100, "item sizes computed");
  assert.equal(conditionParses.misses - parsed, 1, "condition parses");
  await engine.close();
});

Deno.test("a cached condition is evaluated with each request's own values", async () => {
  const { engine } = await testEngine();
  await engine.transactWriteItems({
    TransactItems: [paramPut("P#a", "ha"), paramPut("P#b", "hb")],
  });
  // Same value: passes (the second put of a param is idempotent).
  await engine.transactWriteItems({
    TransactItems: [paramPut("P#a", "ha"), paramPut("P#c", "hc")],
  });
  // Another value for P#b: the cached tree must not carry the earlier request's :h.
  const e = await errorOf(
    engine.transactWriteItems({ TransactItems: [paramPut("P#d", "hd"), paramPut("P#b", "other")] }),
  );
  assert.equal(e.name, "TransactionCanceledException");
  const reasons = e.CancellationReasons as { Code: string }[];
  assert.deepEqual(reasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
  assert.equal(
    (await engine.getItem({ TableName: TABLE, Key: key("run", "P#d") })).Item,
    undefined,
  );
  await engine.close();
});

Deno.test("a cached condition still rejects unused and undefined values", async () => {
  const { engine } = await testEngine();
  const put = (values: Record<string, { S: string }>) =>
    engine.putItem({
      TableName: TABLE,
      Item: { ...key("cache", "1"), h: { S: "1" } },
      ConditionExpression: "attribute_not_exists(pk) OR h = :h",
      ExpressionAttributeValues: values,
    });
  await put({ ":h": { S: "1" } });
  await put({ ":h": { S: "1" } });
  const unused = await errorOf(put({ ":h": { S: "1" }, ":x": { S: "2" } }));
  assert.match(unused.message, /unused in expressions: keys: \{:x\}/);
  const undefinedValue = await errorOf(put({ ":x": { S: "2" } }));
  assert.match(
    undefinedValue.message,
    /An expression attribute value used in expression is not defined/,
  );
  // A value of another type makes a comparison invalid; the cache keys on the types.
  const typed = await errorOf(
    engine.putItem({
      TableName: TABLE,
      Item: key("cache", "2"),
      ConditionExpression: "h < :h",
      ExpressionAttributeValues: { ":h": { BOOL: true } },
    }),
  );
  assert.match(
    typed.message,
    /Incorrect operand type for operator or function; operator or function: </,
  );
  await engine.close();
});

Deno.test("value-dependent conditions are checked on every request (BETWEEN bounds)", async () => {
  const { engine } = await testEngine();
  const put = (low: string, high: string) =>
    engine.putItem({
      TableName: TABLE,
      Item: key("between", "1"),
      ConditionExpression: "attribute_not_exists(n) OR n BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":lo": { N: low }, ":hi": { N: high } },
    });
  await put("1", "2");
  const e = await errorOf(put("3", "2"));
  assert.match(e.message, /BETWEEN operator requires upper bound to be greater than or equal/);
  await engine.close();
});

Deno.test("transaction items with look-alike keys are distinct; a real duplicate is refused", async () => {
  const { engine } = await testEngine();
  // Plain concatenation of the key parts would make these two the same item.
  await engine.transactWriteItems({
    TransactItems: [
      { Put: { TableName: TABLE, Item: key("a\u0000Sb", "c") } },
      { Put: { TableName: TABLE, Item: key("a", "b\u0000Sc") } },
    ],
  });
  const e = await errorOf(engine.transactWriteItems({
    TransactItems: [
      { Put: { TableName: TABLE, Item: key("x", "y") } },
      {
        ConditionCheck: {
          TableName: TABLE,
          Key: key("x", "y"),
          ConditionExpression: "attribute_exists(pk)",
        },
      },
    ],
  }));
  assert.match(e.message, /multiple operations on one item/);
  await engine.close();
});

Deno.test("a retried token with other binary values is a parameter mismatch", async () => {
  const { engine } = await testEngine();
  const request = (byte: number) => ({
    ClientRequestToken: "bin-token",
    TransactItems: [{
      Put: { TableName: TABLE, Item: { ...key("bin", "1"), b: { B: new Uint8Array([1, byte]) } } },
    }],
  });
  await engine.transactWriteItems(request(2));
  await engine.transactWriteItems(request(2));
  const e = await errorOf(engine.transactWriteItems(request(3)));
  assert.equal(e.name, "IdempotentParameterMismatchException");
  await engine.close();
});

Deno.test("a cached condition rebinds values under IN, NOT, AND, begins_with and contains", async () => {
  const { engine } = await testEngine();
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("rebind", "1"), a: { S: "x" }, b: { S: "prefix-1" }, c: { SS: ["q"] } },
  });
  const update = (values: Record<string, { S: string }>) =>
    engine.updateItem({
      TableName: TABLE,
      Key: key("rebind", "1"),
      UpdateExpression: "SET n = :n",
      ConditionExpression: "NOT (a IN (:x, :y)) AND begins_with(b, :p) AND contains(c, :q)",
      ExpressionAttributeValues: { ":n": { S: "set" }, ...values },
    });
  const passing = { ":x": { S: "y" }, ":y": { S: "z" }, ":p": { S: "prefix" }, ":q": { S: "q" } };
  await update(passing);
  await update(passing);
  for (
    const failing of [
      { ...passing, ":y": { S: "x" } },
      { ...passing, ":p": { S: "other" } },
      { ...passing, ":q": { S: "r" } },
    ]
  ) {
    const e = await errorOf(update(failing));
    assert.equal(e.name, "ConditionalCheckFailedException", JSON.stringify(failing));
  }
  await engine.close();
});
