/**
 * `deno task test`: runs every test tier on a fresh machine and ends with one line,
 * `N passed, N failed` (summed over tiers; CI reads it). Exits non-zero if anything failed.
 *
 * The tiers are the entries of {@link TIERS}, in order (see docs/testing.md). Each test counts
 * once: a Deno test file runs in the tier that `owns` it, or in the unit tier when none does; the
 * DynamoDB Local tier also runs the `testBackends()` files, filtered to their DynamoDB Local tests.
 * Every tier is judged by one rule (`tests/runner/verdict.ts`): under `CI=true` a required tier
 * fails when any test was ignored or none ran, and elsewhere a tier where nothing ran is SKIPPED.
 * The coverage step merges the raw data of every tier, including the server processes the Python
 * tier starts, and fails the run below 90 % line coverage of `src/`.
 *
 * To add a tier: add an entry to {@link TIERS} (its `owns` keeps its files out of the unit tier)
 * and a row to the table in docs/testing.md.
 *
 * The runner imports nothing from `src/`, so a broken module there still yields a summary line.
 *
 * @module
 */
import { ensureChromium, setupMlflowServer } from "./runner/browser.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { awsSmokeSkipReason } from "./support/aws_env.ts";
import {
  type FileCoverage,
  formatPercent,
  LINE_THRESHOLD,
  lineCoverage,
  parseLcov,
} from "./runner/coverage.ts";
import { backendAwareFiles, findTestFiles } from "./runner/files.ts";
import {
  exists,
  header,
  loud,
  MIN,
  print,
  run,
  type RunOptions,
  shQuote,
  stopAll,
} from "./runner/process.ts";
import { setupVenv, type Venv } from "./runner/python.ts";
import { parseDenoSummary, parsePytestSummary } from "./runner/summary.ts";
import { judge, type Verdict } from "./runner/verdict.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DENO = Deno.execPath();
const CI = Deno.env.get("CI") === "true";
const COVERAGE_DIR = join(ROOT, "coverage");
const COVERAGE_FLAGS = [`--coverage=${COVERAGE_DIR}`, "--coverage-raw-data-only"];

/** One tier of the run. */
interface Tier {
  /** The name `--only` takes. */
  id: string;
  title: string;
  /** Under `CI=true` every test of the tier must run: ignored tests or none at all fail it. */
  requiredInCi: boolean;
  /** The tier writes coverage data; the threshold holds only when all such tiers ran. */
  collectsCoverage?: boolean;
  /** Uses the shared DynamoDB Local. */
  needsDdb?: boolean;
  /** Test files (repo-relative) only this tier runs; the unit tier runs every file no tier owns. */
  owns?: (file: string) => boolean;
  run(tier: Tier): Promise<Verdict>;
}

/** The outcome of one tier, as the summary prints it. */
interface TierResult extends Verdict {
  id: string;
  title: string;
  ms: number;
}

const results: TierResult[] = [];

function mustRun(tier: Tier): boolean {
  return CI && tier.requiredInCi;
}

/** A missing tool (Java, Python): loud always; a failure where the tier must run, else a skip. */
function missingTool(tier: Tier, reason: string): Verdict {
  const fails = mustRun(tier);
  loud(`${tier.title}: ${reason}\n${fails ? "CI=true: this counts as a FAILURE" : "SKIPPED"}`);
  return fails
    ? { status: "failed", passed: 0, failed: 1, note: reason }
    : { status: "skipped", passed: 0, failed: 0, note: reason };
}

function broken(tier: Tier, reason: string): Verdict {
  loud(`${tier.title}: ${reason}`);
  return { status: "failed", passed: 0, failed: 1, note: reason };
}

async function denoTest(tier: Tier, args: string[], options: Omit<RunOptions, "cwd">) {
  const r = await run(DENO, ["test", ...args], { cwd: ROOT, ...options });
  const verdict = judge(parseDenoSummary(r.output), { ...r, tool: "deno test" }, mustRun(tier));
  if (verdict.status === "failed" && verdict.note) loud(`${tier.title}: ${verdict.note}`);
  return verdict;
}

