/**
 * Contract cases: BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ContractTest, type Item, key, n, rejectsWith } from "./contract_support.ts";

/** Registers the cases with `test`. */
export function batchTransactionCases(test: ContractTest): void {
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
}
