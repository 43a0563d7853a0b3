import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { schemaFromCreateTable } from "../schema.ts";
import { stored, TableData } from "../table_data.ts";
import { readSnapshot, SNAPSHOT_FILE, writeSnapshot } from "./snapshot.ts";

Deno.test("writeSnapshot() and readSnapshot() round-trip tables and live items", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.equal(readSnapshot(dir), undefined);
    const t = new TableData({
      ...schemaFromCreateTable(tableDefinition("snap"), 0),
      ttl: { attributeName: "exp", enabled: true },
    });
    t.put(stored({ pk: { S: "a" }, sk: { S: "1" }, b: { B: new Uint8Array([1, 2]) } }));
    t.put(stored({ pk: { S: "a" }, sk: { S: "2" }, exp: { N: "10" } }));
    const bytes = writeSnapshot(dir, new Map([["snap", t]]), "log.7.jsonl", 20_000);
    assert.ok(bytes > 0);
    const snap = readSnapshot(dir)!;
    assert.equal(snap.log, "log.7.jsonl");
    assert.equal(snap.tables[0]!.name, "snap");
    assert.deepEqual(snap.tables[0]!.ttl, { attributeName: "exp", enabled: true });
    assert.deepEqual(snap.items, [["snap", {
      pk: { S: "a" },
      sk: { S: "1" },
      b: { B: new Uint8Array([1, 2]) },
    }]], "the expired item is left out");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readSnapshot() refuses a truncated snapshot", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const t = new TableData(schemaFromCreateTable(tableDefinition("snap"), 0));
    for (let i = 0; i < 3; i++) t.put(stored({ pk: { S: "a" }, sk: { S: `${i}` } }));
    writeSnapshot(dir, new Map([["snap", t]]), "log.1.jsonl", 0);
    const path = `${dir}/${SNAPSHOT_FILE}`;
    const lines = Deno.readTextFileSync(path).trimEnd().split("\n");
    Deno.writeTextFileSync(path, [...lines.slice(0, 2), lines[lines.length - 1]].join("\n") + "\n");
    assert.throws(() => readSnapshot(dir), /damaged: item count/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
