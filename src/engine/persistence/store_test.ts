import assert from "node:assert/strict";
import { tableDefinition } from "../../dynamo/table.ts";
import { createEngine, type Engine } from "../engine.ts";
import { DirectoryLockedError } from "./store.ts";

const TABLE = "store_table";
const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "engine_store_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Copies the directory as it is on disk now: what a crash (kill -9) would leave behind. */
function crashCopy(dir: string): string {
  const copy = Deno.makeTempDirSync({ prefix: "engine_crash_" });
  for (const e of Deno.readDirSync(dir)) Deno.copyFileSync(`${dir}/${e.name}`, `${copy}/${e.name}`);
  return copy;
}

async function count(engine: Engine, pk: string): Promise<number> {
  const out = await engine.query({
    TableName: TABLE,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: pk } },
    Select: "COUNT",
  });
  return out.Count ?? 0;
}

function logFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("log."));
}

Deno.test("durable engine: every acknowledged write survives a crash", async () => {
  await withDir(async (dir) => {
    const engine = createEngine({ path: dir });
    await engine.createTable(tableDefinition(TABLE));
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          engine.putItem({
            TableName: TABLE,
            Item: { ...key("p", `${i}`), b: { B: new Uint8Array([i]) } },
          }),
      ),
    );
    await engine.updateItem({
      TableName: TABLE,
      Key: key("p", "0"),
      UpdateExpression: "SET x = :x",
      ExpressionAttributeValues: { ":x": { N: "1" } },
    });
    await engine.deleteItem({ TableName: TABLE, Key: key("p", "1") });
    await engine.transactWriteItems({
      TransactItems: [{ Put: { TableName: TABLE, Item: key("tx", "1") } }, {
        Delete: { TableName: TABLE, Key: key("p", "2") },
      }],
    });
    await engine.updateTimeToLive({
      TableName: TABLE,
      TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
    });
    const copy = crashCopy(dir);
    try {
      const reopened = createEngine({ path: copy });
      assert.equal(await count(reopened, "p"), 98);
      assert.equal(await count(reopened, "tx"), 1);
      const { Item } = await reopened.getItem({ TableName: TABLE, Key: key("p", "0") });
      assert.deepEqual(Item, { ...key("p", "0"), b: { B: new Uint8Array([0]) }, x: { N: "1" } });
      const err = await reopened.updateTimeToLive({
        TableName: TABLE,
        TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
      })
        .catch((e: Error) => e.message);
      assert.equal(err, "TimeToLive is already enabled", "the TTL spec was persisted");
      await reopened.close();
    } finally {
      Deno.removeSync(copy, { recursive: true });
    }
    await engine.close();
  });
});

Deno.test("durable engine: a torn final log line is ignored, damage before valid lines is refused", async () => {
  await withDir(async (dir) => {
    const engine = createEngine({ path: dir });
    await engine.createTable(tableDefinition(TABLE));
    await engine.putItem({ TableName: TABLE, Item: key("a", "1") });
    await engine.putItem({ TableName: TABLE, Item: key("a", "2") });
    const copy = crashCopy(dir);
    await engine.close();
    try {
      const [log] = logFiles(copy);
      const path = `${copy}/${log}`;
      const original = Deno.readFileSync(path);
      Deno.writeFileSync(path, new TextEncoder().encode('0badc0de [{"op":"put","table":"store_'), {
        append: true,
      });
      const torn = createEngine({ path: copy });
      assert.equal(await count(torn, "a"), 2);
      await torn.close();

      // Damage in a line followed by valid ones: opening must fail rather than lose data silently.
      const lines = new TextDecoder().decode(original).trimEnd().split("\n");
      assert.equal(lines.length, 3, "createTable and two puts");
      lines[1] = lines[1]!.replace('"a"', '"b"');
      for (const name of [...logFiles(copy), "snapshot.jsonl"]) Deno.removeSync(`${copy}/${name}`);
      Deno.writeTextFileSync(`${copy}/log.0.jsonl`, lines.join("\n") + "\n");
      assert.throws(() => createEngine({ path: copy }), /damaged at byte/);
      // The lock was released after the failed open.
      lines[1] = lines[1]!.replace('"b"', '"a"');
      Deno.writeTextFileSync(`${copy}/log.0.jsonl`, lines.join("\n") + "\n");
      const repaired = createEngine({ path: copy });
      assert.equal(await count(repaired, "a"), 2);
      await repaired.close();
    } finally {
      Deno.removeSync(copy, { recursive: true });
    }
  });
});

Deno.test("durable engine: the directory is locked while open", async () => {
  await withDir(async (dir) => {
    const engine = createEngine({ path: dir });
    assert.throws(() => createEngine({ path: dir }), DirectoryLockedError);
    await engine.close();
    await engine.close();
    const again = createEngine({ path: dir });
    await again.close();
  });
});

