import assert from "node:assert/strict";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";

Deno.test("Scan: parallel segments split the table without overlap", async () => {
  const { engine } = await testEngine();
  for (let i = 0; i < 60; i++) {
    await engine.putItem({
      TableName: TABLE,
      Item: { ...key(`p${i % 20}`, `s${i}`), n: { N: String(i) } },
    });
  }
  const seen: string[] = [];
  for (let segment = 0; segment < 3; segment++) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await engine.scan({
        TableName: TABLE,
        Segment: segment,
        TotalSegments: 3,
        Limit: 7,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      seen.push(...(out.Items ?? []).map((i) => i.sk!.S!));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  assert.equal(seen.length, 60);
  assert.equal(new Set(seen).size, 60);
  await engine.close();
});

Deno.test("Scan: capacity sums everything read; filters and COUNT", async () => {
  const { engine } = await testEngine();
  for (let i = 0; i < 3; i++) {
    await engine.putItem({
      TableName: TABLE,
      Item: { ...key("c", `${i}`), body: { S: "x".repeat(3000) } },
    });
  }
  const out = await engine.scan({
    TableName: TABLE,
    FilterExpression: "attribute_not_exists(body)",
    Select: "COUNT",
    ReturnConsumedCapacity: "TOTAL",
    ConsistentRead: true,
  });
  assert.equal(out.Count, 0);
  assert.equal(out.ScannedCount, 3);
  assert.equal(out.Items, undefined);
  assert.equal(out.ConsumedCapacity?.CapacityUnits, 3);
  const e = await errorOf(engine.scan({ TableName: TABLE, Segment: 1 }));
  assert.match(e.message, /total segment must also be specified/);
  await engine.close();
});
