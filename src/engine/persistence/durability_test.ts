/**
 * Durability through the file-system seam: the journal acknowledges a write only after it is
 * written and synced; a crash that drops everything unsynced (at any file operation, also during
 * compaction) loses no acknowledged write; compaction of a large state lets requests through.
 *
 * @module
 */
import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { createEngine, type Engine } from "../engine.ts";
import { LogJournal } from "./log_journal.ts";
import { SimFs } from "./sim_fs.ts";

const DIR = "/data";
const TABLE = "durable_table";
const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

async function count(engine: Engine, pk: string): Promise<number> {
  let n = 0;
  let start: Record<string, { S: string }> | undefined;
  do {
    const out = await engine.query({
      TableName: TABLE,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: pk } },
      Select: "COUNT",
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    n += out.Count ?? 0;
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return n;
}

Deno.test("LogJournal acknowledges a commit only after write, then syncData", async () => {
  const fs = new SimFs();
  fs.mkdirSync(DIR);
  const { file } = fs.openSync(`${DIR}/log.1.jsonl`, "append");
  fs.syncDirSync(DIR);
  const sync = deferred();
  fs.hold("syncData", () => true, sync.promise);
  const journal = new LogJournal(file, 0, () => {});
  journal.append([{ op: "deleteTable", table: "t" }]);
  let acked = false;
  const done = journal.durable().then(() => {
    acked = true;
    fs.events.push("ack");
  });
  await ticks();
  assert.equal(acked, false, "acknowledged before syncData finished");
  assert.equal(
    fs.crash().readFileSync(`${DIR}/log.1.jsonl`)?.length,
    0,
    "unsynced data is dropped",
  );
  sync.resolve();
  await done;
  assert.deepEqual(fs.events.filter((e) => e !== "syncDir").slice(-3), [
    "write log.1.jsonl",
    "syncData log.1.jsonl",
    "ack",
  ]);
  assert.ok(fs.crash().readFileSync(`${DIR}/log.1.jsonl`)!.length > 0, "synced data survives");
  await journal.close();
});

Deno.test("durable engine: a crash at any file operation (compactions included) loses no acknowledged write", async () => {
  const fs = new SimFs();
  const engine = createEngine({ path: DIR, fs, compaction: { ratio: 1, minBytes: 2000 } });
  await engine.createTable(tableDefinition(TABLE));
  const acked: string[] = [];
  const images: { fs: SimFs; acked: number }[] = [];
  fs.onEvent = () => images.push({ fs: fs.crash(), acked: acked.length });
  const ops = fs.events.length;
  for (let round = 0; round < 20; round++) {
    await Promise.all(Array.from({ length: 15 }, async (_, i) => {
      const sk = `${round}-${i}`;
      await engine.putItem({
        TableName: TABLE,
        Item: { ...key("k", sk), pad: { S: "x".repeat(100) } },
      });
      acked.push(sk);
    }));
  }
  await engine.compacted();
  fs.onEvent = undefined;
  const renames = fs.events.slice(ops).filter((e) => e === "rename snapshot.jsonl").length;
  assert.ok(renames >= 2, `compactions ran while writing: ${renames}`);
  let checked = 0;
  for (const image of images) {
    const reopened = createEngine({ path: DIR, fs: image.fs });
    try {
      for (const sk of acked.slice(0, image.acked)) {
        const { Item } = await reopened.getItem({ TableName: TABLE, Key: key("k", sk) });
        assert.ok(Item, `acknowledged ${sk} lost by a crash after ${image.acked} acks`);
      }
      checked++;
    } finally {
      await reopened.close();
    }
  }
  console.log(`crash images checked: ${checked}, acknowledged writes: ${acked.length}`);
  await engine.close();
  const reopened = createEngine({ path: DIR, fs: fs.crash() });
  assert.equal(await count(reopened, "k"), acked.length);
  await reopened.close();
});

Deno.test("durable engine: requests are served while a compaction of a large state is writing", async () => {
  const fs = new SimFs();
  const engine = createEngine({ path: DIR, fs });
  await engine.createTable(tableDefinition(TABLE));
  const N = 20_000;
  for (let i = 0; i < N; i += 25) {
    await engine.batchWriteItem({
      RequestItems: {
        [TABLE]: Array.from({ length: 25 }, (_, j) => ({
          PutRequest: {
            Item: { ...key("big", String(i + j).padStart(6, "0")), v: { S: "y".repeat(50) } },
          },
        })),
      },
    });
  }
  // Hold the snapshot's second chunk: the compaction has started writing and cannot finish.
  const gate = deferred();
  let writes = 0;
  fs.hold("write", (p) => p.endsWith("snapshot.jsonl.tmp") && ++writes > 1, gate.promise);
  let compacted = false;
  const compaction = engine.compact().then(() => compacted = true);
  await ticks();
  assert.ok(writes >= 1, "the compaction is writing its snapshot");
  // Writes and reads go through while the snapshot is held.
  await engine.putItem({ TableName: TABLE, Item: { ...key("new", "1"), v: { S: "during" } } });
  const { Item } = await engine.getItem({ TableName: TABLE, Key: key("new", "1") });
  assert.equal(Item?.v?.S, "during");
  assert.equal(await count(engine, "big"), N);
  assert.equal(compacted, false, "served while the compaction was still running");
  // A crash now (snapshot not installed) keeps everything, the write made during it included.
  const during = createEngine({ path: DIR, fs: fs.crash() });
  assert.equal(await count(during, "big"), N);
  assert.ok((await during.getItem({ TableName: TABLE, Key: key("new", "1") })).Item);
  await during.close();
  gate.resolve();
  await compaction;
  await engine.close();
  const after = createEngine({ path: DIR, fs: fs.crash() });
  assert.equal(await count(after, "big"), N);
  assert.ok((await after.getItem({ TableName: TABLE, Key: key("new", "1") })).Item);
  assert.equal(fs.readDirSync(DIR).filter((n) => n.startsWith("log.")).length, 1);
  await after.close();
});

Deno.test("durable engine: a read waits only for the undurable writes it can reflect", async () => {
  const fs = new SimFs();
  const engine = createEngine({ path: DIR, fs });
  await engine.createTable(tableDefinition(TABLE));
  await engine.createTable(tableDefinition(`${TABLE}_2`));
  await engine.putItem({ TableName: TABLE, Item: { ...key("old", "1"), v: { S: "a" } } });
  await engine.putItem({ TableName: TABLE, Item: { ...key("gone", "1"), v: { S: "a" } } });
  await engine.putItem({ TableName: `${TABLE}_2`, Item: { ...key("other", "1") } });
  let holding = true;
  const sync = deferred();
  fs.hold("syncData", () => holding, sync.promise);
  let acked = false;
  const write = engine.putItem({ TableName: TABLE, Item: { ...key("new", "1"), v: { S: "b" } } })
    .then(() => acked = true);
  await ticks();
  assert.equal(acked, false, "the new item is not durable yet");
  // Durable data is served at once: the read is ordered before the write in flight.
  const old = await engine.getItem({ TableName: TABLE, Key: key("old", "1") });
  assert.equal(old.Item?.v?.S, "a");
  assert.equal(await count(engine, "old"), 1);
  // A read that would return the undurable item waits for it.
  let seen = false;
  const read = engine.getItem({ TableName: TABLE, Key: key("new", "1") }).then((r) => {
    seen = true;
    return r;
  });
  let counted = false;
  const listing = count(engine, "new").then((n) => (counted = true, n));
  // An undurable delete is reflected by an absence: reads of its table wait, others do not.
  const removal = engine.deleteItem({ TableName: TABLE, Key: key("gone", "1") });
  let absent = false;
  const gone = engine.getItem({ TableName: TABLE, Key: key("gone", "1") }).then((r) => {
    absent = true;
    return r;
  });
  await engine.getItem({ TableName: `${TABLE}_2`, Key: key("other", "1") });
  await ticks();
  assert.equal(seen || counted || absent, false, "served undurable data");
  holding = false;
  sync.resolve();
  await Promise.all([write, removal]);
  assert.equal((await read).Item?.v?.S, "b");
  assert.equal(await listing, 1);
  assert.equal((await gone).Item, undefined);
  assert.ok(acked && seen && counted && absent);
  await engine.close();
});
