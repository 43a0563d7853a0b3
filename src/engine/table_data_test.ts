import assert from "node:assert/strict";
import { tableDefinition } from "../dynamo/table.ts";
import { schemaFromCreateTable } from "./schema.ts";
import { stored, TableData } from "./table_data.ts";

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });

Deno.test("TableData keeps items and the sparse index in step", () => {
  const t = new TableData(schemaFromCreateTable(tableDefinition("tdata"), 0));
  const ix = t.indexes.get("gsi1")!;
  t.put(stored({ ...key("a", "1"), gsi1pk: { S: "g" }, gsi1sk: { S: "2" } }));
  t.put(stored({ ...key("a", "2"), gsi1pk: { S: "g" }, gsi1sk: { S: "1" } }));
  t.put(stored({ ...key("b", "1") }));
  assert.equal(t.primary.size, 3);
  assert.deepEqual(ix.entries.partition("Sg")?.toArray().map((s) => s.item.sk!.S), ["2", "1"]);
  const old = t.put(stored({ ...key("a", "1"), v: { S: "no index" } }));
  assert.ok(old);
  assert.deepEqual(ix.entries.partition("Sg")?.toArray().map((s) => s.item.sk!.S), ["2"]);
  t.delete(key("a", "2"));
  assert.equal(ix.entries.partition("Sg"), undefined);
  assert.equal(ix.sizeBytes, 0);
  assert.equal(t.get(key("b", "1"))?.item.pk?.S, "b");
  assert.equal(t.get(key("b", "2")), undefined);
  const c = t.counts();
  assert.equal(c.itemCount, 2);
  assert.equal(c.sizeBytes, t.get(key("a", "1"))!.size + t.get(key("b", "1"))!.size);
});

Deno.test("TableData.isExpired() applies an enabled TTL in epoch seconds", () => {
  const t = new TableData(schemaFromCreateTable(tableDefinition("tdata"), 0));
  const s = stored({ ...key("a", "1"), expires_at: { N: "100" } });
  t.put(s);
  assert.ok(!t.isExpired(s, 200_000), "TTL disabled");
  t.schema = { ...t.schema, ttl: { attributeName: "expires_at", enabled: true } };
  assert.ok(!t.isExpired(s, 99_000));
  assert.ok(t.isExpired(s, 100_001));
  assert.equal(t.live(key("a", "1"), 100_001), undefined);
  assert.ok(t.get(key("a", "1")), "still stored");
  assert.ok(
    !t.isExpired(stored({ ...key("a", "2"), expires_at: { S: "100" } }), 1e12),
    "only numbers expire",
  );
});

Deno.test("TableData orders two string-keyed indexes each by its own range key, then the table key, in UTF-8 order", () => {
  const t = new TableData(schemaFromCreateTable({
    TableName: "two",
    AttributeDefinitions: ["pk", "sk", "a", "b", "x"].map((n) => ({
      AttributeName: n,
      AttributeType: "S" as const,
    })),
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, {
      AttributeName: "sk",
      KeyType: "RANGE",
    }],
    GlobalSecondaryIndexes: ["a", "b"].map((r) => ({
      IndexName: `by_${r}`,
      KeySchema: [{ AttributeName: "x", KeyType: "HASH" }, { AttributeName: r, KeyType: "RANGE" }],
      Projection: { ProjectionType: "ALL" },
    })),
    BillingMode: "PAY_PER_REQUEST",
  }, 0));
  // U+FFFF sorts below a surrogate pair in UTF-8 (and above it in UTF-16); ties on the index
  // range key fall back to pk, then sk.
  const rows: [string, string, string, string][] = [
    ["p2", "s", "\uffff", "3"],
    ["p1", "s", "\u{10000}", "1"],
    ["p1", "t", "\uffff", "2"],
    ["p0", "s", "\uffff", "2"],
  ];
  for (const [pk, sk, a, b] of rows) {
    t.put(stored({ ...key(pk, sk), x: { S: "g" }, a: { S: a }, b: { S: b } }));
  }
  const order = (ix: string) =>
    t.indexes.get(ix)!.entries.partition("Sg")!.toArray().map((s) =>
      `${s.item.pk!.S}/${s.item.sk!.S}`
    );
  assert.deepEqual(order("by_a"), ["p0/s", "p1/t", "p2/s", "p1/s"]);
  assert.deepEqual(order("by_b"), ["p1/s", "p0/s", "p1/t", "p2/s"]);
});

Deno.test("TableData orders a hash-only index by the table key, and a hash-only table's index by its hash key", () => {
  const def = (name: string, range: boolean) => ({
    TableName: name,
    AttributeDefinitions: (range ? ["pk", "sk", "x"] : ["pk", "x"]).map((n) => ({
      AttributeName: n,
      AttributeType: "S" as const,
    })),
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" as const },
      ...(range ? [{ AttributeName: "sk", KeyType: "RANGE" as const }] : []),
    ],
    GlobalSecondaryIndexes: [{
      IndexName: "by_x",
      KeySchema: [{ AttributeName: "x", KeyType: "HASH" as const }],
      Projection: { ProjectionType: "ALL" as const },
    }],
    BillingMode: "PAY_PER_REQUEST" as const,
  });
  const withRange = new TableData(schemaFromCreateTable(def("ranged", true), 0));
  const hashOnly = new TableData(schemaFromCreateTable(def("hashonly", false), 0));
  for (const [pk, sk] of [["b", "\u{10000}"], ["a", "z"], ["b", "\uffff"]]) {
    withRange.put(stored({ ...key(pk!, sk!), x: { S: "g" } }));
    hashOnly.put(stored({ pk: { S: `${pk}${sk}` }, x: { S: "g" } }));
  }
  const order = (t: TableData) =>
    t.indexes.get("by_x")!.entries.partition("Sg")!.toArray().map((s) =>
      `${s.item.pk!.S}${s.item.sk?.S ?? ""}`
    );
  assert.deepEqual(order(withRange), ["az", "b\uffff", "b\u{10000}"]);
  assert.deepEqual(order(hashOnly), ["az", "b\uffff", "b\u{10000}"]);
  hashOnly.put(stored({ pk: { S: "az" }, x: { S: "g" }, v: { S: "replaced" } }));
  assert.deepEqual(order(hashOnly), ["az", "b\uffff", "b\u{10000}"]);
  assert.equal(hashOnly.indexes.get("by_x")!.entries.partition("Sg")!.at(0)!.item.v?.S, "replaced");
});
