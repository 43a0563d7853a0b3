/**
 * Browser tier, workspaces: the stock MLflow 3.17.2 UI against this server started with
 * `--enable-workspaces`, then with `--app-name basic-auth` too, in headless Chromium.
 *
 * Two servers (in-process engine) start and are seeded together by `seed_workspaces.py` (two
 * workspaces holding experiments and a registered model of the same names, a trace in the
 * second); one browser serves both. Checked:
 *
 * - the workspace selector lists the workspaces, and switching shows only that workspace's
 *   experiments; experiment, runs, run, metric charts, artifacts, registry and trace pages of a
 *   non-default workspace load with no failed request;
 * - an experiment created from the UI lands in the selected workspace (REST with the header);
 * - with basic-auth, the browser logs in with HTTP Basic credentials: a user with READ on one
 *   experiment sees it and not the others, and creating an experiment shows "Permission denied".
 *
 * Each check is one test; the servers, the seed and the browser are shared.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import {
  basicAuth,
  chromiumPath,
  HERE,
  type Login,
  runPython,
  type StartedServer,
  startOurServer,
  stopServer,
} from "./support.ts";
import { EXPECTED_FAILURES } from "./pages.ts";
import {
  checkPage,
  CONTENT_TIMEOUT_MS,
  onPage,
  type Outcome,
  runPool,
  SHOTS,
  waitForTexts,
} from "./check_page.ts";
import {
  ADMIN,
  inWorkspace,
  VIEWER,
  viewerPages,
  workspacePages,
  type WorkspaceSeeded,
  WS_A,
  WS_B,
  WS_PLACEHOLDER,
} from "./workspace_pages.ts";

const CONCURRENCY = Number(Deno.env.get("BROWSER_CONCURRENCY") ?? 3);
const VIEWPORT = { width: 1600, height: 1000 };

/** The UI asks whether a new experiment's name is taken before creating it: 404 is "free". */
const NAME_PROBE = /\/ajax-api\/2\.0\/mlflow\/experiments\/get-by-name$/;

/** One check against a started, seeded server. */
interface Check {
  name: string;
  run(env: CheckEnv): Promise<Outcome>;
}

interface CheckEnv {
  endpoint: string;
  seeded: WorkspaceSeeded;
  /**
   * The browser context of `group`, logged in as `login` (or anonymous). The UI keeps the
   * selected workspace in localStorage, which the pages of one context share: pages that run at
   * the same time in different workspaces need different groups (the default group is B's).
   */
  context(login?: Login, group?: string): Promise<BrowserContext>;
}

