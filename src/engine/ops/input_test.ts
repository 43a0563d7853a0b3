import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { schemaFromCreateTable } from "../schema.ts";
import {
  checkReturnOnFailure,
  checkReturnValues,
  rejectLegacy,
  validateItem,
  validateKey,
  validateWriteItem,
} from "./input.ts";

const schema = schemaFromCreateTable(tableDefinition("input_test"), 0);

Deno.test("validateItem() canonicalises and maps value errors to ValidationException", () => {
  assert.deepEqual(validateItem({ n: { N: "01.10" } }), { n: { N: "1.1" } });
  assert.throws(
    () => validateItem({ n: { SS: [] } }),
    (e: Error) => e.name === "ValidationException",
  );
  assert.throws(() => validateItem(null), /Member must not be null/);
});

Deno.test("validateWriteItem() applies the 400 KB limit exactly", () => {
  const base = { pk: { S: "a" }, sk: { S: "b" } }; // 6 bytes
  validateWriteItem(schema, { ...base, x: { S: "x".repeat(400 * 1024 - 7) } });
  assert.throws(
    () => validateWriteItem(schema, { ...base, x: { S: "x".repeat(400 * 1024 - 6) } }),
    /Item size has exceeded the maximum allowed size/,
  );
});

Deno.test("validateKey(), ReturnValues checks and legacy parameters", () => {
  assert.deepEqual(validateKey(schema, { pk: { S: "a" }, sk: { S: "b" } }), {
    pk: { S: "a" },
    sk: { S: "b" },
  });
  assert.throws(() => validateKey(schema, undefined), /does not match the schema/);
  assert.equal(checkReturnValues(undefined, ["NONE"]), "NONE");
  assert.throws(
    () => checkReturnValues("ALL_NEW", ["NONE", "ALL_OLD"]),
    /Return values set to invalid value/,
  );
  assert.equal(checkReturnOnFailure("ALL_OLD"), true);
  assert.equal(checkReturnOnFailure(undefined), false);
  assert.throws(() => checkReturnOnFailure("ALL_NEW"), /returnValuesOnConditionCheckFailure/);
  assert.throws(() => rejectLegacy({ KeyConditions: {} }), /legacy parameter KeyConditions/);
  rejectLegacy({ KeyConditionExpression: "pk = :p" });
});
