/**
 * Write throughput of the embedded engine alone (issue #11), with the two request shapes that
 * lost to the peers, driven straight at the engine (no HTTP, no store code):
 *
 * - `params`: a log-batch of 100 new params to one run: one TransactWriteItems of 100 Puts
 *   conditioned on `attribute_not_exists(pk) OR h = :h`, items carrying the run's GSI1 keys,
 *   from `--clients` concurrent callers into the SAME run (its partition grows by 100 items per
 *   request), each preceded by the GetItem of the run record, as the store does;
 * - `create-run`: the CreateRun transaction: the run's unindexed item plus the run record under
 *   `attribute_not_exists(pk)` (the record is the one the store writes, captured once).
 *
 * Every transaction carries a fresh `ClientRequestToken`, as the retrying port sends it.
 *
 * On a durable engine in a temporary directory (journal and fsync on), it prints ops/s per shape
 * (and CPU milliseconds per op, steadier on a shared machine) and the load average before and
 * after. `--cpu-prof` on the Deno command line profiles it.
 *
 *   deno run --allow-all bench/engine_writes.ts [--seconds 5] [--clients 20] [--only params]
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import type { TransactWriteItemsCommandInput } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "../src/dynamo/port.ts";
import { ensureTable } from "../src/dynamo/table.ts";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { runDetailGsi1, runKey, runParamKey } from "../src/keys/key_schema.ts";
import { createStores } from "../src/store/stores.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "20" },
    only: { type: "string", default: "params,create-run" },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const only = new Set(values.only.split(","));
const TABLE = "mlflow";

function loadavg(): string {
  return Deno.loadavg().map((n) => n.toFixed(2)).join(" ");
}

/** Runs `op` from `clients` loops for `seconds`; returns ops/s and errors. */
async function drive(engine: Engine, op: (client: number, n: number) => Promise<unknown>) {
  const durability = () =>
    (engine as Partial<Engine>).durability?.() ?? { commits: Number.NaN, flushes: Number.NaN };
  const before = durability();
  let done = 0;
  let errors = 0;
  let firstError: unknown;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let n = 0; performance.now() < end; n++) {
      try {
        await op(c, n);
        done++;
      } catch (e) {
        errors++;
        firstError ??= e;
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (firstError) console.error("first error:", firstError);
  // CPU per op (user + system, all threads): steadier than ops/s on a shared machine.
  const cpuMs = (used.user + used.system) / 1000 / Math.max(1, done);
  const after = durability();
  const perFlush = (after.commits - before.commits) / (after.flushes - before.flushes);
  return { opsPerSecond: done / elapsed, errors, done, cpuMs, perFlush };
}

/** Replaces `from` by `to` in every string of a (JSON-like) value. */
function rewrite<T>(value: T, from: string, to: string): T {
  if (typeof value === "string") return value.replaceAll(from, to) as T;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, from, to)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, from, to);
    return out as T;
  }
  return value;
}

/** The CreateRun transaction the store sends, captured from one real createRun. */
async function captureCreateRun(engine: Engine) {
  let captured: TransactWriteItemsCommandInput | undefined;
  let capturing = false;
  const port: DynamoPort = {
    ...engine,
    transactWriteItems: (input) => {
      if (capturing) captured ??= structuredClone(input);
      return engine.transactWriteItems(input);
    },
  };
  const s = await createStores({ port, table: TABLE }, "mlflow-artifacts:/");
  capturing = true;
  const run = await s.runs.create({ experimentId: "0", runName: "bench", startTime: 1 });
  if (!captured) throw new Error("createRun sent no transaction");
  return { template: captured, runId: run.info.runId, stores: s };
}

async function benchCreateRun(engine: Engine) {
  const { template, runId } = await captureCreateRun(engine);
  const result = await drive(engine, (c, n) => {
    const id = `${runId.slice(0, 20)}${c.toString(16).padStart(4, "0")}${
      n.toString(16).padStart(8, "0")
    }`;
    return engine.transactWriteItems({
      ...rewrite(template, runId, id),
      ClientRequestToken: crypto.randomUUID(),
    });
  });
  console.log(
    `create-run (2-put transaction): ${result.opsPerSecond.toFixed(0)} ops/s, ${
      result.cpuMs.toFixed(3)
    } CPU ms/op, ${result.perFlush.toFixed(1)} commits per fsync, ${result.errors} errors`,
  );
  return result;
}

async function benchParams(engine: Engine) {
  const { runId } = await captureCreateRun(engine);
  const gsi = runDetailGsi1("0", runId, 1, "P");
  const rk = runKey(runId);
  const recordKey = { pk: { S: rk.pk }, sk: { S: rk.sk } };
  const value = "v".repeat(20);
  const h = "x".repeat(44);
  const result = await drive(engine, async (c, n) => {
    await engine.getItem({ TableName: TABLE, Key: recordKey, ConsistentRead: true });
    const TransactItems = Array.from({ length: 100 }, (_, i) => {
      const k = runParamKey(runId, `param_${c}_${n}_${i}`);
      return {
        Put: {
          TableName: TABLE,
          Item: {
            pk: { S: k.pk },
            sk: { S: k.sk },
            gsi1pk: { S: gsi.gsi1pk },
            gsi1sk: { S: gsi.gsi1sk },
            v: { S: value },
            h: { S: h },
          },
          ConditionExpression: "attribute_not_exists(pk) OR h = :h",
          ExpressionAttributeValues: { ":h": { S: h } },
        },
      };
    });
    await engine.transactWriteItems({ TransactItems, ClientRequestToken: crypto.randomUUID() });
  });
  console.log(
    `params (100-put transaction, one run): ${result.opsPerSecond.toFixed(0)} ops/s, ${
      result.cpuMs.toFixed(2)
    } CPU ms/op, ${result.perFlush.toFixed(1)} commits per fsync, ${result.errors} errors (${
      result.done * 100
    } items in the partition)`,
  );
  return result;
}

console.log(`load average before: ${loadavg()}; ${clients} clients, ${seconds} s per shape`);
for (const shape of ["params", "create-run"]) {
  if (!only.has(shape)) continue;
  const dir = await Deno.makeTempDir({ prefix: "engine_writes_" });
  const engine = createEngine({ path: dir });
  try {
    await ensureTable(engine, TABLE);
    if (shape === "params") await benchParams(engine);
    else await benchCreateRun(engine);
  } finally {
    await engine.close();
    await Deno.remove(dir, { recursive: true });
  }
}
console.log(`load average after: ${loadavg()}`);
