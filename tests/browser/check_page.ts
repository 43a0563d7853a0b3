/**
 * Opens one page of the stock UI and judges it, for every browser-tier test: its texts (and
 * element) must appear, texts it must not show stay absent, no request may be answered ≥ 400
 * except the tolerated ones, and no error banner may show. A screenshot is kept either way.
 *
 * @module
 */
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { ERROR_BANNERS, EXPECTED_FAILURES, type PageSpec, PENDING_FAILURES } from "./pages.ts";
import { HERE } from "./support.ts";

/** Where the screenshots go (ignored by git). */
export const SHOTS = join(HERE, ".out", "screenshots");
/** How long an expected text may take to appear. */
export const CONTENT_TIMEOUT_MS = 30_000;

/** What one page showed: `error` is unset when it passed. */
export type Outcome = { error?: string; ms: number };

/** Waits until each text is visible on `page`. */
export async function waitForTexts(page: Page, texts: string[]): Promise<void> {
  for (const text of texts) {
    await page.getByText(text, { exact: false }).first().waitFor({
      state: "visible",
      timeout: CONTENT_TIMEOUT_MS,
    }).catch(() => {
      throw new Error(`"${text}" did not appear`);
    });
  }
}

/** Collects the requests answered ≥ 400 whose path matches none of `tolerated`. */
export function watchFailures(page: Page, tolerated: RegExp[]): string[] {
  const failed: string[] = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !tolerated.some((re) => re.test(path))) {
      failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
  return failed;
}

/**
 * Throws when the page shows an error banner (unless `banners` is false: a page that must show
 * an error) or a watched request failed.
 */
export async function assertClean(page: Page, failed: string[], banners = true): Promise<void> {
  // Let follow-up requests (charts, polls) settle before judging them.
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => {});
  const banner = banners ? ERROR_BANNERS.exec(await page.innerText("body"))?.[0] : undefined;
  if (banner) throw new Error(`error banner: ${banner}`);
  if (failed.length > 0) throw new Error(`failed requests:\n${failed.join("\n")}`);
}

/**
 * Runs `body` on a new page of `context` (named `name` for its screenshot) and reports how it
 * went; requests failing outside `tolerated` fail it, and so does an error banner unless
 * `banners` is false.
 */
export async function onPage(
  context: BrowserContext,
  name: string,
  body: (page: Page) => Promise<void>,
  tolerated: RegExp[] = [...EXPECTED_FAILURES, ...PENDING_FAILURES],
  banners = true,
): Promise<Outcome> {
  const page = await context.newPage();
  const failed = watchFailures(page, tolerated);
  const started = Date.now();
  try {
    await body(page);
    await assertClean(page, failed, banners);
    return { ms: Date.now() - started };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), ms: Date.now() - started };
  } finally {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }).catch(() => {});
    await page.close();
  }
}

/** Opens `spec` on `endpoint` and checks what it shows. */
export function checkPage(
  context: BrowserContext,
  endpoint: string,
  spec: PageSpec,
  tolerated?: RegExp[],
): Promise<Outcome> {
  return onPage(context, spec.name, async (page) => {
    await page.goto(`${endpoint}/${spec.hash}`, { waitUntil: "load" });
    await waitForTexts(page, spec.texts);
    if (spec.then) {
      // `includeHidden`: a feature-discovery popover (e.g. "Detect Issues" on `mlflow server`)
      // marks the open trace drawer aria-hidden without covering its buttons.
      await page.getByRole("button", { name: spec.then.click, includeHidden: true }).first().click({
        timeout: CONTENT_TIMEOUT_MS,
      }).catch(() => {
        throw new Error(`no button "${spec.then!.click}" to click`);
      });
      await waitForTexts(page, spec.then.texts);
    }
    if (spec.selector) {
      await page.locator(spec.selector).first().waitFor({
        state: "visible",
        timeout: CONTENT_TIMEOUT_MS,
      }).catch(() => {
        throw new Error(`no element matches ${spec.selector}`);
      });
    }
    await assertAbsent(page, spec.absent ?? []);
  }, tolerated);
}

/** Throws when the page's text contains any of `texts` (checked once the page has settled). */
export async function assertAbsent(page: Page, texts: string[]): Promise<void> {
  if (texts.length === 0) return;
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => {});
  const body = await page.innerText("body");
  const shown = texts.filter((t) => body.includes(t));
  if (shown.length > 0) throw new Error(`shows what it must not: ${shown.join(", ")}`);
}

/** Runs `tasks` with at most `concurrency` at a time; returns their outcomes by name. */
export async function runPool(
  tasks: { name: string; run: () => Promise<Outcome> }[],
  concurrency: number,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      const outcome = await task.run();
      outcomes.set(task.name, outcome);
      console.log(`  ${task.name}: ${outcome.error ? "FAILED" : "ok"} in ${outcome.ms} ms`);
    }
  }));
  return outcomes;
}
