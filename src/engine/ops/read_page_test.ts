import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { schemaFromCreateTable } from "../schema.ts";
import { stored, TableData } from "../table_data.ts";
import {
  checkLimit,
  checkStartKey,
  positionAttributes,
  readPage,
  resolveSelect,
} from "./read_page.ts";

const table = new TableData(schemaFromCreateTable(tableDefinition("read_page"), 0));
const index = table.indexes.get("gsi1")!;

Deno.test("resolveSelect() defaults and validates Select", () => {
  assert.equal(resolveSelect(undefined, false, undefined), "ALL_ATTRIBUTES");
  assert.equal(resolveSelect(undefined, true, undefined), "SPECIFIC_ATTRIBUTES");
  assert.equal(resolveSelect(undefined, false, index), "ALL_PROJECTED_ATTRIBUTES");
  assert.throws(() => resolveSelect("COUNT", true, undefined), /only the Count/);
  assert.throws(() => resolveSelect("SPECIFIC_ATTRIBUTES", false, undefined), /Must specify/);
  assert.throws(() => resolveSelect("ALL_PROJECTED_ATTRIBUTES", false, undefined), /IndexName/);
  assert.throws(() => resolveSelect("EVERYTHING", false, undefined), /select/);
});

Deno.test("checkStartKey() requires exactly the position attributes", () => {
  assert.deepEqual(positionAttributes(table, index).map((a) => a.name), [
    "pk",
    "sk",
    "gsi1pk",
    "gsi1sk",
  ]);
  const k = { pk: { S: "a" }, sk: { S: "b" } };
  assert.deepEqual(checkStartKey(k, table), k);
  assert.equal(checkStartKey(undefined, table), undefined);
  assert.throws(() => checkStartKey({ pk: { S: "a" } }, table), /same size/);
  assert.throws(() => checkStartKey(k, table, index), /starting key is invalid/);
  assert.throws(() => checkStartKey({ pk: { S: "a" }, sk: { N: "1" } }, table), /Type mismatch/);
  assert.throws(() => checkLimit(-1), /Limit/);
});

Deno.test("readPage() counts Limit before the filter and reports the position", () => {
  const items = [1, 2, 3, 4].map((i) =>
    stored({ pk: { S: "p" }, sk: { S: `${i}` }, n: { N: `${i}` } })
  );
  const page = readPage(items[Symbol.iterator](), {
    table,
    limit: 3,
    select: "ALL_ATTRIBUTES",
    filter: {
      kind: "compare",
      op: ">",
      left: { kind: "path", elements: ["n"] },
      right: { kind: "value", value: { N: "1" }, ref: ":one" },
    },
    nowMs: 0,
  });
  assert.equal(page.scanned, 3);
  assert.equal(page.count, 2);
  assert.deepEqual(page.lastKey, { pk: { S: "p" }, sk: { S: "3" } });
});
