import assert from "node:assert/strict";
import { tableDefinition } from "../dynamo/table.ts";
import { schemaFromCreateTable } from "./schema.ts";
import { applyRecord, EngineState, type Journal, type LogRecord } from "./state.ts";
import type { TableData } from "./table_data.ts";

class MemoryJournal implements Journal {
  records: LogRecord[][] = [];
  failure: Error | undefined;
  append(records: LogRecord[]): number {
    return this.records.push(records);
  }
  get durableSeq(): number {
    return this.records.length;
  }
  get commits(): number {
    return this.records.length;
  }
  get flushes(): number {
    return this.records.length;
  }
  durable(): Promise<void> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve();
  }
  durableUpTo(): Promise<void> {
    return this.durable();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const schema = schemaFromCreateTable(tableDefinition("state_table"), 0);

Deno.test("applyRecord() replays every record kind, idempotently", () => {
  const tables = new Map<string, TableData>();
  const records: LogRecord[] = [
    { op: "createTable", schema },
    { op: "put", table: "state_table", item: { pk: { S: "a" }, sk: { S: "1" } } },
    { op: "put", table: "state_table", item: { pk: { S: "a" }, sk: { S: "2" } } },
    { op: "delete", table: "state_table", key: { pk: { S: "a" }, sk: { S: "1" } } },
    { op: "ttl", table: "state_table", ttl: { attributeName: "exp", enabled: true } },
  ];
  for (const r of records) applyRecord(tables, r);
  for (const r of records.slice(1)) applyRecord(tables, r);
  const t = tables.get("state_table")!;
  assert.equal(t.primary.size, 1);
  assert.deepEqual(t.schema.ttl, { attributeName: "exp", enabled: true });
  applyRecord(tables, { op: "deleteTable", table: "state_table" });
  assert.equal(tables.size, 0);
});

Deno.test("EngineState.commit() applies in memory and journals one unit", async () => {
  const state = new EngineState(() => 0);
  const journal = new MemoryJournal();
  state.journal = journal;
  await state.commit([{ op: "createTable", schema }]);
  await state.commit([
    { op: "put", table: "state_table", item: { pk: { S: "a" }, sk: { S: "1" } } },
    { op: "put", table: "state_table", item: { pk: { S: "a" }, sk: { S: "2" } } },
  ]);
  assert.equal(journal.records.length, 2);
  assert.equal(state.table("state_table").primary.size, 2);
  assert.throws(() => state.table("missing"), (e: Error) => e.name === "ResourceNotFoundException");
});

Deno.test("EngineState.begin() counts calls and refuses work after close or a storage failure", () => {
  const state = new EngineState();
  state.begin("getItem");
  assert.deepEqual(state.stats.calls, { getItem: 1 });
  const journal = new MemoryJournal();
  state.journal = journal;
  journal.failure = new Error("disk full");
  assert.throws(() => state.begin("putItem"), /Engine storage failed: disk full/);
  state.closed = true;
  assert.throws(() => state.begin("putItem"), (e: Error) => e.name === "InternalServerError");
});
