/**
 * Trace ingestion and search throughput, side by side with a reference server.
 *
 *   deno run --allow-all bench/traces_bench.ts [--reference http://127.0.0.1:5001]
 *     [--traces 2000] [--clients 20] [--search-traces 100000] [--url http://...]
 *
 * Without `--url` the bench starts this server in-process on the in-memory engine. With
 * `--reference` it runs the same workload against another MLflow-compatible server (for example
 * `mlflow server --backend-store-uri sqlite:///bench.db --port 5001` from PyPI) and prints both
 * figures and the ratio. Workload, identical for both:
 *
 * - ingest: `--clients` concurrent clients each POST OTLP/HTTP protobuf requests to `/v1/traces`,
 *   one trace of 10 spans per request, `--traces` traces in all;
 * - search: the experiment is filled up to `--search-traces` traces, then `traces/search` is timed
 *   (median of 5) for the first page (100, newest first), a filtered page
 *   (`trace.status = 'ERROR'`, 10% of the traces) and the next page of the first.
 *
 * @module
 */
import root from "otlp-root";
import { createApp } from "../src/app.ts";
import { createEngine } from "../src/engine/mod.ts";
import { ensureTable } from "../src/dynamo/table.ts";
import { mountTraces } from "../src/http/traces/mod.ts";
import { createStores } from "../src/store/stores.ts";

// deno-lint-ignore no-explicit-any
const Req = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function flag(name: string, fallback?: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}
const TRACES = Number(flag("traces", "2000"));
const CLIENTS = Number(flag("clients", "20"));
const SEARCH_TRACES = Number(flag("search-traces", "100000"));

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** One OTLP request: a trace of 10 spans with small inputs and outputs. */
function traceRequest(n: number): Uint8Array {
  const traceId = b64(crypto.getRandomValues(new Uint8Array(16)));
  const rootId = b64(crypto.getRandomValues(new Uint8Array(8)));
  const start = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 10 }, (_, i) => ({
    traceId,
    spanId: i === 0 ? rootId : b64(crypto.getRandomValues(new Uint8Array(8))),
    ...(i > 0 ? { parentSpanId: rootId } : {}),
    name: i === 0 ? "agent" : `step-${i}`,
    kind: 1,
    startTimeUnixNano: String(start + BigInt(i) * 1000n),
    endTimeUnixNano: String(start + 2_000_000n),
    status: { code: n % 10 === 0 ? 2 : 1 },
    attributes: [
      { key: "mlflow.spanType", value: { stringValue: '"CHAIN"' } },
      { key: "mlflow.spanInputs", value: { stringValue: JSON.stringify({ q: `question ${n}` }) } },
      { key: "mlflow.spanOutputs", value: { stringValue: JSON.stringify(`answer ${n}`) } },
    ],
  }));
  return Req.encode(Req.fromObject({ resourceSpans: [{ scopeSpans: [{ spans }] }] })).finish();
}

async function createExperiment(url: string): Promise<string> {
  const res = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `bench-${crypto.randomUUID()}` }),
  });
  return (await res.json()).experiment_id;
}

/** Retries after a 503/429 (SQLite's "database is locked"), as the MLflow client does. */
let retries = 0;

async function ingest(url: string, exp: string, count: number, clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < count) {
      const body = traceRequest(next++);
      for (let attempt = 0;; attempt++) {
        const res = await fetch(`${url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf", "x-mlflow-experiment-id": exp },
          body: body as BodyInit,
        });
        await res.arrayBuffer();
        if (res.ok) break;
        if ((res.status !== 503 && res.status !== 429) || attempt >= 10) {
          throw new Error(`ingest failed at ${url}: ${res.status}`);
        }
        retries++;
        await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(attempt, 5)));
      }
    }
  }));
  return count / ((performance.now() - started) / 1000);
}

/** The median time of 5 identical searches (one sample is too noisy on a shared machine). */
async function search(url: string, body: unknown): Promise<{ ms: number; token?: string }> {
  const times: number[] = [];
  let token: string | undefined;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/api/3.0/mlflow/traces/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`search failed: ${JSON.stringify(json)}`);
    times.push(performance.now() - started);
    token = json.next_page_token;
  }
  return { ms: times.sort((a, b) => a - b)[2]!, token };
}

interface Result {
  ingestPerSec: number;
  firstPageMs: number;
  filteredMs: number;
  nextPageMs: number;
}

async function run(url: string): Promise<Result> {
  retries = 0;
  const exp = await createExperiment(url);
  const ingestPerSec = await ingest(url, exp, TRACES, CLIENTS);
  if (SEARCH_TRACES > TRACES) await ingest(url, exp, SEARCH_TRACES - TRACES, CLIENTS);
  const location = [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } }];
  const first = await search(url, { locations: location, max_results: 100 });
  const filtered = await search(url, {
    locations: location,
    max_results: 100,
    filter: "trace.status = 'ERROR'",
  });
  const next = await search(url, {
    locations: location,
    max_results: 100,
    page_token: first.token,
  });
  if (retries > 0) console.log(`${url}: ${retries} ingest requests retried after 503/429`);
  return {
    ingestPerSec,
    firstPageMs: first.ms,
    filteredMs: filtered.ms,
    nextPageMs: next.ms,
  };
}

let url = flag("url");
let server: Deno.HttpServer | undefined;
let engine: ReturnType<typeof createEngine> | undefined;
if (!url) {
  engine = createEngine();
  await ensureTable(engine, "bench");
  const stores = await createStores({ port: engine, table: "bench" }, "mlflow-artifacts:/");
  const app = createApp({ stores, extraRoutes: [mountTraces(stores)] });
  server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
}

console.log(`${TRACES} traces of 10 spans from ${CLIENTS} clients; search over ${SEARCH_TRACES}`);
const ours = await run(url);
const reference = flag("reference");
const theirs = reference ? await run(reference) : undefined;
const row = (name: string, a: number, b: number | undefined, higherIsBetter: boolean) => {
  const ratio = b === undefined ? "" : (higherIsBetter ? a / b : b / a).toFixed(1) + "×";
  console.log(
    `${name.padEnd(28)} ${a.toFixed(1).padStart(10)} ${
      b === undefined ? "" : b.toFixed(1).padStart(10)
    } ${ratio}`,
  );
};
console.log(`${"".padEnd(28)} ${"this".padStart(10)} ${reference ? "reference".padStart(10) : ""}`);
row("ingest (traces/s)", ours.ingestPerSec, theirs?.ingestPerSec, true);
row("search first page (ms)", ours.firstPageMs, theirs?.firstPageMs, false);
row("search filtered page (ms)", ours.filteredMs, theirs?.filteredMs, false);
row("search next page (ms)", ours.nextPageMs, theirs?.nextPageMs, false);
await server?.shutdown();
await engine?.close();
