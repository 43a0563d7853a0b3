/**
 * Memory of the embedded engine per stored metric point (issue #11, "Memory").
 *
 * Logs `--points` metric points (default 1,000,000) through the store into an embedded engine
 * (a temporary directory, journal on) in `--runs` runs, `--keys` keys per call and
 * `--per-call` points per call, then prints RSS and V8 heap per million points: with the raw
 * chunks as logged, and after history compaction. It also times the engine's own log
 * compaction (snapshot) and the longest event-loop stall while it runs, the only part of it
 * that could hold up a request.
 *
 *   deno run --allow-all --v8-flags=--expose-gc bench/engine_memory.ts [--points 1000000]
 *     [--runs 10] [--keys 10] [--per-call 1000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createEngine } from "../src/engine/mod.ts";
import { ensureTable } from "../src/dynamo/table.ts";
import { setAutoCompaction } from "../src/store/metrics/compaction_scheduler.ts";
import { compactRun } from "../src/store/metrics/history_compaction.ts";
import { logBatch } from "../src/store/runs/log_batch.ts";
import { createStores } from "../src/store/stores.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    points: { type: "string", default: "1000000" },
    runs: { type: "string", default: "10" },
    keys: { type: "string", default: "10" },
    "per-call": { type: "string", default: "1000" },
  },
});
const points = Number(values.points);
const runs = Number(values.runs);
const keys = Number(values.keys);
const perCall = Number(values["per-call"]);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("run with --v8-flags=--expose-gc for stable figures");

function memory() {
  for (let i = 0; i < 3; i++) gc?.();
  const m = Deno.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const perMillion = (bytes: number) => mb(bytes / (points / 1e6));

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile) total += (await Deno.stat(`${dir}/${e.name}`)).size;
  }
  return total;
}

const dir = await Deno.makeTempDir({ prefix: "engine_memory_" });
const engine = createEngine({ path: dir });
try {
  await ensureTable(engine, "mlflow");
  const db = { port: engine, table: "mlflow" };
  setAutoCompaction(db, false);
  const s = await createStores(db, "mlflow-artifacts:/");
  const names = Array.from({ length: keys }, (_, i) => `metric_name_${i}`);
  const base = memory();
  const runIds: string[] = [];
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    const runId = (await s.runs.create({})).info.runId;
    runIds.push(runId);
    const perRun = Math.floor(points / runs);
    for (let done = 0; done < perRun; done += perCall) {
      const metrics = Array.from({ length: Math.min(perCall, perRun - done) }, (_, i) => {
        const n = done + i;
        const step = Math.floor(n / keys);
        return {
          key: names[n % keys]!,
          value: Math.random(),
          timestamp: 1_700_000_000_000 + step,
          step,
        };
      });
      await logBatch(s.runs, runId, { metrics, params: [], tags: [] });
    }
  }
  const logSeconds = (performance.now() - started) / 1000;
  await engine.compacted();
  const raw = memory();
  const compactStart = performance.now();
  for (const runId of runIds) await compactRun(db, runId, Infinity);
  const compactSeconds = (performance.now() - compactStart) / 1000;
  const compacted = memory();

  // The engine's own log compaction: time it and the longest event-loop stall meanwhile, and
  // the longest stall of an idle loop for as long (the machine's own noise).
  const longestStall = async (work: () => Promise<unknown>) => {
    let stall = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last - 1);
      last = now;
    }, 1);
    const started = performance.now();
    try {
      await work();
    } finally {
      clearInterval(probe);
    }
    return { stall, seconds: (performance.now() - started) / 1000 };
  };
  const snap = await longestStall(() => engine.compact());
  const quiet = await longestStall(() => new Promise((r) => setTimeout(r, snap.seconds * 1000)));
  const disk = await dirBytes(dir);

  console.log(
    `${
      points.toLocaleString("en")
    } points, ${runs} runs, ${keys} keys, ${perCall} points per call` +
      ` (logged in ${logSeconds.toFixed(1)} s, compacted in ${compactSeconds.toFixed(1)} s)`,
  );
  console.log(`baseline: RSS ${mb(base.rss)} MB, heap ${mb(base.heap)} MB`);
  console.log(
    `raw chunks:       RSS +${perMillion(raw.rss - base.rss)} MB, heap +${
      perMillion(raw.heap - base.heap)
    } MB per million points`,
  );
  console.log(
    `after compaction: RSS +${perMillion(compacted.rss - base.rss)} MB, heap +${
      perMillion(compacted.heap - base.heap)
    } MB per million points`,
  );
  console.log(
    `engine snapshot: ${snap.seconds.toFixed(2)} s, longest event-loop stall ${
      snap.stall.toFixed(1)
    } ms (idle loop: ${quiet.stall.toFixed(1)} ms); data directory ${mb(disk)} MB`,
  );
} finally {
  await engine.close();
  await Deno.remove(dir, { recursive: true });
}
