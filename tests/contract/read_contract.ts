/**
 * Contract cases: Query and Scan: key conditions, ordering, Limit and paging, the 1 MB page, sparse GSIs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ContractTest, type Item, key, n, rejectsWith, s } from "./contract_support.ts";

/** Registers the cases with `test`. */
export function readCases(test: ContractTest): void {
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
}