/** GET `path` of the REST API in workspace `ws`; returns status and JSON body. */
async function rest(
  endpoint: string,
  path: string,
  ws: string,
  login?: Login,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${endpoint}${path}`, {
    headers: {
      "X-MLFLOW-WORKSPACE": ws,
      ...(login ? { authorization: basicAuth(login) } : {}),
    },
  });
  return { status: res.status, body: await res.json() };
}

/** Creates an experiment through the experiments page's "Create" dialog. */
async function createExperimentInUi(page: Page, endpoint: string, ws: string, name: string) {
  await page.goto(`${endpoint}/${inWorkspace("#/experiments", ws)}`, { waitUntil: "load" });
  await page.getByRole("button", { name: "Create" }).first().click({ timeout: CONTENT_TIMEOUT_MS });
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox").first().fill(name, { timeout: CONTENT_TIMEOUT_MS });
  await dialog.getByRole("button", { name: "Create" }).click();
}

/** The checks against the server with workspaces on and no auth. */
function workspaceChecks(): Check[] {
  const pages = workspacePages(WS_PLACEHOLDER).map((placeholder): Check => ({
    name: placeholder.name,
    run: async ({ endpoint, seeded, context }) => {
      const spec = workspacePages(seeded).find((p) => p.name === placeholder.name)!;
      const group = spec.hash.endsWith(`workspace=${WS_A}`) ? WS_A : WS_B;
      return await checkPage(await context(undefined, group), endpoint, spec);
    },
  }));
  return [
    ...pages,
    {
      name: "ws-selector-switches",
      run: async ({ endpoint, context }) =>
        await onPage(await context(undefined, "selector"), "ws-selector-switches", async (page) => {
          // The landing page lists the workspaces; picking one opens it.
          await page.goto(`${endpoint}/#/`, { waitUntil: "load" });
          await waitForTexts(page, ["Select a workspace to start experiments", WS_A, WS_B]);
          await page.getByText(WS_A, { exact: true }).first().click();
          await page.waitForURL(/workspace=team-a/, { timeout: CONTENT_TIMEOUT_MS });
          // The sidebar's selector lists them too; switching to B shows B's experiments only.
          await page.getByRole("combobox", { name: /Workspace/ }).first().click({
            timeout: CONTENT_TIMEOUT_MS,
          });
          const options = page.getByRole("option");
          await options.first().waitFor({ timeout: CONTENT_TIMEOUT_MS });
          const listed = await options.allInnerTexts();
          for (const ws of ["default", WS_A, WS_B]) {
            assert.ok(listed.includes(ws), `${ws} not listed`);
          }
          await page.getByRole("option", { name: WS_B }).click();
          await page.waitForURL(/workspace=team-b/, { timeout: CONTENT_TIMEOUT_MS });
          await page.goto(`${endpoint}/#/experiments`, { waitUntil: "load" });
          await waitForTexts(page, ["only-in-bravo", "ws-shared-exp"]);
          assert.match(page.url(), /workspace=team-b/, "the selection is kept across pages");
          const body = await page.innerText("body");
          assert.ok(!body.includes("only-in-alpha"), "workspace A's experiment shows in B");
        }),
    },
    {
      // A link to workspace A's experiment opened in workspace B: "not found", as on `mlflow
      // server` (whose `experiments/get` answers 404 too, and whose searches answer nothing).
      name: "ws-foreign-experiment-link",
      run: async ({ endpoint, seeded, context }) =>
        await onPage(
          await context(),
          "ws-foreign-experiment-link",
          async (page) => {
            const hash = inWorkspace(`#/experiments/${seeded.exp_a}/runs`, WS_B);
            await page.goto(`${endpoint}/${hash}`, { waitUntil: "load" });
            await waitForTexts(page, ["Experiment not found"]);
            assert.ok(!(await page.innerText("body")).includes("alpha-run"));
          },
          [...EXPECTED_FAILURES, /\/ajax-api\/2\.0\/mlflow\/experiments\/get$/],
          false,
        ),
    },
    {
      name: "ws-create-workspace",
      run: async ({ endpoint, context }) =>
        await onPage(await context(undefined, "create-ws"), "ws-create-workspace", async (page) => {
          await page.goto(`${endpoint}/#/`, { waitUntil: "load" });
          await page.getByRole("button", { name: "Create new workspace" }).first().click({
            timeout: CONTENT_TIMEOUT_MS,
          });
          const dialog = page.getByRole("dialog");
          await dialog.getByRole("textbox").first().fill("made-in-ui", {
            timeout: CONTENT_TIMEOUT_MS,
          });
          await dialog.getByRole("button", { name: "Create" }).click();
          await page.waitForURL(/workspace=made-in-ui/, { timeout: CONTENT_TIMEOUT_MS });
          const res = await fetch(`${endpoint}/api/3.0/mlflow/workspaces/made-in-ui`);
          assert.equal(res.status, 200);
          assert.equal((await res.json()).workspace.name, "made-in-ui");
        }),
    },
    {
      name: "ws-create-experiment",
      run: async ({ endpoint, context }) =>
        await onPage(await context(undefined, WS_A), "ws-create-experiment", async (page) => {
          await createExperimentInUi(page, endpoint, WS_A, "made-in-the-ui");
          await page.waitForURL(/#\/experiments\/\d+/, { timeout: CONTENT_TIMEOUT_MS });
          const id = /#\/experiments\/(\d+)/.exec(page.url())![1];
          const path = "/api/2.0/mlflow/experiments/get-by-name?experiment_name=made-in-the-ui";
          const inA = await rest(endpoint, path, WS_A);
          assert.equal(inA.status, 200);
          assert.equal((inA.body.experiment as { experiment_id: string }).experiment_id, id);
          assert.equal((await rest(endpoint, path, WS_B)).status, 404);
          assert.equal((await rest(endpoint, path, "")).status, 404);
        }, [...EXPECTED_FAILURES, NAME_PROBE]),
    },
  ];
}

