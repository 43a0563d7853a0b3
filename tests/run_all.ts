/**
 * `deno task test`: runs every test tier on a fresh machine and ends with one line,
 * `N passed, N failed` (summed over tiers). Exits non-zero if anything failed.
 *
 * Tiers, in order (see docs/testing.md):
 *
 * 1. unit + contract on the in-process engine (`deno test` over `src/` and `tests/*`);
 * 2. DynamoDB Local: the files that honour `DYNAMODB_LOCAL_ENDPOINT` rerun against DynamoDB Local;
 * 3. real-AWS smoke, only with `MLFLOW_DYNAMODB_TEST_TABLE` and AWS credentials;
 * 4. Python compatibility: the stock `mlflow` client against our server (pytest in `.venv`);
 * 5. S3 artifacts: the `s3_*_test.ts` files against moto's S3 server (`moto[server]` in `.venv`),
 *    started on a free port and passed as `MLFLOW_TEST_S3_ENDPOINT`; must run under CI=true;
 * 6. browser: the stock MLflow web UI served by this server, in headless Chromium (Debian's
 *    `chromium`, installed with apt-get when missing and running as root; npm `playwright-core`),
 *    seeded by the stock client from `.venv`; the runs-table timing also runs `mlflow server`
 *    from a full `mlflow` in `.venv/mlflow-server/`;
 * 7. coverage report (printed, not enforced).
 *
 * The runner imports nothing from the project statically, so a broken module elsewhere still
 * yields a summary line instead of a crash.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DENO = Deno.execPath();
const CI = Deno.env.get("CI") === "true";
const MIN = 60_000;

/** The outcome of one tier. */
interface TierResult {
  name: string;
  passed: number;
  failed: number;
  status: "ok" | "failed" | "skipped";
  note?: string;
  ms: number;
}

const results: TierResult[] = [];

// ---------------------------------------------------------------------------------------------
// Output helpers

const encoder = new TextEncoder();

function print(line = ""): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

function header(title: string): void {
  print();
  print("=".repeat(100));
  print(`== ${title}`);
  print("=".repeat(100));
}

