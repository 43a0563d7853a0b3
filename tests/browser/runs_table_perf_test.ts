/**
 * Browser tier, timing: the runs table of an experiment with 1,000 runs, in headless Chromium,
 * against this server and against `mlflow server` 3.17.2 (from PyPI, SQLite) seeded the same way
 * (`perf_seed.py`). Time = navigation until the first run row is visible (the page keeps polling,
 * so "network idle" never comes); the median of 3 loads after a warm-up (static files cached) is
 * printed for both.
 *
 * The goal is "no slower". On a shared CI machine the test fails only when this server takes
 * more than twice as long (a regression guard, not a benchmark). Needs `MLFLOW_SERVER_BIN` (the
 * `mlflow` executable of a full `mlflow==3.17.2`; `tests/run_all.ts` installs it in
 * `.venv/mlflow-server/`); without it, or with `BROWSER_PERF_RUNS=0`, the test is ignored.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { startService } from "../support/background_service.ts";
import { chromiumPath, HERE, runPython, startOurServer, stopServer } from "./support.ts";

const MLFLOW_BIN = Deno.env.get("MLFLOW_SERVER_BIN");
const RUNS = Number(Deno.env.get("BROWSER_PERF_RUNS") ?? 1000);
const LOADS = 3;

async function startMlflowServer() {
  const dir = Deno.makeTempDirSync({ prefix: "mlflow-server-" });
  const server = await startService({
    name: "mlflow server",
    command: (port) =>
      new Deno.Command(MLFLOW_BIN!, {
        args: [
          "server",
          "--backend-store-uri",
          `sqlite:///${join(dir, "mlflow.db")}`,
          "--artifacts-destination",
          join(dir, "artifacts"),
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
          "--workers",
          "1",
        ],
        env: { MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    answers: async (endpoint) => {
      try {
        return (await fetch(`${endpoint}/health`).then((r) => r.text())) === "OK";
      } catch {
        return false;
      }
    },
    requestStop: (child) => child.kill("SIGTERM"),
    timeoutMs: 3 * 60_000,
  });
  return { server, dir };
}

/** Median milliseconds from navigation to the first run row being visible. */
async function timeRunsTable(context: BrowserContext, url: string): Promise<number> {
  const once = async () => {
    const page = await context.newPage();
    try {
      const t0 = performance.now();
      await page.goto(url, { waitUntil: "load" });
      await page.getByText("perf-run-", { exact: false }).first().waitFor({ timeout: 60_000 });
      return performance.now() - t0;
    } finally {
      await page.close();
    }
  };
  await once(); // warm-up: static files into the browser cache
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

Deno.test({
  name: `browser timing: runs table of ${RUNS} runs, this server vs mlflow server (SQLite)`,
  ignore: !MLFLOW_BIN || RUNS === 0,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const ours = await startOurServer();
    const theirs = await startMlflowServer();
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
    try {
      const seed = (endpoint: string) =>
        runPython([join(HERE, "perf_seed.py"), "perf-runs", String(RUNS)], endpoint);
      const t0 = Date.now();
      const [ourExp, theirExp] = await Promise.all([
        seed(ours.server.endpoint),
        seed(theirs.server.endpoint),
      ]);
      console.log(`seeded ${RUNS} runs on both servers in ${Date.now() - t0} ms`);
      const measure = async (endpoint: string, exp: string) => {
        const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
        try {
          return await timeRunsTable(context, `${endpoint}/#/experiments/${exp}/runs`);
        } finally {
          await context.close();
        }
      };
      const mlflowMs = await measure(theirs.server.endpoint, theirExp);
      const oursMs = await measure(ours.server.endpoint, ourExp);
      console.log(
        `runs table (${RUNS} runs), time to the first row, median of ${LOADS}: ` +
          `this server ${oursMs.toFixed(0)} ms, mlflow server ${mlflowMs.toFixed(0)} ms`,
      );
      assert.ok(
        oursMs <= 2 * mlflowMs,
        `this server ${oursMs.toFixed(0)} ms vs mlflow server ${mlflowMs.toFixed(0)} ms`,
      );
    } finally {
      await browser.close();
      await stopServer(ours);
      await theirs.server.stop();
      Deno.removeSync(theirs.dir, { recursive: true });
    }
  },
});