/** The checks against the server with workspaces and basic-auth on. */
function authChecks(): Check[] {
  const pages = viewerPages(WS_PLACEHOLDER).map((placeholder): Check => ({
    name: placeholder.name,
    run: async ({ endpoint, seeded, context }) => {
      const spec = viewerPages(seeded).find((p) => p.name === placeholder.name)!;
      return await checkPage(await context(VIEWER), endpoint, spec);
    },
  }));
  return [
    {
      name: "auth-admin-experiments",
      run: async ({ endpoint, context }) =>
        await checkPage(await context(ADMIN), endpoint, {
          name: "auth-admin-experiments",
          hash: inWorkspace("#/experiments", WS_B),
          texts: ["ws-shared-exp", "only-in-bravo", "ws-traces", ADMIN.username],
        }),
    },
    ...pages,
    {
      // An experiment of the workspace without a grant: the UI says so (403s), and keeps going.
      name: "auth-viewer-denied-experiment",
      run: async ({ endpoint, seeded, context }) =>
        await onPage(
          await context(VIEWER),
          "auth-viewer-denied-experiment",
          async (page) => {
            const hash = inWorkspace(`#/experiments/${seeded.exp_traces_b}/traces`, WS_B);
            await page.goto(`${endpoint}/${hash}`, { waitUntil: "load" });
            await waitForTexts(page, ["You do not have permission to access this resource"]);
            assert.ok(!(await page.innerText("body")).includes("What is the answer"));
          },
          [/\/mlflow\/(runs|datasets|traces)\/search$|experiments\/get$|traces\/metrics$/],
          false,
        ),
    },
    {
      name: "auth-viewer-create-denied",
      run: async ({ endpoint, context }) =>
        await onPage(await context(VIEWER), "auth-viewer-create-denied", async (page) => {
          await createExperimentInUi(page, endpoint, WS_B, "viewer-made-this");
          await waitForTexts(page, ["Permission denied"]);
          const path = "/api/2.0/mlflow/experiments/get-by-name?experiment_name=viewer-made-this";
          assert.equal((await rest(endpoint, path, WS_B, ADMIN)).status, 404);
        }, [NAME_PROBE, /\/ajax-api\/2\.0\/mlflow\/experiments\/create$/]),
    },
  ];
}

interface Served {
  started?: StartedServer;
  endpoint: string;
  seeded: WorkspaceSeeded;
}

async function startAndSeed(admin?: Login): Promise<Served> {
  const started = await startOurServer({ workspaces: true, admin });
  const args = [join(HERE, "seed_workspaces.py"), WS_A, WS_B];
  if (admin) args.push(VIEWER.username, VIEWER.password);
  try {
    const seeded = JSON.parse(await runPython(args, started.server.endpoint, admin));
    return { started, endpoint: started.server.endpoint, seeded };
  } catch (e) {
    await stopServer(started);
    throw e;
  }
}

async function runChecks(browser: Browser, served: Served, checks: Check[]) {
  const contexts = new Map<string, Promise<BrowserContext>>();
  const env: CheckEnv = {
    endpoint: served.endpoint,
    seeded: served.seeded,
    context: (login, group = WS_B) => {
      const key = `${login?.username ?? ""} ${group}`;
      if (!contexts.has(key)) {
        contexts.set(
          key,
          browser.newContext({
            viewport: VIEWPORT,
            ...(login ? { httpCredentials: { ...login, send: "always" as const } } : {}),
          }),
        );
      }
      return contexts.get(key)!;
    },
  };
  try {
    return await runPool(
      checks.map((check) => ({ name: check.name, run: () => check.run(env) })),
      CONCURRENCY,
    );
  } finally {
    for (const c of contexts.values()) await (await c).close();
  }
}

/** Starts and seeds both servers (together), then runs every check; one browser for all. */
async function runAll(): Promise<Map<string, Outcome>> {
  Deno.mkdirSync(SHOTS, { recursive: true });
  const t0 = Date.now();
  const servers = await Promise.allSettled([startAndSeed(), startAndSeed(ADMIN)]);
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  }).catch((e) => e as Error);
  try {
    for (const s of servers) if (s.status === "rejected") throw s.reason;
    if (browser instanceof Error) throw browser;
    console.log(`started and seeded in ${Date.now() - t0} ms`);
    const [plain, auth] = servers.map((s) => (s as PromiseFulfilledResult<Served>).value);
    return new Map([
      ...await runChecks(browser, plain!, workspaceChecks()),
      ...await runChecks(browser, auth!, authChecks()),
    ]);
  } finally {
    if (!(browser instanceof Error)) await browser.close();
    for (const s of servers) {
      if (s.status === "fulfilled" && s.value.started) await stopServer(s.value.started);
    }
  }
}

let all: Promise<Map<string, Outcome>> | undefined;

for (const check of [...workspaceChecks(), ...authChecks()]) {
  Deno.test({
    name: `browser, workspaces: ${check.name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      all ??= runAll();
      const outcome = (await all).get(check.name);
      assert.ok(outcome, `${check.name} was not checked`);
      assert.equal(outcome.error, undefined, `${check.name}: ${outcome.error}`);
    },
  });
}