function loud(message: string): void {
  print();
  print("!".repeat(100));
  for (const line of message.split("\n")) print(`!!! ${line}`);
  print("!".repeat(100));
  print();
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Quotes one argument for a POSIX shell (and Python's shlex). */
function shQuote(arg: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Running child processes

interface RunOptions {
  env?: Record<string, string>;
  /** Variables to remove from the inherited environment. */
  unset?: string[];
  timeoutMs?: number;
  /** Print the child's stdout as it arrives (default true). */
  stream?: boolean;
}

interface RunResult {
  code: number;
  /** stdout without colour codes (the last 256 KB). */
  output: string;
  timedOut: boolean;
}

const running = new Set<Deno.ChildProcess>();

/** Runs a command from the repo root, streaming stdout through and keeping it for parsing. */
async function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  print(`$ ${[cmd, ...args].map(shQuote).join(" ")}`);
  const env = { ...Deno.env.toObject(), ...options.env };
  for (const key of options.unset ?? []) delete env[key];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch (e) {
    print(`cannot start ${cmd}: ${e}`);
    return { code: 127, output: "", timedOut: false };
  }
  running.add(child);
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    loud(`${cmd} ${args[0] ?? ""} exceeded ${options.timeoutMs! / MIN} min: killing it`);
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs);
  const decoder = new TextDecoder();
  let output = "";
  for await (const chunk of child.stdout) {
    if (options.stream !== false) await Deno.stdout.write(chunk);
    output = (output + decoder.decode(chunk, { stream: true })).slice(-256_000);
  }
  const status = await child.status;
  clearTimeout(timer);
  running.delete(child);
  return { code: status.code, output: stripAnsi(output), timedOut };
}

/** Parses Deno's closing line: `ok | 12 passed | 0 failed` / `FAILED | 3 passed (2 steps) | 1 failed`. */
export function parseDenoSummary(output: string): { passed: number; failed: number } | undefined {
  const matches = [
    ...stripAnsi(output).matchAll(
      /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm,
    ),
  ];
  const last = matches.at(-1);
  return last ? { passed: Number(last[1]), failed: Number(last[2]) } : undefined;
}

/** Parses pytest's closing line, e.g. `5 passed, 1 failed, 2 errors in 3.2s`. */
export function parsePytestSummary(
  output: string,
): { passed: number; failed: number } | undefined {
  const lines = stripAnsi(output).split("\n").reverse();
  const line = lines.find((l) =>
    /\b\d+ (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b.* in [\d.]+s/.test(l) ||
    /no tests ran in [\d.]+s/.test(l)
  );
  if (!line) return undefined;
  const count = (word: string) => Number(new RegExp(`(\\d+) ${word}\\b`).exec(line)?.[1] ?? 0);
  return {
    passed: count("passed") + count("xpassed"),
    failed: count("failed") + count("errors?"),
  };
}

/** Runs `deno test` and records its counts as a tier. */
async function denoTestTier(
  name: string,
  args: string[],
  options: RunOptions,
  started: number,
): Promise<void> {
  const r = await run(DENO, ["test", ...args], options);
  const summary = parseDenoSummary(r.output);
  if (summary) {
    // A clean summary with a non-zero exit (e.g. leaked resources at exit) still counts as failure.
    const failed = summary.failed === 0 && r.code !== 0 ? 1 : summary.failed;
    record(
      name,
      summary.passed,
      failed,
      r.code === 0 ? undefined : `deno test exited ${r.code}`,
      started,
    );
  } else if (r.code === 0) {
    record(name, 0, 0, "no tests", started);
  } else {
    const why = r.timedOut ? "timed out" : `deno test exited ${r.code} without a summary`;
    loud(`${name}: ${why} (type-check or module-load error? see output above)`);
    record(name, 0, 1, why, started);
  }
}

function record(
  name: string,
  passed: number,
  failed: number,
  note: string | undefined,
  started: number,
) {
  const result: TierResult = {
    name,
    passed,
    failed,
    status: failed > 0 ? "failed" : "ok",
    ms: Date.now() - started,
  };
  if (note !== undefined) result.note = note;
  results.push(result);
  print(`-- ${name}: ${passed} passed, ${failed} failed${note ? ` (${note})` : ""}`);
}

function skip(name: string, reason: string, started: number) {
  print(`-- ${name}: SKIPPED: ${reason}`);
  results.push({
    name,
    passed: 0,
    failed: 0,
    status: "skipped",
    note: reason,
    ms: Date.now() - started,
  });
}

/** A missing tool: loud always; a failure under CI=true, a skip otherwise. */
function missing(name: string, reason: string, started: number) {
  loud(`${name}: ${reason}${CI ? "\nCI=true: this counts as a FAILURE" : "\nthe tier is SKIPPED"}`);
  if (CI) record(name, 0, 1, reason, started);
  else skip(name, reason, started);
}

/** The test directories that exist, relative to the repo root. */
function existingDirs(dirs: string[]): string[] {
  return dirs.filter((d) => exists(join(ROOT, d)));
}

// ---------------------------------------------------------------------------------------------
// Tiers

const COVERAGE_DIR = "coverage";
/** `tests/` subdirectories that belong to other tiers or hold no engine tests. */
const NOT_TIER_A = new Set(["support", "aws_smoke", "compat", "browser"]);

async function installDeps(): Promise<void> {
  header("Setup: deno install (npm dependencies)");
  const started = Date.now();
  const r = await run(DENO, ["install"], { timeoutMs: 10 * MIN });
  if (r.code !== 0) {
    loud(`deno install failed with code ${r.code}`);
    record("setup: deno install", 0, 1, `exit ${r.code}`, started);
  }
}

async function tierUnit(): Promise<void> {
  const name = "1. unit + contract (engine)";
  header(`Tier ${name}`);
  const started = Date.now();
  // The listed directories first, then any other tests/* directory so no test file is orphaned.
  const listed = ["src/", "tests/unit/", "tests/contract/", "tests/store/", "tests/http/"];
  const others = exists(join(ROOT, "tests"))
    ? [...Deno.readDirSync(join(ROOT, "tests"))]
      .filter((e) => e.isDirectory && !NOT_TIER_A.has(e.name))
      .map((e) => `tests/${e.name}/`)
      .filter((d) => !listed.includes(d))
      .sort()
    : [];
  const dirs = existingDirs([...listed, ...others]);
  if (dirs.length === 0) return skip(name, "no test directories", started);
  await denoTestTier(
    name,
    [
      "--allow-all",
      "--parallel",
      `--coverage=${COVERAGE_DIR}`,
      "--coverage-raw-data-only",
      "--permit-no-files",
      ...dirs,
    ],
    // The engine tier must not pick up a DynamoDB Local from the caller's shell.
    { unset: ["DYNAMODB_LOCAL_ENDPOINT", "TEST_BACKENDS"], timeoutMs: 30 * MIN },
    started,
  );
}

/** The DynamoDB Local shared by tiers 2 and 4, or why there is none. */
type Ddb = { endpoint: string; stop(): Promise<void> } | { endpoint?: undefined; reason: string };

async function startDdb(): Promise<Ddb> {
  const external = Deno.env.get("DYNAMODB_LOCAL_ENDPOINT");
  if (external) {
    print(
      `using DynamoDB Local from DYNAMODB_LOCAL_ENDPOINT=${external} (not started by the runner)`,
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

async function tierDynamoDbLocal(ddb: Ddb): Promise<void> {
  const name = "2. DynamoDB Local";
  header(`Tier ${name}`);
  const started = Date.now();
  if (ddb.endpoint === undefined) {
    if (ddb.reason.startsWith("java missing")) return missing(name, ddb.reason, started);
    loud(`${name}: ${ddb.reason}`);
    return record(name, 0, 1, ddb.reason, started);
  }
  const dirs = existingDirs(["tests/support/", "tests/contract/", "tests/store/"]);
  if (dirs.length === 0) return skip(name, "no test directories", started);
  await denoTestTier(
    name,
    [
      "--allow-all",
      "--parallel",
      `--coverage=${COVERAGE_DIR}`,
      "--coverage-raw-data-only",
      "--permit-no-files",
      ...dirs,
    ],
    // TEST_BACKENDS keeps testBackends() from repeating the engine runs of tier 1.
    {
      env: { DYNAMODB_LOCAL_ENDPOINT: ddb.endpoint, TEST_BACKENDS: "dynamodb-local" },
      timeoutMs: 20 * MIN,
    },
    started,
  );
}

function awsSkipReason(): string | undefined {
  const env = Deno.env;
  if (!env.get("MLFLOW_DYNAMODB_TEST_TABLE")) return "MLFLOW_DYNAMODB_TEST_TABLE is not set";
  const creds = [
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  ];
  if (!creds.some((k) => env.get(k))) {
    return "no AWS credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a web identity)";
  }
  return undefined;
}

async function tierAws(): Promise<void> {
  const name = "3. real-AWS smoke";
  header(`Tier ${name}`);
  const started = Date.now();
  const reason = awsSkipReason();
  if (reason) return skip(name, `${reason} (see docs/testing.md)`, started);
  if (!exists(join(ROOT, "tests/aws_smoke"))) {
    return skip(name, "tests/aws_smoke/ is missing", started);
  }
  await denoTestTier(name, ["--allow-all", "tests/aws_smoke/"], {
    unset: ["DYNAMODB_LOCAL_ENDPOINT", "TEST_BACKENDS"],
    timeoutMs: 10 * MIN,
  }, started);
}

async function findPython(): Promise<string | undefined> {
  const candidates = [Deno.env.get("PYTHON"), "python3", "python"].filter((c): c is string => !!c);
  for (const python of candidates) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import sys; assert sys.version_info >= (3, 10), sys.version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.success) return python;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

async function setupVenv(): Promise<{ python: string } | { reason: string; missingTool: boolean }> {
  const venv = join(ROOT, ".venv");
  const venvPython = join(venv, "bin", "python");
  const requirements = join(ROOT, "tests/compat/requirements.txt");
  if (!exists(venvPython)) {
    const python = await findPython();
    if (!python) return { reason: "python3 (>= 3.10) not found on PATH", missingTool: true };
    const r = await run(python, ["-m", "venv", venv], { timeoutMs: 5 * MIN });
    if (r.code !== 0) {
      return {
        reason: `"${python} -m venv .venv" failed (install python3-venv?)`,
        missingTool: true,
      };
    }
  }
  const version = await new Deno.Command(venvPython, { args: ["--version"], stdout: "piped" })
    .output();
  const hash = createHash("sha256")
    .update(Deno.readFileSync(requirements))
    .update(version.stdout)
    .digest("hex");
  const stamp = join(venv, ".requirements.sha256");
  let previous = "";
  try {
    previous = Deno.readTextFileSync(stamp).trim();
  } catch {
    // first install
  }
  if (previous === hash) {
    print("tests/compat/requirements.txt unchanged since the last install: skipping pip install");
  } else {
    const r = await run(venvPython, [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--progress-bar=off",
      "-q",
      "-r",
      requirements,
    ], { timeoutMs: 20 * MIN });
    if (r.code !== 0) {
      return { reason: `pip install failed with code ${r.code}`, missingTool: false };
    }
    Deno.writeTextFileSync(stamp, hash + "\n");
  }
  return { python: venvPython };
}

async function tierPython(ddb: Ddb): Promise<void> {
  const name = "4. Python client compatibility";
  header(`Tier ${name}`);
  const started = Date.now();
  if (!exists(join(ROOT, "tests/compat/requirements.txt"))) {
    return skip(name, "tests/compat/requirements.txt is missing", started);
  }
  const venv = await setupVenv();
  if ("reason" in venv) {
    if (venv.missingTool) return missing(name, venv.reason, started);
    loud(`${name}: ${venv.reason}`);
    return record(name, 0, 1, venv.reason, started);
  }
  const env: Record<string, string> = {
    MLFLOW_SERVER_CMD: [DENO, "run", "--allow-all", "main.ts"].map(shQuote).join(" "),
    MLFLOW_TABLE_CMD: [DENO, "task", "table"].map(shQuote).join(" "),
    PYTHONUNBUFFERED: "1",
  };
  const unset = ["TEST_BACKENDS"];
  if (ddb.endpoint !== undefined) env.DYNAMODB_LOCAL_ENDPOINT = ddb.endpoint;
  else {
    unset.push("DYNAMODB_LOCAL_ENDPOINT");
    print(`DynamoDB Local is not available (${ddb.reason}): the embedded backend only`);
  }
  const r = await run(venv.python, ["-m", "pytest", "tests/compat", "-q"], {
    env,
    unset,
    timeoutMs: 30 * MIN,
  });
  if (r.code === 5) return record(name, 0, 0, "pytest collected no tests", started);
  const summary = parsePytestSummary(r.output);
  if (summary) {
    const failed = summary.failed === 0 && r.code !== 0 ? 1 : summary.failed;
    return record(
      name,
      summary.passed,
      failed,
      r.code === 0 ? undefined : `pytest exited ${r.code}`,
      started,
    );
  }
  const why = r.timedOut ? "timed out" : `pytest exited ${r.code} without a summary`;
  if (r.code !== 0) loud(`${name}: ${why}`);
  record(name, 0, r.code === 0 ? 0 : 1, r.code === 0 ? "no summary" : why, started);
}

/** `s3_*_test.ts` files under `src/`, relative to the repo root. */
function s3TestFiles(dir = "src"): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(ROOT, dir))) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...s3TestFiles(rel));
    else if (/^s3_.*_test\.ts$/.test(e.name)) out.push(rel);
  }
  return out.sort();
}