/** Every Deno test file in the repo. */
function allTestFiles(): string[] {
  return findTestFiles(ROOT, ["src", "tests"]);
}

// ---------------------------------------------------------------------------------------------
// Shared services, started on first use

type Ddb = { endpoint: string; stop(): Promise<void> } | { endpoint?: undefined; reason: string };
let ddbPromise: Promise<Ddb> | undefined;
let venvPromise: Promise<Venv> | undefined;
let stopS3: (() => Promise<void>) | undefined;

async function startDdb(): Promise<Ddb> {
  const external = Deno.env.get("DYNAMODB_LOCAL_ENDPOINT");
  if (external) {
    print(
      `using DynamoDB Local at DYNAMODB_LOCAL_ENDPOINT=${external} (not started by the runner)`,
    );
    return { endpoint: external, stop: () => Promise.resolve() };
  }
  let mod: typeof import("./support/dynamodb_local.ts");
  try {
    mod = await import("./support/dynamodb_local.ts");
  } catch (e) {
    return { reason: `cannot load tests/support/dynamodb_local.ts: ${e}` };
  }
  const java = await mod.checkJava();
  if (!java.ok) return { reason: `java missing: ${java.reason}` };
  print(`java: ${java.version}`);
  try {
    const t0 = Date.now();
    const ddb = await mod.startDynamoDbLocal();
    print(`DynamoDB Local listening on ${ddb.endpoint} (started in ${Date.now() - t0} ms)`);
    return ddb;
  } catch (e) {
    return { reason: `DynamoDB Local did not start: ${e instanceof Error ? e.message : e}` };
  }
}

function ddb(): Promise<Ddb> {
  return ddbPromise ??= startDdb();
}

async function stopDdb(): Promise<void> {
  const started = ddbPromise;
  ddbPromise = undefined;
  const d = await started;
  if (d?.endpoint !== undefined) {
    await d.stop();
    print("DynamoDB Local stopped");
  }
}

function venv(): Promise<Venv> {
  return venvPromise ??= setupVenv(ROOT);
}

// ---------------------------------------------------------------------------------------------
// Tiers

const unit: Tier = {
  id: "unit",
  title: "1. unit + contract (engine)",
  requiredInCi: true,
  collectsCoverage: true,
  run(tier) {
    const owners = TIERS.filter((t) => t !== tier && t.owns);
    // An explicit file list: `deno test --ignore=a,b` does not reliably leave out every file.
    const files = allTestFiles().filter((f) => !owners.some((t) => t.owns!(f)));
    return denoTest(
      tier,
      ["--allow-all", "--parallel", ...COVERAGE_FLAGS, "--permit-no-files", ...files],
      // The engine tier must not pick up a DynamoDB Local from the caller's shell.
      { unset: ["DYNAMODB_LOCAL_ENDPOINT", "TEST_BACKENDS"], timeoutMs: 30 * MIN },
    );
  },
};

/** Test names that mark a DynamoDB Local run: `testBackends()` and the contract put it there. */
const DDB_LOCAL_NAME = "dynamodb-local";

const dynamodbLocal: Tier = {
  id: "dynamodb-local",
  title: "2. DynamoDB Local",
  requiredInCi: true,
  collectsCoverage: true,
  needsDdb: true,
  owns: (f) => /(^|\/)dynamodb_local_test\.ts$/.test(f),
  async run(tier) {
    const d = await ddb();
    if (d.endpoint === undefined) {
      return d.reason.startsWith("java missing")
        ? missingTool(tier, d.reason)
        : broken(tier, d.reason);
    }
    const all = allTestFiles();
    const files = [...new Set([...all.filter(tier.owns!), ...backendAwareFiles(ROOT, all)])].sort();
    // Only tests named for DynamoDB Local run (and count) here; the rest ran in the unit tier.
    return denoTest(
      tier,
      ["--allow-all", "--parallel", ...COVERAGE_FLAGS, "--filter", DDB_LOCAL_NAME, ...files],
      {
        env: { DYNAMODB_LOCAL_ENDPOINT: d.endpoint, TEST_BACKENDS: "dynamodb-local" },
        // Two cost tests seed 100,000 runs each (≈ 2 minutes apiece on a 2-core machine).
        timeoutMs: 30 * MIN,
      },
    );
  },
};

