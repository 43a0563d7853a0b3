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
import { join } from "node:path";
import { chromium } from "playwright-core";
import { chromiumPath, HERE, runPython, startOurServer, stopServer } from "./support.ts";
import { mainPages, PLACEHOLDER_IDS, type Seeded } from "./pages.ts";
import { checkPage, type Outcome, runPool, SHOTS } from "./check_page.ts";

const CONCURRENCY = Number(Deno.env.get("BROWSER_CONCURRENCY") ?? 3);

/**
 * Starts the server, seeds it and checks every page (a few at a time); each page's test below
 * reports its own outcome. `BROWSER_ENDPOINT` + `BROWSER_SEEDED` (the seed's JSON) reuse a
 * running, seeded server instead (for working on the tier).
 */
async function runAll(): Promise<Map<string, Outcome>> {
  Deno.mkdirSync(SHOTS, { recursive: true });
  const reuse = Deno.env.get("BROWSER_ENDPOINT");
  const started = reuse ? undefined : await startOurServer();
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
      : JSON.parse(await runPython([join(HERE, "seed.py")], endpoint));
    console.log(`seeded in ${Date.now() - t0} ms`);
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const outcomes = await runPool(
      mainPages(seeded).map((spec) => ({
        name: spec.name,
        run: () => checkPage(context, endpoint, spec),
      })),
      CONCURRENCY,
    );
    await context.close();
    return outcomes;
  } finally {
    await browser.close();
    if (started) await stopServer(started);
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
