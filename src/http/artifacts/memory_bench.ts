/**
 * Memory bound of artifact transfers: uploads and then downloads a large artifact through the
 * artifact routes behind a real `Deno.serve` on loopback (local store in a temp dir) and reports
 * how far the server's RSS grew above its warmed-up baseline. The server runs in a child process
 * (this file with `--serve`), sampling its own RSS every 5 ms; the client (Deno `fetch`, streamed
 * body, streamed download) runs in the parent, so client buffers never count.
 *
 * ```sh
 * npx -y deno@2.9.6 run --allow-all --v8-flags=--expose-gc src/http/artifacts/memory_bench.ts \
 *   [--mb 200] [--limit-mb 64] [--json]
 * ```
 *
 * Exits 1 when the growth reaches `--limit-mb` or the downloaded bytes differ (sha256).
 * `memory_bench_test.ts` runs the same measurement.
 *
 * @module
 */
import { Hono } from "hono";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LocalArtifactStore } from "../../artifacts/local_store.ts";
import { notFoundRoute, onError } from "../on_error.ts";
import { artifactRoutes } from "./mod.ts";

const MiB = 1024 * 1024;

/** What one run measured. */
export interface MemoryBenchResult {
  mb: number;
  baselineRssMb: number;
  peakRssMb: number;
  growthMb: number;
  limitMb: number;
  uploadMBps: number;
  downloadMBps: number;
  sha256Match: boolean;
  ok: boolean;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The bytes of chunk `index`: deterministic, cheap, different per chunk. */
function chunkAt(index: number, size: number): Uint8Array {
  const chunk = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) chunk[i] = (index + i / 4096) & 0xff;
  return chunk;
}

/**
 * Uploads `total` bytes with a `Content-Length` and backpressure, as the MLflow client
 * (`requests` with a file body) does. `node:http` is used because Deno's `fetch` trickles
 * streamed request bodies in small pieces (much slower, and the server's RSS then rises with
 * garbage until V8 collects it).
 */
function upload(url: string, total: number, hash: ReturnType<typeof createHash>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", headers: { "content-length": total } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    let sent = 0;
    let index = 0;
    const pump = () => {
      while (sent < total) {
        const chunk = chunkAt(index++, Math.min(MiB, total - sent));
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

async function transfer(base: string, path: string, bytes: number) {
  const url = `${base}/api/2.0/mlflow-artifacts/artifacts/${path}`;
  const up = createHash("sha256");
  const t0 = performance.now();
  const status = await upload(url, bytes, up);
  if (status !== 200) throw new Error(`upload answered ${status}`);
  const t1 = performance.now();
  const get = await fetch(url);
  if (get.status !== 200) throw new Error(`download answered ${get.status}: ${await get.text()}`);
  const down = createHash("sha256");
  let received = 0;
  for await (const chunk of get.body!) {
    down.update(chunk);
    received += chunk.length;
  }
  const t2 = performance.now();
  return {
    uploadMs: t1 - t0,
    downloadMs: t2 - t1,
    match: received === bytes && up.digest("hex") === down.digest("hex"),
  };
}

/** The server half: serves the artifact routes plus `/__bench/rss`, prints its port as JSON. */
async function serve(): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "artifact-memory-bench-" });
  const store = await LocalArtifactStore.open(join(tmp, "artifacts"));
  const app = new Hono();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 5);
  app.get("/__bench/rss", async (c) => {
    if (c.req.query("reset") !== undefined) {
      gc();
      await new Promise((r) => setTimeout(r, 50));
      peak = 0;
    }
    const rss = Deno.memoryUsage().rss;
    peak = Math.max(peak, rss);
    return c.json({ rss, peak });
  });
  artifactRoutes({
    destination: store,
    runs: { load: () => Promise.reject(new Error("no runs in the bench")) },
  })(app);
  app.notFound(notFoundRoute);
  app.onError(onError);
  const controller = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: controller.signal,
    onListen: ({ port }) => console.log(JSON.stringify({ port })),
  }, app.fetch);
  Deno.addSignalListener("SIGTERM", () => controller.abort());
  await server.finished;
  clearInterval(sampler);
  await Deno.remove(tmp, { recursive: true });
}

async function readPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`bench server exited before listening: ${text}`);
    text += value;
  }
  reader.releaseLock();
  return JSON.parse(text.slice(0, text.indexOf("\n"))).port;
}

/**
 * Runs the measurement: the server in a child process (its RSS is what is measured), the client
 * here.
 */
export async function runMemoryBench(mb: number, limitMb: number): Promise<MemoryBenchResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--v8-flags=--expose-gc", import.meta.filename!, "--serve"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const base = `http://127.0.0.1:${await readPort(child.stdout)}`;
    const rss = async (reset: boolean) => {
      const res = await fetch(`${base}/__bench/rss${reset ? "?reset" : ""}`);
      return (await res.json()) as { rss: number; peak: number };
    };
    // Warm up code paths and buffers so that the baseline is the steady state.
    await transfer(base, "warmup/blob.bin", 16 * MiB);
    const baseline = (await rss(true)).rss;
    const run = await transfer(base, "1/0123456789abcdef/artifacts/big.bin", mb * MiB);
    const peak = (await rss(false)).peak;
    const growthMb = (peak - baseline) / MiB;
    return {
      mb,
      baselineRssMb: round(baseline / MiB),
      peakRssMb: round(peak / MiB),
      growthMb: round(growthMb),
      limitMb,
      uploadMBps: round(mb / (run.uploadMs / 1000)),
      downloadMBps: round(mb / (run.downloadMs / 1000)),
      sha256Match: run.match,
      ok: run.match && growthMb < limitMb,
    };
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.stdout.cancel().catch(() => {});
    await child.status;
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      mb: { type: "string", default: "200" },
      "limit-mb": { type: "string", default: "64" },
      json: { type: "boolean", default: false },
      serve: { type: "boolean", default: false },
    },
  });
  if (values.serve) {
    await serve();
    Deno.exit(0);
  }
  const result = await runMemoryBench(Number(values.mb), Number(values["limit-mb"]));
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `${result.mb} MB up+down: RSS ${result.baselineRssMb} → peak ${result.peakRssMb} MB ` +
        `(growth ${result.growthMb} MB, limit ${result.limitMb} MB); ` +
        `upload ${result.uploadMBps} MB/s, download ${result.downloadMBps} MB/s; ` +
        `sha256 ${result.sha256Match ? "match" : "MISMATCH"} → ${result.ok ? "ok" : "FAILED"}`,
    );
  }
  Deno.exit(result.ok ? 0 : 1);
}