Deno.test("durable engine: a lock held by another process is refused", async () => {
  await withDir(async (dir) => {
    const script = `const f = Deno.openSync(${
      JSON.stringify(`${dir}/LOCK`)
    }, { read: true, write: true, create: true });
f.lockSync(true); console.log("locked"); await new Promise((r) => setTimeout(r, 10000));`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /locked/);
    try {
      assert.throws(() => createEngine({ path: dir }), /in use by another process/);
    } finally {
      reader.releaseLock();
      child.kill();
      await child.status;
      await child.stdout.cancel();
    }
  });
});

Deno.test("durable engine: compaction rotates the log and keeps data, also under concurrent writes", async () => {
  await withDir(async (dir) => {
    const engine = createEngine({ path: dir, compaction: { ratio: 1, minBytes: 2000 } });
    await engine.createTable(tableDefinition(TABLE));
    const before = logFiles(dir)[0];
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) =>
            engine.putItem({
              TableName: TABLE,
              Item: { ...key("c", `${i}`), round: { N: `${round}` }, pad: { S: "x".repeat(100) } },
            }),
        ),
      );
    }
    await engine.compacted();
    const after = logFiles(dir);
    assert.equal(after.length, 1);
    assert.notEqual(after[0], before, "the log was rotated");
    const copy = crashCopy(dir);
    try {
      const reopened = createEngine({ path: copy });
      assert.equal(await count(reopened, "c"), 50);
      const { Item } = await reopened.getItem({ TableName: TABLE, Key: key("c", "49") });
      assert.deepEqual(Item?.round, { N: "4" });
      await reopened.close();
    } finally {
      Deno.removeSync(copy, { recursive: true });
    }
    await engine.close();
  });
});

Deno.test("durable engine: compaction drops expired items", async () => {
  await withDir(async (dir) => {
    let now = Date.UTC(2026, 0, 1);
    const engine = createEngine({ path: dir, now: () => now });
    await engine.createTable(tableDefinition(TABLE));
    await engine.updateTimeToLive({
      TableName: TABLE,
      TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
    });
    await engine.putItem({
      TableName: TABLE,
      Item: { ...key("e", "old"), expires_at: { N: String(now / 1000 + 10) } },
    });
    await engine.putItem({
      TableName: TABLE,
      Item: { ...key("e", "new"), expires_at: { N: String(now / 1000 + 1000) } },
    });
    now += 60_000;
    await engine.compact();
    assert.equal(logFiles(dir).length, 1);
    const snapshot = Deno.readTextFileSync(`${dir}/snapshot.jsonl`);
    assert.ok(!snapshot.includes('"old"'), "the expired item is gone from disk");
    assert.ok(snapshot.includes('"new"'));
    const { Table } = await engine.describeTable({ TableName: TABLE });
    assert.equal(Table?.ItemCount, 1);
    await engine.close();
  });
});

Deno.test("durable engine: tables can be deleted and recreated across restarts", async () => {
  await withDir(async (dir) => {
    const engine = createEngine({ path: dir });
    await engine.createTable(tableDefinition(TABLE));
    await engine.putItem({ TableName: TABLE, Item: key("d", "1") });
    await engine.deleteTable({ TableName: TABLE });
    await engine.createTable(tableDefinition(TABLE));
    await engine.putItem({ TableName: TABLE, Item: key("d", "2") });
    await engine.close();
    const reopened = createEngine({ path: dir });
    assert.equal(await count(reopened, "d"), 1);
    assert.ok((await reopened.getItem({ TableName: TABLE, Key: key("d", "2") })).Item);
    await reopened.close();
  });
});

Deno.test("durable engine: a compaction that cannot start is skipped, and nothing is lost", async () => {
  await withDir(async (dir) => {
    const engine = createEngine({ path: dir, compaction: { ratio: 1, minBytes: 1000 } });
    await engine.createTable(tableDefinition(TABLE));
    const [log] = logFiles(dir);
    const generation = Number(log!.split(".")[1]);
    // Block the next log's file name, so the next compaction fails before touching anything.
    Deno.mkdirSync(`${dir}/log.${generation + 1}.jsonl`);
    for (let i = 0; i < 40; i++) {
      await engine.putItem({
        TableName: TABLE,
        Item: { ...key("k", `${i}`), pad: { S: "x".repeat(100) } },
      });
    }
    assert.ok(Deno.statSync(`${dir}/${log}`).size > 4000, "writes continued in the old log");
    await engine.close();
    Deno.removeSync(`${dir}/log.${generation + 1}.jsonl`);
    const reopened = createEngine({ path: dir });
    assert.equal(await count(reopened, "k"), 40);
    await reopened.close();
  });
});
