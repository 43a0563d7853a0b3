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
import {
  ERROR_BANNERS,
  EXPECTED_FAILURES,
  mainPages,
  type PageSpec,
  PENDING_FAILURES,
  PLACEHOLDER_IDS,
  type Seeded,
} from "./pages.ts";

const SHOTS = join(HERE, ".out", "screenshots");
const CONTENT_TIMEOUT_MS = 30_000;

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
    const tolerated = [...EXPECTED_FAILURES, ...PENDING_FAILURES];
    if (r.status() >= 400 && !tolerated.some((re) => re.test(path))) {
      failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
  const started = Date.now();
  const visible = async (texts: string[]) => {
    for (const text of texts) {
      await page.getByText(text, { exact: false }).first().waitFor({
        state: "visible",
        timeout: CONTENT_TIMEOUT_MS,
      }).catch(() => {
        throw new Error(`"${text}" did not appear`);
      });
    }
  };
  try {
    await page.goto(`${endpoint}/${spec.hash}`, { waitUntil: "load" });
    await visible(spec.texts);
    if (spec.then) {
      // `includeHidden`: a feature-discovery popover (e.g. "Detect Issues" on `mlflow server`)
      // marks the open trace drawer aria-hidden without covering its buttons.
      await page.getByRole("button", { name: spec.then.click, includeHidden: true }).first().click({
        timeout: CONTENT_TIMEOUT_MS,
      }).catch(() => {
        throw new Error(`no button "${spec.then!.click}" to click`);
      });
      await visible(spec.then.texts);
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