async function tierS3(): Promise<void> {
  const name = "5. S3 artifacts (moto)";
  header(`Tier ${name}`);
  const started = Date.now();
  const files = s3TestFiles();
  if (files.length === 0) return skip(name, "no s3_*_test.ts files", started);
  const venv = await setupVenv();
  if ("reason" in venv) {
    if (venv.missingTool) return missing(name, venv.reason, started);
    loud(`${name}: ${venv.reason}`);
    return record(name, 0, 1, venv.reason, started);
  }
  let s3: { endpoint: string; stop(): Promise<void> };
  try {
    const mod = await import("./support/s3_server.ts");
    const moto = await mod.checkMoto(venv.python);
    if (!moto.ok) throw new Error(moto.reason);
    s3 = await mod.startS3Server({ python: venv.python });
  } catch (e) {
    const why = `moto S3 server unavailable: ${e instanceof Error ? e.message : e}`;
    loud(`${name}: ${why}`);
    return record(name, 0, 1, why, started);
  }
  print(`moto S3 server listening on ${s3.endpoint}`);
  stopS3 = s3.stop;
  try {
    await denoTestTier(
      name,
      ["--allow-all", `--coverage=${COVERAGE_DIR}`, "--coverage-raw-data-only", ...files],
      { env: { MLFLOW_TEST_S3_ENDPOINT: s3.endpoint }, timeoutMs: 10 * MIN },
      started,
    );
  } finally {
    await s3.stop();
    stopS3 = undefined;
  }
}

