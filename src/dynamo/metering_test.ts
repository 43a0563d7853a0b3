import assert from "node:assert/strict";
import { capacityUnits, meteringPort } from "./metering.ts";
import { createEngine } from "../engine/mod.ts";
import { emptyCost, withRequestCost } from "../util/request_cost.ts";
import { tableDefinition } from "./table.ts";

Deno.test("capacityUnits() reads read/write units, else CapacityUnits by the call's kind", () => {
  assert.deepEqual(capacityUnits(undefined, false), { rcu: 0, wcu: 0 });
  assert.deepEqual(
    capacityUnits({ CapacityUnits: 3, ReadCapacityUnits: 1, WriteCapacityUnits: 2 }, true),
    { rcu: 1, wcu: 2 },
  );
  assert.deepEqual(capacityUnits([{ CapacityUnits: 2 }, { CapacityUnits: 1 }], true), {
    rcu: 0,
    wcu: 3,
  });
  assert.deepEqual(capacityUnits({ CapacityUnits: 0.5 }, false), { rcu: 0.5, wcu: 0 });
});

Deno.test("meteringPort() counts calls and units in the current request only, keeps the caller's mode", async () => {
  const port = meteringPort(createEngine());
  try {
    await port.createTable(tableDefinition("tbl"));
    const cost = emptyCost();
    await withRequestCost(cost, async () => {
      await port.putItem({ TableName: "tbl", Item: { pk: { S: "a" }, sk: { S: "b" } } });
      const got = await port.getItem({
        TableName: "tbl",
        Key: { pk: { S: "a" }, sk: { S: "b" } },
        ReturnConsumedCapacity: "INDEXES",
      });
      assert.ok(got.ConsumedCapacity?.Table, "the caller's INDEXES mode is kept");
      await assert.rejects(port.getItem({ TableName: "nope", Key: { pk: { S: "a" } } }));
    });
    assert.equal(cost.calls, 3);
    assert.equal(cost.wcu, 1);
    assert.equal(cost.rcu, 0.5);
    await port.putItem({ TableName: "tbl", Item: { pk: { S: "c" }, sk: { S: "d" } } });
    assert.equal(cost.calls, 3, "calls outside the request are not counted");
  } finally {
    await port.close();
  }
});
