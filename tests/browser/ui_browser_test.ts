/**
 * Browser tier: the stock MLflow 3.17.2 web UI, served by this server, in headless Chromium
 * (Debian's `chromium`, driven by npm `playwright-core`; no browser download).
 *
 * The server runs as `deno run main.ts` on the in-process engine; the UI build comes from the
 * usual lookup (the cache is filled from PyPI when missing). `seed.py` logs a realistic data set
 * through the stock client. Each page of `pages.ts` must show its content, with no request
 * answered ≥ 400 other than those `mlflow server` also fails and no error banner. Pages are
 * checked a few at a time (`BROWSER_CONCURRENCY`, 3); each has its own test. Screenshots go
 * to `tests/browser/.out/screenshots/` (ignored by git).
 *
 * Needs `BROWSER_PYTHON` (a Python with the compat requirements; default `.venv/bin/python`) and
 * `CHROMIUM_PATH` (default: `chromium` on PATH); `tests/run_all.ts` provides both.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startService } from "../support/background_service.ts";
import {
  ERROR_BANNERS,
  EXPECTED_FAILURES,
  mainPages,
  type PageSpec,
  PLACEHOLDER_IDS,
  type Seeded,
} from "./pages.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(dirname(HERE));
const SHOTS = join(HERE, ".out", "screenshots");
const CONTENT_TIMEOUT_MS = 30_000;

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

function chromiumPath(): string {
  const path = Deno.env.get("CHROMIUM_PATH") ?? onPath("chromium") ?? onPath("chromium-browser");
  if (!path) throw new Error("chromium not found: install Debian's chromium or set CHROMIUM_PATH");
  return path;
}

function pythonPath(): string {
  const path = Deno.env.get("BROWSER_PYTHON") ?? join(ROOT, ".venv", "bin", "python");
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(`${path} not found: run the compat tier once or set BROWSER_PYTHON`);
  }
  return path;
}

/** Starts the server and waits until `/` serves the UI (the cache may be downloading). */
async function startServer() {
  const artifacts = Deno.makeTempDirSync({ prefix: "ui-browser-artifacts-" });
  const server = await startService({
    name: "mlflow-dynamodb-server",
    command: (port) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          join(ROOT, "main.ts"),
          "--backend-store-uri",
          "memory:",
          "--port",
          String(port),
          "--artifacts-destination",
          artifacts,
        ],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    answers: async (endpoint) => {
      try {
        const res = await fetch(`${endpoint}/`);
        return (await res.text()).includes("static-files/");
      } catch {
        return false;
      }
    },
    requestStop: (child) => child.kill("SIGTERM"),
    timeoutMs: 5 * 60_000,
  });
  return { server, artifacts };
}

async function seed(endpoint: string): Promise<Seeded> {
  const out = await new Deno.Command(pythonPath(), {
    args: [join(HERE, "seed.py")],
    env: { MLFLOW_TRACKING_URI: endpoint, PYTHONUNBUFFERED: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`seed.py failed:\n${stdout}\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

/** What one page showed: undefined when it passed, else why it failed. */
type Outcome = { error?: string; ms: number };

const CONCURRENCY = Number(Deno.env.get("BROWSER_CONCURRENCY") ?? 3);

async function checkPage(
  context: import("playwright-core").BrowserContext,
  endpoint: string,
  spec: PageSpec,
): Promise<Outcome> {
  const page = await context.newPage();
  const failed: string[] = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !EXPECTED_FAILURES.some((re) => re.test(path))) {
      failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
  const started = Date.now();
  try {
    await page.goto(`${endpoint}/${spec.hash}`, { waitUntil: "load" });
    for (const text of spec.texts) {
      await page.getByText(text, { exact: false }).first().waitFor({
        state: "visible",
        timeout: CONTENT_TIMEOUT_MS,
      }).catch(() => {
        throw new Error(`"${text}" did not appear`);
      });
    }
    if (spec.selector) {
      await page.locator(spec.selector).first().waitFor({
        state: "visible",
        timeout: CONTENT_TIMEOUT_MS,
      }).catch(() => {
        throw new Error(`no element matches ${spec.selector}`);
      });
    }
    // Let follow-up requests (charts, polls) settle before judging them.
    await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => {});
    const banner = ERROR_BANNERS.exec(await page.innerText("body"))?.[0];
    if (banner) throw new Error(`error banner: ${banner}`);
    if (failed.length > 0) throw new Error(`failed requests:\n${failed.join("\n")}`);
    return { ms: Date.now() - started };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), ms: Date.now() - started };
  } finally {
    await page.screenshot({ path: join(SHOTS, `${spec.name}.png`), fullPage: true })
      .catch(() => {});
    await page.close();
  }
}

/**
 * Starts the server, seeds it and checks every page (a few at a time); each page's test below
 * reports its own outcome. `BROWSER_ENDPOINT` + `BROWSER_SEEDED` (the seed's JSON) reuse a
 * running, seeded server instead (for working on the tier).
 */
async function runAll(): Promise<Map<string, Outcome>> {
  Deno.mkdirSync(SHOTS, { recursive: true });
  const reuse = Deno.env.get("BROWSER_ENDPOINT");
  const started = reuse ? undefined : await startServer();
  const endpoint = reuse ?? started!.server.endpoint;
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  try {
    const t0 = Date.now();
    const seeded: Seeded = reuse
      ? JSON.parse(Deno.env.get("BROWSER_SEEDED")!)
      : await seed(endpoint);
    console.log(`seeded in ${Date.now() - t0} ms`);
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const specs = mainPages(seeded);
    const outcomes = new Map<string, Outcome>();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < specs.length) {
        const spec = specs[next++]!;
        const outcome = await checkPage(context, endpoint, spec);
        outcomes.set(spec.name, outcome);
        console.log(`  ${spec.name}: ${outcome.error ? "FAILED" : "ok"} in ${outcome.ms} ms`);
      }
    }));
    await context.close();
    return outcomes;
  } finally {
    await browser.close();
    if (started) {
      await started.server.stop();
      Deno.removeSync(started.artifacts, { recursive: true });
    }
  }
}

let all: Promise<Map<string, Outcome>> | undefined;

for (const spec of mainPages(PLACEHOLDER_IDS)) {
  Deno.test({
    name: `browser: ${spec.name} (${spec.hash.replace(/[0-9a-f]{32}|m-[0-9a-f]{32}/g, "…")})`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      all ??= runAll();
      const outcome = (await all).get(spec.name);
      assert.ok(outcome, `${spec.name} was not checked`);
      assert.equal(outcome.error, undefined, `${spec.name}: ${outcome.error}`);
    },
  });
}
