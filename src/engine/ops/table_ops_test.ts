import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { createEngine } from "../engine.ts";
import { errorOf, key, TABLE, testEngine } from "./test_support.ts";

Deno.test("CreateTable, DescribeTable and DeleteTable", async () => {
  const { engine } = await testEngine();
  assert.equal(
    (await errorOf(engine.createTable(tableDefinition(TABLE)))).name,
    "ResourceInUseException",
  );
  await engine.putItem({
    TableName: TABLE,
    Item: { ...key("a", "1"), gsi1pk: { S: "g" }, gsi1sk: { S: "s" } },
  });
  const { Table } = await engine.describeTable({ TableName: TABLE });
  assert.equal(Table?.ItemCount, 1);
  assert.equal(Table?.GlobalSecondaryIndexes?.[0]?.ItemCount, 1);
  const deleted = await engine.deleteTable({ TableName: TABLE });
  assert.equal(deleted.TableDescription?.TableStatus, "DELETING");
  assert.equal(
    (await errorOf(engine.describeTable({ TableName: TABLE }))).name,
    "ResourceNotFoundException",
  );
  assert.equal(
    (await errorOf(engine.getItem({ TableName: TABLE, Key: key("a", "1") }))).name,
    "ResourceNotFoundException",
  );
  await engine.createTable(tableDefinition(TABLE));
  assert.equal(
    (await engine.getItem({ TableName: TABLE, Key: key("a", "1") })).Item,
    undefined,
    "recreated empty",
  );
  await engine.close();
});

Deno.test("UpdateTimeToLive stores the spec and refuses no-op changes", async () => {
  const engine = createEngine();
  await engine.createTable(tableDefinition("ttl_table"));
  const spec = (AttributeName: string, Enabled: boolean) => ({
    TableName: "ttl_table",
    TimeToLiveSpecification: { AttributeName, Enabled },
  });
  assert.deepEqual(await engine.updateTimeToLive(spec("expires_at", true)), {
    TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
  });
  assert.equal(
    (await errorOf(engine.updateTimeToLive(spec("expires_at", true)))).message,
    "TimeToLive is already enabled",
  );
  assert.equal(
    (await errorOf(engine.updateTimeToLive(spec("other", true)))).message,
    "TimeToLive is active on a different AttributeName",
  );
  await engine.updateTimeToLive(spec("expires_at", false));
  assert.equal(
    (await errorOf(engine.updateTimeToLive(spec("expires_at", false)))).message,
    "TimeToLive is already disabled",
  );
  await engine.close();
});
