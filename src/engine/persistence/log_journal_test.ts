import assert from "node:assert/strict";
import { decodeLine } from "./codec.ts";
import { LogJournal } from "./log_journal.ts";

Deno.test("LogJournal groups concurrent commits and resolves them once fsynced", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/log.jsonl`;
  try {
    let flushes = 0;
    const journal = new LogJournal(
      Deno.openSync(path, { write: true, create: true, append: true }),
      0,
      () => flushes++,
    );
    const waits = [];
    for (let i = 0; i < 20; i++) {
      journal.append([{ op: "deleteTable", table: `t${i}` }]);
      waits.push(journal.durable());
    }
    await Promise.all(waits);
    assert.ok(flushes >= 1 && flushes < 20, `flushes: ${flushes}`);
    await journal.close();
    const lines = Deno.readTextFileSync(path).trimEnd().split("\n");
    assert.equal(lines.length, 20);
    assert.deepEqual(decodeLine(new TextEncoder().encode(lines[19]!)), [{
      op: "deleteTable",
      table: "t19",
    }]);
    assert.equal(journal.bytes, Deno.statSync(path).size);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("LogJournal fails for good when a write fails", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/log.jsonl`;
  try {
    Deno.writeTextFileSync(path, "");
    const readOnly = Deno.openSync(path, { read: true });
    const journal = new LogJournal(readOnly, 0, () => {});
    journal.append([{ op: "deleteTable", table: "t" }]);
    await assert.rejects(journal.durable());
    assert.ok(journal.failure);
    await assert.rejects(journal.durable());
    await journal.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