const aws: Tier = {
  id: "aws",
  title: "3. real-AWS smoke",
  requiredInCi: false,
  owns: (f) => f.startsWith("tests/aws_smoke/"),
  async run(tier) {
    const reason = awsSmokeSkipReason();
    if (reason) {
      return { status: "skipped", passed: 0, failed: 0, note: `${reason} (docs/testing.md)` };
    }
    return await denoTest(tier, ["--allow-all", "tests/aws_smoke/"], {
      unset: ["DYNAMODB_LOCAL_ENDPOINT", "TEST_BACKENDS"],
      timeoutMs: 10 * MIN,
    });
  },
};

const compat: Tier = {
  id: "compat",
  title: "4. Python client compatibility",
  requiredInCi: true,
  collectsCoverage: true,
  needsDdb: true,
  owns: (f) => f.startsWith("tests/compat/"),
  async run(tier) {
    const v = await venv();
    if ("reason" in v) return v.missingTool ? missingTool(tier, v.reason) : broken(tier, v.reason);
    // The servers conftest.py starts write coverage, merged into the report with the rest.
    const denoRun = [DENO, "run", "--allow-all", `--coverage=${COVERAGE_DIR}`];
    const env: Record<string, string> = {
      MLFLOW_SERVER_CMD: [...denoRun, "main.ts"].map(shQuote).join(" "),
      MLFLOW_TABLE_CMD: [...denoRun, "src/cli/table_command.ts"].map(shQuote).join(" "),
      MLFLOW_IMPORT_CMD: [...denoRun, "src/cli/import_command.ts"].map(shQuote).join(" "),
      PYTHONUNBUFFERED: "1",
    };
    // A real `mlflow server` (full mlflow, also the browser tier's): test_import.py imports from
    // it and the side-by-side tests compare with it (tests/compat/reference_server.py).
    const reference = await setupMlflowServer(ROOT);
    if ("reason" in reference) return broken(tier, `mlflow server: ${reference.reason}`);
    env.MLFLOW_SERVER_BIN = reference.bin;
    const unset = ["TEST_BACKENDS"];
    const d = await ddb();
    if (d.endpoint !== undefined) env.DYNAMODB_LOCAL_ENDPOINT = d.endpoint;
    else {
      unset.push("DYNAMODB_LOCAL_ENDPOINT");
      print(`DynamoDB Local is not available (${d.reason}): the embedded backend only`);
    }
    const r = await run(v.python, ["-m", "pytest", "tests/compat", "-q"], {
      cwd: ROOT,
      env,
      unset,
      timeoutMs: 30 * MIN,
    });
    // pytest's exit code 5 means "no tests collected": judged like an empty summary.
    const exit = { code: r.code === 5 ? 0 : r.code, timedOut: r.timedOut, tool: "pytest" };
    return judge(parsePytestSummary(r.output), exit, mustRun(tier));
  },
};

