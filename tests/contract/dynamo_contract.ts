/**
 * The DynamoDB behaviour the store relies on, as a suite that runs against any {@link DynamoPort}:
 * the in-process engine (`engine_test.ts`) and DynamoDB Local (`dynamodb_local_test.ts`), so the
 * engine cannot drift from DynamoDB.
 *
 * Every case gets a fresh table made by `makePort` (our table definition: `pk`/`sk` strings and
 * the `gsi1` index over `gsi1pk`/`gsi1sk`, projection ALL). Nothing here may depend on the
 * engine: capacity assertions use only what DynamoDB and DynamoDB Local agree on (the exact
 * rules are tested in `src/engine/capacity_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "../../src/dynamo/port.ts";

type Item = Record<string, AttributeValue>;

/** What a backend provides for one test case. */
export interface ContractTable {
  port: DynamoPort;
  tableName: string;
  cleanup: () => Promise<void>;
}

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: string | number): AttributeValue => ({ N: String(v) });
const key = (pk: string, sk: string): Item => ({ pk: s(pk), sk: s(sk) });

/** Asserts that `p` rejects with an error of DynamoDB name `name` (and message, if given). */
async function rejectsWith(p: Promise<unknown>, name: string, message?: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error, `expected an Error, got ${e}`);
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

/**
 * Registers the contract cases for one backend.
 *
 * @param backendName shown in test names
 * @param makePort creates a fresh table (and port) per case
 */
