import assert from "node:assert/strict";
import { EngineStats, indexWriteUnits, readUnits, Tally, writeUnits } from "./capacity.ts";
import { schemaFromCreateTable } from "./schema.ts";
import { stored, TableData } from "./table_data.ts";
import type { Item } from "./values.ts";

function table(projection: "ALL" | "KEYS_ONLY" | "INCLUDE" = "ALL"): TableData {
  return new TableData(schemaFromCreateTable({
    TableName: "cap",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "gpk", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [{
      IndexName: "gsi",
      KeySchema: [{ AttributeName: "gpk", KeyType: "HASH" }],
      Projection: projection === "INCLUDE"
        ? { ProjectionType: "INCLUDE", NonKeyAttributes: ["inc"] }
        : { ProjectionType: projection },
    }],
  }, 0));
}

const big = (n: number) => ({ S: "x".repeat(n) });

Deno.test("readUnits() rounds up to 4 KB, at least one unit, halved when eventually consistent", () => {
  assert.equal(readUnits(0, true), 1);
  assert.equal(readUnits(0, false), 0.5);
  assert.equal(readUnits(4096, true), 1);
  assert.equal(readUnits(4097, true), 2);
  assert.equal(readUnits(10 * 1024, false), 1.5);
});

Deno.test("writeUnits() rounds up to 1 KB, at least one unit", () => {
  assert.equal(writeUnits(0), 1);
  assert.equal(writeUnits(1024), 1);
  assert.equal(writeUnits(1025), 2);
});

Deno.test("indexWriteUnits() follows DynamoDB's index write rules", () => {
  const t = table();
  const ix = t.indexes.get("gsi")!;
  const s = (item: Item) => stored(item);
  const plain = s({ pk: { S: "a" }, v: { S: "1" } });
  const indexed = s({ pk: { S: "a" }, gpk: { S: "g" }, v: { S: "1" } });
  const indexedBig = s({ pk: { S: "a" }, gpk: { S: "g" }, v: big(3000) });
  const moved = s({ pk: { S: "a" }, gpk: { S: "h" }, v: { S: "1" } });
  assert.equal(indexWriteUnits(ix, undefined, plain), 0, "never in the index");
  assert.equal(indexWriteUnits(ix, plain, plain), 0);
  assert.equal(indexWriteUnits(ix, undefined, indexed), 1, "new entry");
  assert.equal(indexWriteUnits(ix, undefined, indexedBig), 3, "new entry of its projected size");
  assert.equal(indexWriteUnits(ix, indexed, indexed), 0, "unchanged entry");
  assert.equal(indexWriteUnits(ix, indexed, indexedBig), 3, "projected attribute changed");
  assert.equal(indexWriteUnits(ix, indexed, moved), 2, "key changed: delete + put");
  assert.equal(indexWriteUnits(ix, indexedBig, plain), 3, "removed: old entry's size");
});

Deno.test("indexWriteUnits() ignores changes outside a KEYS_ONLY or INCLUDE projection", () => {
  for (const projection of ["KEYS_ONLY", "INCLUDE"] as const) {
    const ix = table(projection).indexes.get("gsi")!;
    const before = stored({ pk: { S: "a" }, gpk: { S: "g" }, other: big(5000) });
    const after = stored({ pk: { S: "a" }, gpk: { S: "g" }, other: big(6000) });
    assert.equal(indexWriteUnits(ix, before, after), 0, projection);
    assert.equal(
      indexWriteUnits(ix, undefined, after),
      1,
      `${projection}: only keys are projected`,
    );
  }
  const ix = table("INCLUDE").indexes.get("gsi")!;
  const a = stored({ pk: { S: "a" }, gpk: { S: "g" }, inc: { S: "1" } });
  const b = stored({ pk: { S: "a" }, gpk: { S: "g" }, inc: big(2000) });
  assert.equal(indexWriteUnits(ix, a, b), 2);
});

Deno.test("Tally.consumed() reports TOTAL and INDEXES like DynamoDB", () => {
  const t = table();
  const tally = new Tally();
  tally.write("cap", t.indexes.values(), undefined, stored({ pk: { S: "a" }, gpk: { S: "g" } }));
  assert.equal(tally.consumed("NONE"), undefined);
  assert.equal(tally.consumed(undefined), undefined);
  assert.deepEqual(tally.consumed("TOTAL"), [{
    TableName: "cap",
    CapacityUnits: 2,
    WriteCapacityUnits: 2,
  }]);
  assert.deepEqual(tally.consumed("INDEXES"), [{
    TableName: "cap",
    CapacityUnits: 2,
    WriteCapacityUnits: 2,
    Table: { CapacityUnits: 1, WriteCapacityUnits: 1 },
    GlobalSecondaryIndexes: { gsi: { CapacityUnits: 1, WriteCapacityUnits: 1 } },
  }]);
});

Deno.test("Tally.write() charges the larger of the old and new item, times the factor", () => {
  const tally = new Tally();
  tally.write("cap", [], stored({ pk: big(2500) }), stored({ pk: { S: "a" } }), 2);
  assert.equal(tally.consumed("TOTAL")![0]!.CapacityUnits, 6);
});

Deno.test("EngineStats accumulates units per table and index, and calls; reset() zeroes", () => {
  const stats = new EngineStats();
  const tally = new Tally();
  tally.table("a", 1.5, 2);
  tally.index("a", "gsi", "GSI", 0.5, 1);
  stats.add(tally);
  stats.call("query");
  stats.call("query");
  assert.equal(stats.readUnits, 2);
  assert.equal(stats.writeUnits, 3);
  assert.deepEqual(stats.tables, { a: { readUnits: 1.5, writeUnits: 2 } });
  assert.deepEqual(stats.indexes, { gsi: { readUnits: 0.5, writeUnits: 1 } });
  assert.deepEqual(stats.calls, { query: 2 });
  stats.reset();
  assert.equal(stats.readUnits + stats.writeUnits, 0);
  assert.deepEqual(stats.calls, {});
});