const s3: Tier = {
  id: "s3",
  title: "5. S3 artifacts (moto)",
  requiredInCi: true,
  collectsCoverage: true,
  owns: (f) => /(^|\/)s3_[^/]*_test\.ts$/.test(f),
  async run(tier) {
    const files = allTestFiles().filter(tier.owns!);
    if (files.length === 0) return judge(undefined, { code: 0, timedOut: false, tool: "" }, false);
    const v = await venv();
    if ("reason" in v) return v.missingTool ? missingTool(tier, v.reason) : broken(tier, v.reason);
    let server: { endpoint: string; stop(): Promise<void> };
    try {
      const mod = await import("./support/s3_server.ts");
      const moto = await mod.checkMoto(v.python);
      if (!moto.ok) throw new Error(moto.reason);
      server = await mod.startS3Server({ python: v.python });
    } catch (e) {
      return broken(tier, `moto S3 server unavailable: ${e instanceof Error ? e.message : e}`);
    }
    print(`moto S3 server listening on ${server.endpoint}`);
    stopS3 = server.stop;
    try {
      return await denoTest(tier, ["--allow-all", ...COVERAGE_FLAGS, ...files], {
        env: { MLFLOW_TEST_S3_ENDPOINT: server.endpoint },
        timeoutMs: 10 * MIN,
      });
    } finally {
      await server.stop();
      stopS3 = undefined;
    }
  },
};

const browser: Tier = {
  id: "browser",
  title: "6. browser (stock MLflow UI)",
  requiredInCi: true,
  owns: (f) => f.startsWith("tests/browser/"),
  async run(tier) {
    const v = await venv();
    if ("reason" in v) return v.missingTool ? missingTool(tier, v.reason) : broken(tier, v.reason);
    const chromium = await ensureChromium(ROOT);
    if (!chromium) {
      return missingTool(
        tier,
        "chromium not found (apt-get install -y chromium, or CHROMIUM_PATH)",
      );
    }
    print(`chromium: ${chromium}`);
    const reference = await setupMlflowServer(ROOT);
    if ("reason" in reference) return broken(tier, `mlflow server: ${reference.reason}`);
    return denoTest(tier, ["--allow-all", "tests/browser/"], {
      env: { BROWSER_PYTHON: v.python, CHROMIUM_PATH: chromium, MLFLOW_SERVER_BIN: reference.bin },
      unset: ["BROWSER_ENDPOINT", "BROWSER_SEEDED", "DYNAMODB_LOCAL_ENDPOINT", "TEST_BACKENDS"],
      timeoutMs: 25 * MIN,
    });
  },
};

const coverage: Tier = {
  id: "coverage",
  title: "7. coverage of src/",
  requiredInCi: false,
  async run() {
    if (!exists(COVERAGE_DIR)) return { status: "skipped", passed: 0, failed: 0, note: "no data" };
    const lcovFile = join(ROOT, "coverage.lcov");
    const r = await run(DENO, ["coverage", COVERAGE_DIR, "--lcov", `--output=${lcovFile}`], {
      cwd: ROOT,
      timeoutMs: 5 * MIN,
    });
    if (r.code !== 0) return broken(coverage, `deno coverage exited ${r.code}`);
    const total = lineCoverage(parseLcov(Deno.readTextFileSync(lcovFile), ROOT));
    printCoverage(total.files);
    const figure = `lines ${formatPercent(total.percent)} of src/ (${total.hit}/${total.found})`;
    print(figure);
    // The figure means something only when every tier that exercises src/ contributed.
    const absent = TIERS.filter((t) =>
      t.collectsCoverage && !results.some((r) => r.id === t.id && r.status !== "skipped")
    );
    if (absent.length > 0) {
      const why = `threshold not enforced: ${absent.map((t) => t.id).join(", ")} did not run`;
      return { status: "ok", passed: 0, failed: 0, note: `${figure}; ${why}` };
    }
    if (total.percent < LINE_THRESHOLD) {
      return broken(coverage, `${figure} is below the ${LINE_THRESHOLD} % threshold`);
    }
    return { status: "ok", passed: 0, failed: 0, note: `${figure}, threshold ${LINE_THRESHOLD} %` };
  },
};

/** The least-covered files first, so the next test to write is obvious. */
function printCoverage(files: FileCoverage[]): void {
  const rows = files
    .map((f) => ({ ...f, percent: f.found === 0 ? 100 : (100 * f.hit) / f.found }))
    .sort((a, b) => a.percent - b.percent || b.found - a.found)
    .slice(0, 15);
  print("least-covered files in src/ (lines hit / found):");
  for (const f of rows) {
    print(
      `  ${formatPercent(f.percent).padStart(8)}  ${`${f.hit}/${f.found}`.padStart(9)}  ${f.file}`,
    );
  }
}