export function dynamoContract(
  backendName: string,
  makePort: () => Promise<ContractTable>,
): void {
  const test = (name: string, fn: (port: DynamoPort, table: string) => Promise<void>) => {
    Deno.test(`dynamo contract (${backendName}): ${name}`, async () => {
      const { port, tableName, cleanup } = await makePort();
      try {
        await fn(port, tableName);
      } finally {
        await cleanup();
      }
    });
  };

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

  test("Query: begins_with, BETWEEN, comparisons, reverse order", async (port, table) => {
    for (const sk of ["a#1", "a#2", "a#3", "b#1", "b#2", "c"]) {
      await port.putItem({ TableName: table, Item: { ...key("q", sk), label: s(sk) } });
    }
    const q = async (cond: string, values: Item, forward = true) => {
      const out = await port.query({
        TableName: table,
        KeyConditionExpression: `pk = :pk AND ${cond}`,
        ExpressionAttributeValues: { ":pk": s("q"), ...values },
        ScanIndexForward: forward,
        ConsistentRead: true,
      });
      return out.Items?.map((i) => i.sk?.S);
    };
    assert.deepEqual(await q("begins_with(sk, :p)", { ":p": s("a#") }), ["a#1", "a#2", "a#3"]);
    assert.deepEqual(await q("sk BETWEEN :a AND :b", { ":a": s("a#2"), ":b": s("b#1") }), [
      "a#2",
      "a#3",
      "b#1",
    ]);
    assert.deepEqual(await q("sk > :a", { ":a": s("b#1") }), ["b#2", "c"]);
    assert.deepEqual(await q("sk <= :a", { ":a": s("a#2") }), ["a#1", "a#2"]);
    assert.deepEqual(await q("begins_with(sk, :p)", { ":p": s("b") }, false), ["b#2", "b#1"]);
    const count = await port.query({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": s("q") },
      Select: "COUNT",
    });
    assert.equal(count.Count, 6);
    assert.equal(count.Items, undefined);
    const projected = await port.query({
      TableName: table,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ProjectionExpression: "#l",
      ExpressionAttributeNames: { "#l": "label" },
      ExpressionAttributeValues: { ":pk": s("q"), ":sk": s("c") },
    });
    assert.deepEqual(projected.Items, [{ label: s("c") }]);
  });

  test("Query: sort keys order by UTF-8 bytes", async (port, table) => {
    const keys = ["Z", "a", "\u00e9", "\uff5e", "\u{1f600}"];
    for (const sk of [...keys].reverse()) {
      await port.putItem({ TableName: table, Item: key("utf", sk) });
    }
    const out = await port.query({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": s("utf") },
    });
    assert.deepEqual(out.Items?.map((i) => i.sk?.S), keys);
  });

  test(
    "Query: Limit applies before the filter; paging with LastEvaluatedKey",
    async (port, table) => {
      for (let i = 0; i < 7; i++) {
        await port.putItem({
          TableName: table,
          Item: { ...key("page", `k${i}`), even: { BOOL: i % 2 === 0 } },
        });
      }
      const first = await port.query({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "even = :t",
        ExpressionAttributeValues: { ":pk": s("page"), ":t": { BOOL: true } },
        Limit: 3,
      });
      assert.equal(first.ScannedCount, 3);
      assert.deepEqual(first.Items?.map((i) => i.sk?.S), ["k0", "k2"]);
      assert.deepEqual(first.LastEvaluatedKey, key("page", "k2"));
      const seen: string[] = [];
      let start: Item | undefined;
      let pages = 0;
      do {
        const out = await port.query({
          TableName: table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": s("page") },
          ScanIndexForward: false,
          Limit: 2,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        seen.push(...(out.Items ?? []).map((i) => i.sk!.S!));
        start = out.LastEvaluatedKey;
        pages++;
      } while (start && pages < 10);
      assert.deepEqual(seen, ["k6", "k5", "k4", "k3", "k2", "k1", "k0"]);
    },
  );

  test("Query: a page stops after 1 MB read", async (port, table) => {
    const big = "x".repeat(100_000);
    for (let i = 0; i < 12; i++) {
      await port.putItem({
        TableName: table,
        Item: { ...key("mb", `k${String(i).padStart(2, "0")}`), big: s(big) },
      });
    }
    const first = await port.query({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": s("mb") },
      Select: "COUNT",
    });
    assert.ok(first.Count! >= 10 && first.Count! < 12, `first page held ${first.Count} items`);
    assert.ok(first.LastEvaluatedKey, "a partial page returns LastEvaluatedKey");
    const rest = await port.query({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": s("mb") },
      ExclusiveStartKey: first.LastEvaluatedKey,
      Select: "COUNT",
    });
    assert.equal(first.Count! + rest.Count!, 12);
  });

  test("GSI: sparse index, ordering and paging keys", async (port, table) => {
    for (let i = 0; i < 5; i++) {
      await port.putItem({
        TableName: table,
        Item: { ...key(`g${i}`, "item"), gsi1pk: s("list"), gsi1sk: s(`s${i}`), i: n(i) },
      });
    }
    await port.putItem({
      TableName: table,
      Item: { ...key("g-hidden", "item"), gsi1pk: s("list") },
    });
    await port.putItem({ TableName: table, Item: { ...key("g-none", "item") } });
    const page1 = await port.query({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": s("list") },
      ScanIndexForward: false,
      Limit: 3,
    });
    assert.deepEqual(page1.Items?.map((i) => i.pk?.S), ["g4", "g3", "g2"]);
    assert.deepEqual(page1.LastEvaluatedKey, {
      pk: s("g2"),
      sk: s("item"),
      gsi1pk: s("list"),
      gsi1sk: s("s2"),
    });
    const page2 = await port.query({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": s("list") },
      ScanIndexForward: false,
      ExclusiveStartKey: page1.LastEvaluatedKey,
    });
    assert.deepEqual(page2.Items?.map((i) => i.pk?.S), ["g1", "g0"]);
    // Removing an index key attribute removes the item from the index.
    await port.updateItem({
      TableName: table,
      Key: key("g0", "item"),
      UpdateExpression: "REMOVE gsi1sk",
    });
    const after = await port.query({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p AND begins_with(gsi1sk, :s)",
      ExpressionAttributeValues: { ":p": s("list"), ":s": s("s") },
    });
    assert.deepEqual(after.Items?.map((i) => i.pk?.S), ["g1", "g2", "g3", "g4"]);
    await rejectsWith(
      port.query({
        TableName: table,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :p",
        ExpressionAttributeValues: { ":p": s("list") },
        ConsistentRead: true,
      }),
      "ValidationException",
    );
  });

  test("Scan: pages through every item", async (port, table) => {
    for (let i = 0; i < 9; i++) {
      await port.putItem({ TableName: table, Item: { ...key(`scan${i}`, "x"), mark: s("scan") } });
    }
    const found: string[] = [];
    let start: Item | undefined;
    let pages = 0;
    do {
      const out = await port.scan({
        TableName: table,
        FilterExpression: "mark = :m",
        ExpressionAttributeValues: { ":m": s("scan") },
        Limit: 4,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      found.push(...(out.Items ?? []).map((i) => i.pk!.S!));
      start = out.LastEvaluatedKey;
      pages++;
    } while (start && pages < 20);
    assert.deepEqual(found.sort(), Array.from({ length: 9 }, (_, i) => `scan${i}`));
  });

  test("BatchWriteItem and BatchGetItem", async (port, table) => {
    await port.batchWriteItem({
      RequestItems: {
        [table]: Array.from(
          { length: 25 },
          (_, i) => ({ PutRequest: { Item: { ...key("batch", `k${i}`), i: n(i) } } }),
        ),
      },
    });
    const got = await port.batchGetItem({
      RequestItems: {
        [table]: {
          Keys: [key("batch", "k0"), key("batch", "k24"), key("batch", "missing")],
          ConsistentRead: true,
        },
      },
    });
    assert.deepEqual(got.Responses?.[table]?.map((i) => i.sk?.S).sort(), ["k0", "k24"]);
    assert.equal(Object.keys(got.UnprocessedKeys ?? {}).length, 0);
    const mixed = await port.batchWriteItem({
      RequestItems: {
        [table]: [{ DeleteRequest: { Key: key("batch", "k0") } }, {
          PutRequest: { Item: key("batch", "new") },
        }],
      },
    });
    assert.equal(Object.keys(mixed.UnprocessedItems ?? {}).length, 0);
    const check = await port.getItem({
      TableName: table,
      Key: key("batch", "k0"),
      ConsistentRead: true,
    });
    assert.equal(check.Item, undefined);
    await rejectsWith(
      port.batchWriteItem({
        RequestItems: {
          [table]: [{ PutRequest: { Item: key("b", "1") } }, {
            DeleteRequest: { Key: key("b", "1") },
          }],
        },
      }),
      "ValidationException",
    );
    await rejectsWith(
      port.batchWriteItem({
        RequestItems: {
          [table]: Array.from(
            { length: 26 },
            (_, i) => ({ PutRequest: { Item: key("b", `${i}`) } }),
          ),
        },
      }),
      "ValidationException",
    );
    await rejectsWith(
      port.batchGetItem({ RequestItems: { [table]: { Keys: [key("b", "1"), key("b", "1")] } } }),
      "ValidationException",
    );
    await rejectsWith(
      port.batchGetItem({
        RequestItems: {
          [table]: { Keys: Array.from({ length: 101 }, (_, i) => key("b", `${i}`)) },
        },
      }),
      "ValidationException",
    );
  });

  test("TransactWriteItems: all actions commit together", async (port, table) => {
    await port.putItem({ TableName: table, Item: { ...key("tx", "guard"), open: { BOOL: true } } });
    await port.putItem({ TableName: table, Item: { ...key("tx", "old"), v: n(1) } });
    await port.putItem({ TableName: table, Item: { ...key("tx", "counter"), c: n(5) } });
    await port.transactWriteItems({
      TransactItems: [
        {
          ConditionCheck: {
            TableName: table,
            Key: key("tx", "guard"),
            ConditionExpression: "#o = :t",
            ExpressionAttributeNames: { "#o": "open" },
            ExpressionAttributeValues: { ":t": { BOOL: true } },
          },
        },
        {
          Put: {
            TableName: table,
            Item: key("tx", "new"),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Update: {
            TableName: table,
            Key: key("tx", "counter"),
            UpdateExpression: "ADD c :one",
            ExpressionAttributeValues: { ":one": n(1) },
          },
        },
        { Delete: { TableName: table, Key: key("tx", "old") } },
      ],
    });
    const out = await port.transactGetItems({
      TransactItems: [
        { Get: { TableName: table, Key: key("tx", "new") } },
        { Get: { TableName: table, Key: key("tx", "counter"), ProjectionExpression: "c" } },
        { Get: { TableName: table, Key: key("tx", "old") } },
      ],
    });
    assert.deepEqual(out.Responses?.[0]?.Item, key("tx", "new"));
    assert.deepEqual(out.Responses?.[1]?.Item, { c: n(6) });
    assert.equal(out.Responses?.[2]?.Item, undefined);
  });

  test("TransactWriteItems: cancellation reasons and no partial effects", async (port, table) => {
    await port.putItem({ TableName: table, Item: { ...key("txc", "taken"), v: n(1) } });
    const e = await rejectsWith(
      port.transactWriteItems({
        TransactItems: [
          { Put: { TableName: table, Item: key("txc", "fresh") } },
          {
            Put: {
              TableName: table,
              Item: key("txc", "taken"),
              ConditionExpression: "attribute_not_exists(pk)",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
        ],
      }),
      "TransactionCanceledException",
      /\[None, ConditionalCheckFailed\]/,
    );
    const reasons =
      (e as { CancellationReasons?: { Code?: string; Item?: Item }[] }).CancellationReasons;
    assert.deepEqual(reasons?.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
    assert.deepEqual(reasons?.[1]?.Item?.v, n(1));
    const fresh = await port.getItem({
      TableName: table,
      Key: key("txc", "fresh"),
      ConsistentRead: true,
    });
    assert.equal(fresh.Item, undefined, "the successful action was not applied");
    await rejectsWith(
      port.transactWriteItems({
        TransactItems: [
          { Put: { TableName: table, Item: key("txc", "same") } },
          { Delete: { TableName: table, Key: key("txc", "same") } },
        ],
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

  test(
    "consumed capacity of reads and writes (ReturnConsumedCapacity TOTAL)",
    async (port, table) => {
      const units = (c: { CapacityUnits?: number } | undefined) => c?.CapacityUnits;
      const body = s("x".repeat(3000));
      const put = await port.putItem({
        TableName: table,
        Item: { ...key("cap", "1"), body },
        ReturnConsumedCapacity: "TOTAL",
      });
      assert.equal(units(put.ConsumedCapacity), 3, "3 KB item: 3 write units");
      assert.equal(put.ConsumedCapacity?.TableName, table);
      for (const sk of ["2", "3"]) {
        await port.putItem({
          TableName: table,
          Item: { ...key("cap", sk), body },
        });
      }
      const get = await port.getItem({
        TableName: table,
        Key: key("cap", "1"),
        ReturnConsumedCapacity: "TOTAL",
      });
      assert.equal(units(get.ConsumedCapacity), 0.5, "eventually consistent read of ≤ 4 KB");
      const strong = await port.getItem({
        TableName: table,
        Key: key("cap", "1"),
        ConsistentRead: true,
        ReturnConsumedCapacity: "TOTAL",
      });
      assert.equal(units(strong.ConsumedCapacity), 1);
      const missing = await port.getItem({
        TableName: table,
        Key: key("cap", "none"),
        ReturnConsumedCapacity: "TOTAL",
      });
      assert.equal(units(missing.ConsumedCapacity), 0.5, "a missing item still costs a read");
      const q = await port.query({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": s("cap") },
        ReturnConsumedCapacity: "TOTAL",
      });
      assert.equal(
        units(q.ConsumedCapacity),
        1.5,
        "three 3 KB items: 9 KB rounded up to 12 KB, halved",
      );
      const filtered = await port.query({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "attribute_not_exists(body)",
        ExpressionAttributeValues: { ":pk": s("cap") },
        ConsistentRead: true,
        ReturnConsumedCapacity: "TOTAL",
      });
      assert.equal(filtered.Count, 0);
      assert.equal(units(filtered.ConsumedCapacity), 3, "filtered-out items are still read");
    },
  );

  test("consumed capacity of transactions and index writes", async (port, table) => {
    const units = (c: { CapacityUnits?: number }[] | undefined) =>
      c?.reduce((t, x) => t + (x.CapacityUnits ?? 0), 0);
    const one = await port.transactWriteItems({
      TransactItems: [{ Put: { TableName: table, Item: key("tcap", "1") } }],
      ReturnConsumedCapacity: "TOTAL",
    });
    assert.equal(units(one.ConsumedCapacity), 2, "a transactional write costs double");
    await port.putItem({ TableName: table, Item: key("tcap", "2") });
    const two = await port.transactWriteItems({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: key("tcap", "1"),
            UpdateExpression: "SET a = :a",
            ExpressionAttributeValues: { ":a": s("a".repeat(2000)) },
          },
        },
        { Delete: { TableName: table, Key: key("tcap", "2") } },
      ],
      ReturnConsumedCapacity: "TOTAL",
    });
    assert.equal(units(two.ConsumedCapacity), 6, "2 KB update (2) and small delete (1), doubled");
    const get = await port.transactGetItems({
      TransactItems: [{ Get: { TableName: table, Key: key("tcap", "1") } }],
      ReturnConsumedCapacity: "TOTAL",
    });
    assert.equal(units(get.ConsumedCapacity), 2);
    const indexed = await port.putItem({
      TableName: table,
      Item: { ...key("tcap", "3"), gsi1pk: s("x"), gsi1sk: s("1") },
      ReturnConsumedCapacity: "INDEXES",
    });
    assert.equal(indexed.ConsumedCapacity?.CapacityUnits, 2, "table write plus index write");
    assert.equal(indexed.ConsumedCapacity?.Table?.CapacityUnits, 1);
    assert.equal(indexed.ConsumedCapacity?.GlobalSecondaryIndexes?.gsi1?.CapacityUnits, 1);
    const unchanged = await port.putItem({
      TableName: table,
      Item: { ...key("tcap", "3"), gsi1pk: s("x"), gsi1sk: s("1") },
      ReturnConsumedCapacity: "TOTAL",
    });
    assert.equal(
      unchanged.ConsumedCapacity?.CapacityUnits,
      1,
      "an unchanged index entry costs nothing",
    );
    const moved = await port.putItem({
      TableName: table,
      Item: { ...key("tcap", "3"), gsi1pk: s("x"), gsi1sk: s("2") },
      ReturnConsumedCapacity: "INDEXES",
    });
    assert.equal(
      moved.ConsumedCapacity?.GlobalSecondaryIndexes?.gsi1?.CapacityUnits,
      2,
      "key change: delete + put",
    );
  });
}
