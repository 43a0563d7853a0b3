/**
 * Group commit through the file-system seam (no timing): concurrent writers share fsyncs, one
 * per round of writers rather than one per half of them, and a lone writer gets one fsync per
 * commit; every acknowledged write is still on disk after a crash.
 *
 * @module
 */
import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { createEngine } from "../engine.ts";
import { SimFs } from "./sim_fs.ts";

const DIR = "/data";
const TABLE = "group_table";

const logSyncs = (fs: SimFs) => fs.events.filter((e) => e.startsWith("syncData log.")).length;

Deno.test("20 concurrent writers share one fsync per round", async () => {
  const fs = new SimFs();
  const engine = createEngine({ path: DIR, fs });
  await engine.createTable(tableDefinition(TABLE));
  const rounds = 10;
  const before = logSyncs(fs);
  const start = engine.durability();
  await Promise.all(Array.from({ length: 20 }, async (_, c) => {
    for (let i = 0; i < rounds; i++) {
      await engine.putItem({
        TableName: TABLE,
        Item: { pk: { S: `w${c}` }, sk: { S: `${i}` } },
      });
    }
  }));
  const syncs = logSyncs(fs) - before;
  // One fsync per round (the first round may split once); without gathering the writers
  // alternate in two halves: two fsyncs per round.
  assert.ok(syncs <= rounds + 1, `fsyncs for ${rounds} rounds of 20 writers: ${syncs}`);
  const end = engine.durability();
  assert.equal(end.commits - start.commits, 200);
  assert.equal(end.flushes - start.flushes, syncs);
  await engine.close();
  const reopened = createEngine({ path: DIR, fs: fs.crash() });
  const { Count } = await reopened.scan({ TableName: TABLE, Select: "COUNT" });
  assert.equal(Count, 200, "every acknowledged write survives a crash");
  await reopened.close();
});

Deno.test("a lone writer gets one fsync per commit, without waiting for others", async () => {
  const fs = new SimFs();
  const engine = createEngine({ path: DIR, fs });
  await engine.createTable(tableDefinition(TABLE));
  const before = logSyncs(fs);
  for (let i = 0; i < 5; i++) {
    await engine.putItem({ TableName: TABLE, Item: { pk: { S: "lone" }, sk: { S: `${i}` } } });
  }
  assert.equal(logSyncs(fs) - before, 5);
  const { commits, flushes } = engine.durability();
  assert.equal(flushes, commits, "one flush per commit");
  await engine.close();
});

Deno.test("an engine in memory counts no durability", () => {
  assert.deepEqual(createEngine().durability(), { commits: 0, flushes: 0 });
});
