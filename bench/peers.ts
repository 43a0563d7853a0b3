/**
 * The peer benchmark of issue #11: the same MLflow REST workload against this server (embedded
 * engine, and DynamoDB Local behind a metering port) and against its peers (`mlflow server` on
 * sqlite, FastTrackML, mlflow-go), one server after another, printing op × server: requests/s,
 * p50, p99, errors, our ratio to each peer, and DynamoDB calls/RCU/WCU per request.
 *
 * `deno task bench:peers [--clients 20] [--seconds 10] [--seed-runs 10000]
 * [--history-points 50000] [--only embedded,mlflow] [--max-requests 200000] [--seed-over-api]`
 *
 * Loopback only; each op is bounded by time and by request count. On a shared machine compare
 * ratios within one run, never absolute figures across runs. The sqlite peers (`mlflow server`,
 * mlflow-go) get the search experiment's runs written into their sqlite file through their own
 * MLflow ORM models (`peers/sqlite_seed.py`: the same rows as over REST, minutes faster);
 * `--seed-over-api` seeds every server over REST instead.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { loadavg } from "node:os";
import { type OpResult, runLoad, type Target } from "./peers/load.ts";
import { OPS, seed, type Sizes } from "./peers/workload.ts";
import { BENCH_DIR, type Running, servers, type ServerSpec } from "./peers/servers.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "20" },
    seconds: { type: "string", default: "10" },
    "seed-runs": { type: "string", default: "10000" },
    "history-points": { type: "string", default: "50000" },
    "max-requests": { type: "string", default: "200000" },
    only: { type: "string" },
    "seed-over-api": { type: "boolean", default: false },
  },
});
const overApi = args["seed-over-api"];
const clients = Number(args.clients);
const seconds = Number(args.seconds);
const maxRequests = Number(args["max-requests"]);
const sizes: Sizes = {
  seedRuns: Number(args["seed-runs"]),
  historyPoints: Number(args["history-points"]),
};
const only = args.only?.split(",").map((s) => s.trim().toLowerCase());

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const results = new Map<string, Map<string, OpResult>>();
const skipped: string[] = [];

async function meter(t: Target, reset = false) {
  const res = await fetch(`${t.base}/bench/meter`, { method: reset ? "POST" : "GET" });
  return await res.json() as { calls: number; readUnits: number; writeUnits: number };
}

async function bench(spec: ServerSpec, dataDir: string): Promise<void> {
  let running: Running | undefined;
  try {
    await spec.install();
    running = await spec.start(dataDir);
  } catch (e) {
    skipped.push(`${spec.name}: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    console.log(`skipped ${spec.name}: ${e instanceof Error ? e.message : e}`);
    return;
  }
  const t: Target = { base: running.base };
  const byOp = new Map<string, OpResult>();
  results.set(spec.name, byOp);
  try {
    const t0 = performance.now();
    const seeded = await seed(t, sizes, clients, overApi ? undefined : running.bulkRuns);
    console.log(`${spec.name}: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const op of OPS) {
      if (spec.metered) await meter(t, true);
      const r = await runLoad(
        clients,
        seconds,
        maxRequests,
        (seq) => op.run(t, seeded, seq, sizes),
      );
      if (spec.metered && r.requests > 0) {
        const m = await meter(t);
        r.meter = {
          calls: m.calls / r.requests,
          rcu: m.readUnits / r.requests,
          wcu: m.writeUnits / r.requests,
        };
      }
      byOp.set(op.name, r);
      console.log(
        `  ${op.name.padEnd(28)} ${rate(r).padStart(8)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${
          r.p99.toFixed(1)
        } ms  errors ${r.errors}${r.firstError ? ` (${r.firstError.slice(0, 120)})` : ""}`,
      );
    }
  } catch (e) {
    console.log(`  ${spec.name} stopped early: ${e instanceof Error ? e.message : e}`);
  } finally {
    await running.stop();
  }
}

const rate = (r: OpResult) =>
  (r.requests / r.seconds).toFixed(r.requests / r.seconds < 100 ? 1 : 0);

function printTables(ours: string[], peers: string[]): void {
  const names = [...results.keys()];
  if (names.length === 0) return;
  console.log(`\n| op | ${names.join(" | ")} |`);
  console.log(`|---|${names.map(() => "---").join("|")}|`);
  for (const op of OPS) {
    const cells = names.map((n) => {
      const r = results.get(n)?.get(op.name);
      if (!r) return "–";
      return `${rate(r)} (p50 ${r.p50.toFixed(0)}, p99 ${r.p99.toFixed(0)} ms${
        r.errors ? `, **${r.errors} errors**` : ""
      })`;
    });
    console.log(`| ${op.name} | ${cells.join(" | ")} |`);
  }
  const ran = peers.filter((p) => results.has(p));
  for (const o of ours.filter((n) => results.has(n))) {
    if (ran.length === 0) break;
    console.log(`\nRatio ${o} ÷ peer (requests/s):\n`);
    console.log(`| op | ${ran.map((p) => `÷ ${p}`).join(" | ")} |`);
    console.log(`|---|${ran.map(() => "---").join("|")}|`);
    for (const op of OPS) {
      const mine = results.get(o)?.get(op.name);
      const cells = ran.map((p) => {
        const theirs = results.get(p)?.get(op.name);
        if (!mine || !theirs || theirs.requests === 0) return "–";
        return `${
          ((mine.requests / mine.seconds) / (theirs.requests / theirs.seconds)).toFixed(2)
        }×`;
      });
      console.log(`| ${op.name} | ${cells.join(" | ")} |`);
    }
  }
  for (const [name, byOp] of results) {
    if (![...byOp.values()].some((r) => r.meter)) continue;
    console.log(`\nDynamoDB per request (${name}, ReturnConsumedCapacity):\n`);
    console.log("| op | calls | RCU | WCU |\n|---|---|---|---|");
    for (const op of OPS) {
      const m = byOp.get(op.name)?.meter;
      if (m) {
        console.log(
          `| ${op.name} | ${m.calls.toFixed(2)} | ${m.rcu.toFixed(2)} | ${m.wcu.toFixed(2)} |`,
        );
      }
    }
  }
}

const all = servers().filter((s) => !only || only.some((o) => s.name.toLowerCase().includes(o)));
const ours = [
  "embedded",
  "DynamoDB Local",
  "DynamoDB Local, 1 worker",
  "DynamoDB Local, 2 workers",
];
const runDir = join(BENCH_DIR, "data", new Date().toISOString().replaceAll(":", "-"));
console.log(
  `peer benchmark ${
    new Date().toISOString()
  }  ${Deno.build.os}/${Deno.build.arch}  ${navigator.hardwareConcurrency} cores  clients ${clients}, ${seconds} s per op, ${sizes.seedRuns} seeded runs, ${sizes.historyPoints}-point history`,
);
console.log(`load average before: ${load()}`);
for (const spec of all) {
  const dir = join(runDir, spec.name.replace(/[^A-Za-z0-9]+/g, "-"));
  await Deno.mkdir(dir, { recursive: true });
  console.log(`\n== ${spec.name}`);
  await bench(spec, dir);
}
console.log(`\nload average after: ${load()}`);
printTables(ours, all.map((s) => s.name).filter((n) => !ours.includes(n)));
if (skipped.length > 0) console.log(`\nskipped: ${skipped.join("; ")}`);
await Deno.remove(runDir, { recursive: true }).catch(() => {});
