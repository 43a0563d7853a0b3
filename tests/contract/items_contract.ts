/**
 * Contract cases: single items: tables, conditional writes, conditions, update expressions, numbers, size limits and validation.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ContractTest, type Item, key, n, rejectsWith, s } from "./contract_support.ts";

/** Registers the cases with `test`. */
export function itemCases(test: ContractTest): void {
  test("DescribeTable reports the table and its index as ACTIVE", async (port, table) => {
    const { Table } = await port.describeTable({ TableName: table });
    assert.equal(Table?.TableStatus, "ACTIVE");
    assert.deepEqual(Table?.KeySchema?.map((k) => [k.AttributeName, k.KeyType]), [
      ["pk", "HASH"],
      ["sk", "RANGE"],
    ]);
    assert.equal(Table?.GlobalSecondaryIndexes?.[0]?.IndexName, "gsi1");
    assert.equal(Table?.GlobalSecondaryIndexes?.[0]?.IndexStatus, "ACTIVE");
    await rejectsWith(
      port.describeTable({ TableName: `${table}_missing` }),
      "ResourceNotFoundException",
    );
    await rejectsWith(
      port.createTable({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
      "ResourceInUseException",
    );
  });

  test("conditional PutItem: attribute_not_exists guards creation", async (port, table) => {
    const item = { ...key("cond", "1"), v: n(1) };
    await port.putItem({
      TableName: table,
      Item: item,
      ConditionExpression: "attribute_not_exists(pk)",
    });
    const e = await rejectsWith(
      port.putItem({
        TableName: table,
        Item: { ...item, v: n(2) },
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
      "ConditionalCheckFailedException",
    );
    assert.deepEqual((e as { Item?: Item }).Item?.v, n(1));
    await port.putItem({
      TableName: table,
      Item: { ...item, v: n(3) },
      ConditionExpression: "#v = :one",
      ExpressionAttributeNames: { "#v": "v" },
      ExpressionAttributeValues: { ":one": n(1) },
    });
    const { Item } = await port.getItem({
      TableName: table,
      Key: key("cond", "1"),
      ConsistentRead: true,
    });
    assert.deepEqual(Item?.v, n(3));
    const old = await port.putItem({ TableName: table, Item: item, ReturnValues: "ALL_OLD" });
    assert.deepEqual(old.Attributes?.v, n(3));
  });

  test("conditions: comparisons, functions, missing attributes", async (port, table) => {
    await port.putItem({
      TableName: table,
      Item: {
        ...key("c", "1"),
        num: n(10),
        str: s("hello"),
        lst: { L: [s("a")] },
        tags: { SS: ["x", "y"] },
      },
    });
    const ok = (ConditionExpression: string, values?: Item) =>
      port.updateItem({
        TableName: table,
        Key: key("c", "1"),
        UpdateExpression: "SET touched = :t",
        ConditionExpression,
        ExpressionAttributeValues: { ":t": n(1), ...values },
      });
    await ok("num BETWEEN :a AND :b", { ":a": n(9), ":b": n(11) });
    await ok("num IN (:a, :b)", { ":a": n(1), ":b": n("10.0") });
    await ok("begins_with(str, :p) AND contains(tags, :x) AND size(lst) = :one", {
      ":p": s("he"),
      ":x": s("y"),
      ":one": n(1),
    });
    await ok("absent <> :v", { ":v": s("anything") });
    await ok("attribute_type(num, :type)", { ":type": s("N") });
    await ok("NOT (num < :a OR attribute_exists(absent))", { ":a": n(5) });
    await rejectsWith(ok("num > :v", { ":v": s("5") }), "ConditionalCheckFailedException");
    await rejectsWith(ok("absent = :v", { ":v": s("x") }), "ConditionalCheckFailedException");
  });

  test(
    "UpdateItem: SET, REMOVE, ADD counters, if_not_exists, list_append, sets",
    async (port, table) => {
      const k = key("upd", "1");
      const add = () =>
        port.updateItem({
          TableName: table,
          Key: k,
          UpdateExpression: "ADD #c :one",
          ExpressionAttributeNames: { "#c": "cnt" },
          ExpressionAttributeValues: { ":one": n(1) },
          ReturnValues: "UPDATED_NEW",
        });
      assert.deepEqual((await add()).Attributes, { cnt: n(1) });
      assert.deepEqual((await add()).Attributes, { cnt: n(2) });
      const out = await port.updateItem({
        TableName: table,
        Key: k,
        UpdateExpression:
          "SET hits = if_not_exists(hits, :zero) + :one, events = list_append(if_not_exists(events, :empty), :ev), info = :info ADD tags :tags",
        ExpressionAttributeValues: {
          ":zero": n(0),
          ":one": n(1),
          ":empty": { L: [] },
          ":ev": { L: [s("created")] },
          ":info": { M: { a: s("x") } },
          ":tags": { SS: ["a", "b"] },
        },
        ReturnValues: "ALL_NEW",
      });
      assert.deepEqual(out.Attributes?.hits, n(1));
      assert.deepEqual(out.Attributes?.events, { L: [s("created")] });
      const nested = await port.updateItem({
        TableName: table,
        Key: k,
        UpdateExpression: "SET info.b = :b, hits = hits + :ten REMOVE cnt DELETE tags :a",
        ExpressionAttributeValues: { ":b": s("y"), ":ten": n(10), ":a": { SS: ["a"] } },
        ReturnValues: "UPDATED_OLD",
      });
      assert.deepEqual(nested.Attributes?.cnt, n(2));
      assert.deepEqual(nested.Attributes?.hits, n(1));
      const { Item } = await port.getItem({ TableName: table, Key: k, ConsistentRead: true });
      assert.deepEqual(Item?.info, { M: { a: s("x"), b: s("y") } });
      assert.deepEqual(Item?.hits, n(11));
      assert.equal(Item?.cnt, undefined);
      assert.deepEqual(Item?.tags, { SS: ["b"] });
      const before = await port.updateItem({
        TableName: table,
        Key: k,
        UpdateExpression: "SET hits = :v",
        ExpressionAttributeValues: { ":v": n(0) },
        ReturnValues: "ALL_OLD",
      });
      assert.deepEqual(before.Attributes?.hits, n(11));
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: k,
          UpdateExpression: "SET pk = :v",
          ExpressionAttributeValues: { ":v": s("other") },
        }),
        "ValidationException",
      );
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: k,
          UpdateExpression: "ADD info :one",
          ExpressionAttributeValues: { ":one": n(1) },
        }),
        "ValidationException",
      );
    },
  );

  test("numbers are exact decimals and come back normalised", async (port, table) => {
    const big = "12345678901234567890123456789012345678";
    await port.putItem({ TableName: table, Item: { ...key("num", "1"), a: n("1.50"), b: n(big) } });
    const { Item } = await port.getItem({
      TableName: table,
      Key: key("num", "1"),
      ConsistentRead: true,
    });
    assert.deepEqual(Item?.a, n("1.5"));
    assert.deepEqual(Item?.b, n(big));
    await port.updateItem({
      TableName: table,
      Key: key("num", "1"),
      UpdateExpression: "SET c = :x + :y",
      ConditionExpression: "b < :bigger",
      ExpressionAttributeValues: {
        ":x": n("0.1"),
        ":y": n("0.2"),
        ":bigger": n("12345678901234567890123456789012345679"),
      },
    });
    const after = await port.getItem({
      TableName: table,
      Key: key("num", "1"),
      ConsistentRead: true,
    });
    assert.deepEqual(after.Item?.c, n("0.3"));
    await rejectsWith(
      port.putItem({
        TableName: table,
        Item: { ...key("num", "2"), x: n("1" + "0".repeat(38) + "1") },
      }),
      "ValidationException",
    );
  });

  test("items over 400 KB are rejected", async (port, table) => {
    // pk "big" (2 + 3) + sk "1" (2 + 1) + attribute name "x" (1) = 9 bytes besides the value.
    const limit = 400 * 1024;
    await port.putItem({
      TableName: table,
      Item: { ...key("big", "1"), x: s("x".repeat(limit - 9)) },
    });
    await rejectsWith(
      port.putItem({ TableName: table, Item: { ...key("big", "1"), x: s("x".repeat(limit - 8)) } }),
      "ValidationException",
      /Item size has exceeded the maximum allowed size/,
    );
    await rejectsWith(
      port.updateItem({
        TableName: table,
        Key: key("big", "1"),
        UpdateExpression: "SET y = :y",
        ExpressionAttributeValues: { ":y": s("y".repeat(100)) },
      }),
      "ValidationException",
      /Item size to update has exceeded the maximum allowed size/,
    );
  });

  test("invalid keys and expressions are ValidationException", async (port, table) => {
    await rejectsWith(
      port.putItem({ TableName: table, Item: key("", "1") }),
      "ValidationException",
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: { pk: n(1), sk: s("1") } }),
      "ValidationException",
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: { pk: s("only") } }),
      "ValidationException",
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: { ...key("k", "1"), gsi1pk: n(1) } }),
      "ValidationException",
    );
    await rejectsWith(
      port.getItem({ TableName: table, Key: { pk: s("k") } }),
      "ValidationException",
    );
    await rejectsWith(
      port.getItem({ TableName: table, Key: key("k", "1"), ProjectionExpression: "status" }),
      "ValidationException",
      /reserved keyword/,
    );
    await rejectsWith(
      port.putItem({
        TableName: table,
        Item: key("k", "1"),
        ConditionExpression: "attribute_not_exists(pk)",
        ExpressionAttributeValues: { ":unused": s("x") },
      }),
      "ValidationException",
      /unused/,
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: key("k", "1"), ConditionExpression: "pk = = :x" }),
      "ValidationException",
      /Syntax error/,
    );
    await rejectsWith(
      port.getItem({ TableName: `${table}_nope`, Key: key("k", "1") }),
      "ResourceNotFoundException",
    );
  });
}
