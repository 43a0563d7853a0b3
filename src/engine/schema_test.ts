import assert from "node:assert/strict";
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "../dynamo/table.ts";
import {
  checkItemKeys,
  checkKey,
  checkName,
  describeSchema,
  inIndex,
  projectedAttributes,
  schemaFromCreateTable,
} from "./schema.ts";

const def = tableDefinition("schema_test");

function rejects(input: CreateTableCommandInput, message: RegExp) {
  assert.throws(
    () => schemaFromCreateTable(input, 0),
    (e: Error) => e.name === "ValidationException" && message.test(e.message),
  );
}

Deno.test("schemaFromCreateTable() reads keys and indexes", () => {
  const s = schemaFromCreateTable(def, 1000);
  assert.deepEqual(s.hash, { name: "pk", type: "S" });
  assert.deepEqual(s.range, { name: "sk", type: "S" });
  assert.equal(s.indexes.length, 1);
  assert.equal(s.indexes[0]!.name, "gsi1");
  assert.equal(s.indexes[0]!.projection, "ALL");
  assert.equal(s.createdAt, 1000);
});

Deno.test("schemaFromCreateTable() rejects invalid definitions", () => {
  rejects({ ...def, TableName: "ab" }, /Invalid table\/index name/);
  rejects({
    ...def,
    AttributeDefinitions: [...def.AttributeDefinitions!, {
      AttributeName: "x",
      AttributeType: "S",
    }],
  }, /Some AttributeDefinitions are not used/);
  rejects(
    { ...def, KeySchema: [{ AttributeName: "nope", KeyType: "HASH" }] },
    /not defined in AttributeDefinitions/,
  );
  rejects({ ...def, KeySchema: [] }, /KeySchema/);
  rejects({
    ...def,
    KeySchema: [{ AttributeName: "sk", KeyType: "RANGE" }, {
      AttributeName: "pk",
      KeyType: "HASH",
    }],
  }, /HASH/);
  rejects({
    ...def,
    GlobalSecondaryIndexes: [def.GlobalSecondaryIndexes![0]!, def.GlobalSecondaryIndexes![0]!],
  }, /Duplicate index name/);
  rejects(
    { ...def, AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "X" as "S" }] },
    /Invalid AttributeDefinition type/,
  );
});

Deno.test("schemaFromCreateTable() accepts LSIs only with the table's hash key and a range key", () => {
  const lsi: CreateTableCommandInput = {
    ...def,
    AttributeDefinitions: [...def.AttributeDefinitions!, {
      AttributeName: "alt",
      AttributeType: "N",
    }],
    LocalSecondaryIndexes: [{
      IndexName: "by_alt",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, {
        AttributeName: "alt",
        KeyType: "RANGE",
      }],
      Projection: { ProjectionType: "KEYS_ONLY" },
    }],
  };
  const s = schemaFromCreateTable(lsi, 0);
  assert.equal(s.indexes[1]!.kind, "LSI");
  assert.deepEqual([...projectedAttributes(s, s.indexes[1]!)!].sort(), ["alt", "pk", "sk"]);
  rejects({
    ...lsi,
    LocalSecondaryIndexes: [{
      ...lsi.LocalSecondaryIndexes![0]!,
      KeySchema: [{ AttributeName: "sk", KeyType: "HASH" }, {
        AttributeName: "alt",
        KeyType: "RANGE",
      }],
    }],
  }, /LocalSecondaryIndex/);
});

Deno.test("checkKey() and checkItemKeys() enforce key types, presence and empty values", () => {
  const s = schemaFromCreateTable(def, 0);
  checkKey(s, { pk: { S: "a" }, sk: { S: "b" } });
  const bad: [() => void, RegExp][] = [
    [() => checkKey(s, { pk: { S: "a" } }), /does not match the schema/],
    [
      () => checkKey(s, { pk: { S: "a" }, sk: { S: "b" }, x: { S: "c" } }),
      /does not match the schema/,
    ],
    [
      () => checkKey(s, { pk: { N: "1" }, sk: { S: "b" } }),
      /Type mismatch for key pk expected: S actual: N/,
    ],
    [
      () => checkKey(s, { pk: { S: "" }, sk: { S: "b" } }),
      /cannot contain an empty string value. Key: pk/,
    ],
    [() => checkItemKeys(s, { pk: { S: "a" } }), /Missing the key sk in the item/],
    [
      () => checkItemKeys(s, { pk: { S: "a" }, sk: { S: "b" }, gsi1pk: { N: "1" } }),
      /Type mismatch for Index Key gsi1pk/,
    ],
    [
      () => checkItemKeys(s, { pk: { S: "a" }, sk: { S: "b" }, gsi1sk: { S: "" } }),
      /IndexName: gsi1, IndexKey: gsi1sk/,
    ],
    [() => checkItemKeys(s, { pk: { S: "a".repeat(2049) }, sk: { S: "b" } }), /2048 bytes/],
    [() => checkItemKeys(s, { pk: { S: "a" }, sk: { S: "b".repeat(1025) } }), /1024 bytes/],
  ];
  for (const [fn, re] of bad) {
    assert.throws(
      fn,
      (e: Error) => e.name === "ValidationException" && re.test(e.message),
      String(re),
    );
  }
  checkItemKeys(s, { pk: { S: "a" }, sk: { S: "b".repeat(1024) } });
});

Deno.test("inIndex() implements sparse indexes", () => {
  const s = schemaFromCreateTable(def, 0);
  const ix = s.indexes[0]!;
  assert.ok(!inIndex(ix, { pk: { S: "a" }, sk: { S: "b" } }));
  assert.ok(!inIndex(ix, { pk: { S: "a" }, sk: { S: "b" }, gsi1pk: { S: "g" } }));
  assert.ok(
    inIndex(ix, { pk: { S: "a" }, sk: { S: "b" }, gsi1pk: { S: "g" }, gsi1sk: { S: "h" } }),
  );
});

Deno.test("describeSchema() reports ACTIVE table and indexes with counts", () => {
  const s = schemaFromCreateTable(def, Date.UTC(2026, 0, 1));
  const d = describeSchema(s, {
    itemCount: 3,
    sizeBytes: 99,
    indexCounts: new Map([["gsi1", [1, 10]]]),
  });
  assert.equal(d.TableStatus, "ACTIVE");
  assert.equal(d.ItemCount, 3);
  assert.equal(d.TableSizeBytes, 99);
  assert.equal(d.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
  assert.equal(d.GlobalSecondaryIndexes?.[0]?.IndexStatus, "ACTIVE");
  assert.equal(d.GlobalSecondaryIndexes?.[0]?.ItemCount, 1);
  assert.equal(d.CreationDateTime?.toISOString(), "2026-01-01T00:00:00.000Z");
  assert.equal(checkName("abc"), "abc");
});