/** Debian's chromium (or `CHROMIUM_PATH`), if it is on this machine. */
function findChromium(): string | undefined {
  const explicit = Deno.env.get("CHROMIUM_PATH");
  if (explicit) return exists(explicit) ? explicit : undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser"]) {
      if (dir && exists(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** Finds chromium, installing Debian's package first when missing and allowed (root + apt-get). */
async function ensureChromium(): Promise<string | undefined> {
  const found = findChromium();
  if (found) return found;
  if (Deno.uid() !== 0 || !exists("/usr/bin/apt-get")) return undefined;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { env, timeoutMs: 10 * MIN, stream: false });
  await run("apt-get", ["install", "-y", "-q", "chromium"], {
    env,
    timeoutMs: 15 * MIN,
    stream: false,
  });
  return findChromium();
}

/**
 * A full `mlflow` (same version as the compat client) in `.venv/mlflow-server/`, for the browser
 * tier's timing against `mlflow server`; returns its `mlflow` executable.
 */
async function setupMlflowServer(): Promise<{ bin: string } | { reason: string }> {
  const requirements = Deno.readTextFileSync(join(ROOT, "tests/compat/requirements.txt"));
  const version = /^mlflow(?:-skinny)?==(\S+)/m.exec(requirements)?.[1];
  if (!version) return { reason: "no mlflow version pinned in tests/compat/requirements.txt" };
  const venv = join(ROOT, ".venv", "mlflow-server");
  const bin = join(venv, "bin", "mlflow");
  const stamp = join(venv, ".mlflow-version");
  let installed = "";
  try {
    installed = Deno.readTextFileSync(stamp).trim();
  } catch {
    // first install
  }
  if (installed === version && exists(bin)) return { bin };
  const python = await findPython();
  if (!python) return { reason: "python3 (>= 3.10) not found on PATH" };
  let r = await run(python, ["-m", "venv", venv], { timeoutMs: 5 * MIN });
  if (r.code !== 0) return { reason: `"${python} -m venv ${venv}" failed` };
  r = await run(join(venv, "bin", "python"), [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--progress-bar=off",
    "-q",
    `mlflow==${version}`,
  ], { timeoutMs: 20 * MIN });
  if (r.code !== 0) return { reason: `pip install mlflow==${version} failed with code ${r.code}` };
  Deno.writeTextFileSync(stamp, version + "\n");
  return { bin };
}

async function tierBrowser(): Promise<void> {
  const name = "6. browser (stock MLflow UI)";
  header(`Tier ${name}`);
  const started = Date.now();
  if (!exists(join(ROOT, "tests/browser"))) return skip(name, "tests/browser/ is missing", started);
  const venv = await setupVenv();
  if ("reason" in venv) {
    if (venv.missingTool) return missing(name, venv.reason, started);
    loud(`${name}: ${venv.reason}`);
    return record(name, 0, 1, venv.reason, started);
  }
  const chromium = await ensureChromium();
  if (!chromium) {
    return missing(
      name,
      "chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)",
      started,
    );
  }
  print(`chromium: ${chromium}`);
  const mlflowServer = await setupMlflowServer();
  if ("reason" in mlflowServer) {
    loud(`${name}: mlflow server for the timing test: ${mlflowServer.reason}`);
    return record(name, 0, 1, mlflowServer.reason, started);
  }
  await denoTestTier(name, ["--allow-all", "tests/browser/"], {
    env: {
      BROWSER_PYTHON: venv.python,
      CHROMIUM_PATH: chromium,
      MLFLOW_SERVER_BIN: mlflowServer.bin,
    },
    unset: ["BROWSER_ENDPOINT", "BROWSER_SEEDED"],
    timeoutMs: 20 * MIN,
  }, started);
}

async function tierCoverage(): Promise<void> {
  header("Coverage report (informational, not enforced)");
  if (!exists(join(ROOT, COVERAGE_DIR))) {
    print("no coverage data collected");
    return;
  }
  const r = await run(DENO, [
    "coverage",
    COVERAGE_DIR,
    "--exclude=tests/",
    "--exclude=node_modules/",
    "--exclude=(_test|\\.test)\\.(js|mjs|ts|jsx|tsx)$",
  ], { timeoutMs: 5 * MIN });
  if (r.code !== 0) print(`(deno coverage exited ${r.code}; not counted as a failure)`);
}

// ---------------------------------------------------------------------------------------------
// Main

const TIERS = ["unit", "dynamodb-local", "aws", "compat", "s3", "browser", "coverage"] as const;
type Tier = typeof TIERS[number];

/** `--only=unit,compat` (or `--only unit`) selects tiers; no flag means all of them. */
function selectedTiers(args: string[]): Set<Tier> | undefined {
  const i = args.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i < 0) return undefined;
  const value = args[i]!.includes("=") ? args[i]!.slice("--only=".length) : args[i + 1] ?? "";
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(TIERS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only expects a comma list of ${TIERS.join(", ")}; got "${value}"`);
  }
  return new Set(names as Tier[]);
}

async function main(): Promise<number> {
  const t0 = Date.now();
  print(`test runner: deno ${Deno.version.deno} (${DENO}), root ${ROOT}, CI=${CI}`);
  // Coverage from earlier runs would mix into this run's report.
  if (exists(join(ROOT, COVERAGE_DIR))) {
    Deno.removeSync(join(ROOT, COVERAGE_DIR), { recursive: true });
  }
  const only = selectedTiers(Deno.args);
  const want = (tier: Tier) => only === undefined || only.has(tier);
  if (only) print(`running only: ${[...only].join(", ")}`);
  await installDeps();
  if (want("unit")) await tierUnit();

  if (want("dynamodb-local") || want("aws") || want("compat")) {
    let ddb: Ddb = { reason: "not needed" };
    if (want("dynamodb-local") || want("compat")) {
      header("Starting DynamoDB Local (tiers 2 and 4)");
      ddb = await startDdb();
    }
    stopDdb = ddb.endpoint === undefined ? undefined : ddb.stop;
    try {
      if (want("dynamodb-local")) await tierDynamoDbLocal(ddb);
      if (want("aws")) await tierAws();
      if (want("compat")) await tierPython(ddb);
    } finally {
      if (ddb.endpoint !== undefined) {
        await ddb.stop();
        stopDdb = undefined;
        print("DynamoDB Local stopped");
      }
    }
  }
  if (want("s3")) await tierS3();
  if (want("browser")) await tierBrowser();
  if (want("coverage")) await tierCoverage();

  header("Summary");
  for (const r of results) {
    const state = r.status === "skipped"
      ? "SKIPPED"
      : r.status === "failed"
      ? "FAILED "
      : "ok     ";
    const detail = r.status === "skipped"
      ? r.note
      : `${r.passed} passed, ${r.failed} failed${r.note ? ` (${r.note})` : ""}`;
    print(`${state} ${r.name.padEnd(36)} ${detail}  [${(r.ms / 1000).toFixed(1)}s]`);
  }
  print(`total time ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return results.some((r) => r.failed > 0) ? 1 : 0;
}

let stopDdb: (() => Promise<void>) | undefined;
let stopS3: (() => Promise<void>) | undefined;

async function interrupted(signal: Deno.Signal): Promise<void> {
  print(`\n${signal}: stopping child processes`);
  for (const child of running) {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
  await stopDdb?.();
  await stopS3?.();
  Deno.exit(130);
}

if (import.meta.main) {
  Deno.addSignalListener("SIGINT", () => interrupted("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => interrupted("SIGTERM"));
  let code: number;
  try {
    code = await main();
  } catch (e) {
    loud(`test runner crashed: ${e instanceof Error ? e.stack : e}`);
    results.push({ name: "runner", passed: 0, failed: 1, status: "failed", ms: 0 });
    code = 1;
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  print(`${passed} passed, ${failed} failed`);
  Deno.exit(failed > 0 ? 1 : code);
}
