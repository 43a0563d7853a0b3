/**
 * A real crash: a child process writes through a durable engine and is killed with SIGKILL;
 * every write it saw acknowledged must be there after reopening.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createEngine } from "../engine.ts";

const ROOT = new URL("../../../", import.meta.url);

const CHILD = `
import { createEngine } from "${new URL("src/engine/mod.ts", ROOT)}";
import { tableDefinition } from "${new URL("src/dynamo/table.ts", ROOT)}";
const engine = createEngine({ path: Deno.args[0], compaction: { ratio: 1, minBytes: 4096 } });
await engine.createTable(tableDefinition("crash_table"));
let next = 0;
for (;;) {
  const batch = Array.from({ length: 10 }, () => next++);
  await Promise.all(batch.map((n) =>
    engine.putItem({
      TableName: "crash_table",
      Item: { pk: { S: "k" }, sk: { S: String(n).padStart(8, "0") }, pad: { S: "x".repeat(200) } },
    })
  ));
  console.log("acked " + batch[batch.length - 1]);
}
`;

Deno.test("durable engine: kill -9 loses no acknowledged write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine_kill_" });
  const script = `${dir}_child.ts`;
  await Deno.writeTextFile(script, CHILD);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", new URL("deno.json", ROOT).pathname, script, dir],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let acked = -1;
    let buffer = "";
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    while (acked < 600) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^acked (\d+)$/.exec(line);
        if (m) acked = Number(m[1]);
      }
    }
    child.kill("SIGKILL");
    reader.releaseLock();
    await child.stdout.cancel();
    const stderr = new TextDecoder().decode(
      await new Response(child.stderr).arrayBuffer(),
    );
    await child.status;
    assert.ok(acked >= 600, `the child acknowledged ${acked} writes; stderr: ${stderr}`);

    const engine = createEngine({ path: dir });
    const present = new Set<string>();
    let start: Record<string, { S: string }> | undefined;
    do {
      const page = await engine.query({
        TableName: "crash_table",
        KeyConditionExpression: "pk = :k",
        ExpressionAttributeValues: { ":k": { S: "k" } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      for (const item of page.Items ?? []) present.add(item.sk!.S!);
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    await engine.close();
    for (let n = 0; n <= acked; n++) {
      assert.ok(present.has(String(n).padStart(8, "0")), `acknowledged write ${n} is missing`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(script);
  }
});