/** The tiers, in the order they run. */
const TIERS: Tier[] = [unit, dynamodbLocal, aws, compat, s3, browser, coverage];

// ---------------------------------------------------------------------------------------------
// Main

/** `--only=unit,compat` (or `--only unit`) selects tiers; no flag means all of them. */
function selectedTiers(args: string[]): Tier[] {
  const i = args.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i < 0) return TIERS;
  const value = args[i]!.includes("=") ? args[i]!.slice("--only=".length) : args[i + 1] ?? "";
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !TIERS.some((t) => t.id === n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `--only expects a comma list of ${TIERS.map((t) => t.id).join(", ")}; got "${value}"`,
    );
  }
  return TIERS.filter((t) => names.includes(t.id));
}

async function installDeps(): Promise<boolean> {
  header("Setup: deno install (npm dependencies)");
  const started = Date.now();
  const r = await run(DENO, ["install"], { cwd: ROOT, timeoutMs: 10 * MIN });
  if (r.code === 0) return true;
  loud(`deno install failed with code ${r.code}`);
  const note = `exit ${r.code}`;
  results.push({
    id: "setup",
    title: "setup: deno install",
    status: "failed",
    passed: 0,
    failed: 1,
    note,
    ms: Date.now() - started,
  });
  return false;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  print(`test runner: deno ${Deno.version.deno} (${DENO}), root ${ROOT}, CI=${CI}`);
  const tiers = selectedTiers(Deno.args);
  if (tiers.length < TIERS.length) print(`running only: ${tiers.map((t) => t.id).join(", ")}`);
  // Coverage from earlier runs would mix into this run's report.
  if (exists(COVERAGE_DIR)) Deno.removeSync(COVERAGE_DIR, { recursive: true });
  await installDeps();
  for (const [i, tier] of tiers.entries()) {
    header(`Tier ${tier.title}`);
    const started = Date.now();
    let verdict: Verdict;
    try {
      verdict = await tier.run(tier);
    } catch (e) {
      verdict = broken(tier, `crashed: ${e instanceof Error ? e.stack : e}`);
    }
    const result = { id: tier.id, title: tier.title, ...verdict, ms: Date.now() - started };
    results.push(result);
    print(`-- ${tier.title}: ${describe(result)}`);
    if (tier.needsDdb && !tiers.slice(i + 1).some((t) => t.needsDdb)) await stopDdb();
  }
  header("Summary");
  for (const r of results) {
    const state = { skipped: "SKIPPED", failed: "FAILED ", ok: "ok     " }[r.status];
    const detail = r.status === "skipped" ? r.note ?? "" : describe(r);
    print(`${state} ${r.title.padEnd(36)} ${detail}  [${(r.ms / 1000).toFixed(1)}s]`);
  }
  print(`total time ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

function describe(r: Verdict): string {
  if (r.status === "skipped") return `SKIPPED: ${r.note ?? ""}`;
  return `${r.passed} passed, ${r.failed} failed${r.note ? ` (${r.note})` : ""}`;
}

async function interrupted(signal: Deno.Signal): Promise<void> {
  print(`\n${signal}: stopping child processes`);
  stopAll();
  await stopDdb();
  await stopS3?.();
  Deno.exit(130);
}

if (import.meta.main) {
  Deno.addSignalListener("SIGINT", () => interrupted("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => interrupted("SIGTERM"));
  try {
    await main();
  } catch (e) {
    loud(`test runner crashed: ${e instanceof Error ? e.stack : e}`);
    results.push({ id: "runner", title: "runner", status: "failed", passed: 0, failed: 1, ms: 0 });
    await stopDdb().catch(() => {});
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  print(`${passed} passed, ${failed} failed`);
  Deno.exit(failed > 0 ? 1 : 0);
}
