import assert from "node:assert/strict";
import { createEngine } from "../engine/mod.ts";
import { ensureTable } from "./table.ts";
import { meteringPort } from "./metering.ts";

Deno.test("the metering port counts calls and the capacity DynamoDB reports", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "meter");
    const port = meteringPort(engine);
    const item = { pk: { S: "a" }, sk: { S: "b" }, v: { S: "x".repeat(1500) } };
    const input = { TableName: "meter", Item: item };
    await port.putItem(input);
    assert.equal("ReturnConsumedCapacity" in input, false, "the caller's input is not changed");
    await port.getItem({
      TableName: "meter",
      Key: { pk: item.pk, sk: item.sk },
      ConsistentRead: true,
    });
    const t = port.meter.snapshot();
    assert.equal(t.calls, 2);
    assert.equal(t.writeUnits, 2);
    assert.equal(t.readUnits, 1);
    assert.deepEqual(t.byOp, { putItem: 1, getItem: 1 });
    port.meter.reset();
    assert.equal(port.meter.snapshot().calls, 0);
  } finally {
    await engine.close();
  }
});
