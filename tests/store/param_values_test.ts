/**
 * Param immutability across the two value guards of `run_params.ts` (a value of at most
 * `INLINE_COMPARE_MAX` characters is compared as it is, a longer one by its stored hash): the
 * same value re-logged passes, any other value (short after long, long after short, same
 * length) is refused with MLflow's message and writes nothing of its batch; items written
 * before the split (short values with a hash) keep working. On every test backend.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MlflowError } from "../../src/errors.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { INLINE_COMPARE_MAX } from "../../src/store/runs/run_params.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";
import { runParamKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";

const SHORT = "s".repeat(INLINE_COMPARE_MAX);
const LONG = "l".repeat(INLINE_COMPARE_MAX + 1);

async function params(s: Stores, runId: string, ...kv: [string, string][]) {
  await logBatch(s.runs, runId, {
    metrics: [],
    params: kv.map(([key, value]) => ({ key, value })),
    tags: [],
  });
}

async function refused(s: Stores, runId: string, key: string, stored: string, value: string) {
  await assert.rejects(params(s, runId, ["fresh", "1"], [key, value]), (e: unknown) => {
    assert.ok(e instanceof MlflowError);
    assert.equal(e.code, "INVALID_PARAMETER_VALUE");
    assert.equal(
      e.message,
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${stored}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
    );
    return true;
  });
  assert.equal((await s.runs.get(runId)).params.fresh, undefined, "nothing of the batch written");
}

for (const backend of testBackends()) {
  const t = (name: string, fn: (s: Stores) => Promise<void>) =>
    Deno.test(`[${backend.name}] ${name}`, async () => {
      const { port, tableName, cleanup } = await backend.makePort();
      try {
        await fn(
          await createStores({ port: retryingPort(port), table: tableName }, "mlflow-artifacts:/"),
        );
      } finally {
        await cleanup();
      }
    });

  t("short and long param values re-log as they are and refuse any other value", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    await params(s, id, ["short", SHORT], ["long", LONG], ["empty", ""]);
    await params(s, id, ["short", SHORT], ["long", LONG], ["empty", ""]);
    await refused(s, id, "short", SHORT, LONG); // long after short
    await refused(s, id, "long", LONG, SHORT); // short after long
    await refused(s, id, "short", SHORT, "t".repeat(INLINE_COMPARE_MAX)); // same length
    await refused(s, id, "long", LONG, "m".repeat(INLINE_COMPARE_MAX + 1)); // same length
    await refused(s, id, "empty", "", "x");
    const run = await s.runs.get(id);
    assert.deepEqual(run.params, { short: SHORT, long: LONG, empty: "" });
  });

  t("a short value is stored without a hash; a long one keeps its hash", async (s) => {
    const id = (await s.runs.create({})).info.runId;
    await params(s, id, ["short", SHORT], ["long", LONG]);
    const item = async (key: string) =>
      (await s.db.port.getItem({
        TableName: s.db.table,
        Key: rawKey(runParamKey(id, key)),
        ConsistentRead: true,
      })).Item!;
    assert.equal((await item("short")).h, undefined);
    assert.equal((await item("short")).v?.S, SHORT);
    assert.ok((await item("long")).h?.S);
  });

  t(
    "a short param written with a hash (the earlier layout) still re-logs and refuses",
    async (s) => {
      const id = (await s.runs.create({})).info.runId;
      await params(s, id, ["old", "1"]);
      await s.db.port.updateItem({
        TableName: s.db.table,
        Key: rawKey(runParamKey(id, "old")),
        UpdateExpression: "SET h = :h",
        ExpressionAttributeValues: {
          ":h": { S: createHash("sha256").update("1").digest("base64") },
        },
      });
      await params(s, id, ["old", "1"]);
      await refused(s, id, "old", "1", "2");
      await refused(s, id, "old", "1", LONG);
    },
  );
}
