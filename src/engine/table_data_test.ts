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
