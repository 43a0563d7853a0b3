import assert from "node:assert/strict";
import { EngineState } from "../state.ts";
import { tableDefinition } from "../../dynamo/table.ts";
import { schemaFromCreateTable } from "../schema.ts";
import {
  evaluateWrite,
  parseKeyed,
  parsePut,
  parseUpdateWrite,
  updatedPaths,
} from "./write_plan.ts";

function state(): EngineState {
  const s = new EngineState(() => 0);
  s.commit([{ op: "createTable", schema: schemaFromCreateTable(tableDefinition("plans"), 0) }]);
  return s;
}

Deno.test("evaluateWrite() computes images and records without changing state", () => {
  const s = state();
  const put = parsePut(s, {
    TableName: "plans",
    Item: { pk: { S: "a" }, sk: { S: "1" } },
    ConditionExpression: "attribute_not_exists(pk)",
  });
  const r = evaluateWrite(put, 0);
  assert.equal(r.conditionFailed, false);
  assert.deepEqual(r.record, {
    op: "put",
    table: "plans",
    item: { pk: { S: "a" }, sk: { S: "1" } },
  });
  assert.equal(s.tables.get("plans")!.primary.size, 0, "nothing applied");
  s.commit([r.record!]);
  assert.equal(evaluateWrite(put, 0).conditionFailed, true);
  const del = evaluateWrite(
    parseKeyed(s, { TableName: "plans", Key: { pk: { S: "a" }, sk: { S: "2" } } }, "delete"),
    0,
  );
  assert.equal(del.record, undefined, "deleting nothing logs nothing");
});

Deno.test("parseUpdateWrite() refuses key updates; updatedPaths() widens list paths", () => {
  const s = state();
  assert.throws(
    () =>
      parseUpdateWrite(s, {
        TableName: "plans",
        Key: { pk: { S: "a" }, sk: { S: "1" } },
        UpdateExpression: "REMOVE sk",
      }),
    /Cannot update attribute sk. This attribute is part of the key/,
  );
  const p = parseUpdateWrite(s, {
    TableName: "plans",
    Key: { pk: { S: "a" }, sk: { S: "1" } },
    UpdateExpression: "SET l[0] = :v, l[1] = :v, m.x = :v",
    ExpressionAttributeValues: { ":v": { N: "1" } },
  });
  assert.deepEqual(updatedPaths(p).map((x) => x.elements), [["l"], ["m", "x"]]);
  assert.throws(
    () => parseKeyed(s, { TableName: "plans", Key: { pk: { S: "a" }, sk: { S: "1" } } }, "check"),
    /conditionExpression/,
  );
});
