/**
 * Contract cases: consumed capacity where DynamoDB and DynamoDB Local agree (the exact rules are unit-tested in `src/engine/capacity_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ContractTest, key, s } from "./contract_support.ts";

/** Registers the cases with `test`. */
export function capacityCases(test: ContractTest): void {
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
