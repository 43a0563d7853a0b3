/**
 * The servers the peer benchmark compares: installing the Python peers into venvs under the
 * ignored `.bench/` folder (once; later runs reuse them), and starting each server on a free
 * loopback port. A peer that cannot be installed or started is reported with the reason and
 * skipped. Every process started here is stopped by its own process group id.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { type BackgroundService, startService } from "../../tests/support/background_service.ts";
import { startDynamoDbLocal } from "../../tests/support/dynamodb_local.ts";
import type { BulkRuns } from "./workload.ts";

export const BENCH_DIR = resolve(".bench");

/** A server the benchmark can start. */
export interface ServerSpec {
  name: string;
  /** Installs what the server needs; throws with the reason when it cannot. */
  install(): Promise<void>;
  /** Starts the server; `stop` ends it (and anything it started). */
  start(dataDir: string): Promise<Running>;
  /** True when DynamoDB calls and capacity can be read from `GET /bench/meter`. */
  metered?: boolean;
}

/** A started server. */
export interface Running {
  base: string;
  stop(): Promise<void>;
  /**
   * Writes the search experiment's seeded runs straight into the peer's store (sqlite peers
   * only, see `sqlite_seed.py`); without it they are created over REST.
   */
  bulkRuns?: BulkRuns;
}

const SQLITE_SEED = resolve(import.meta.dirname ?? ".", "sqlite_seed.py");

/** {@link BulkRuns} through the peer venv's own MLflow ORM models, into its sqlite file. */
function sqliteBulkRuns(bin: string, db: string): BulkRuns {
  return async (experimentId, count) => {
    const out = await run(join(bin, "python"), [
      SQLITE_SEED,
      JSON.stringify({ db, experiment_id: experimentId, runs: count }),
    ]);
    if (Number(out.trim()) !== count) throw new Error(`sqlite seeding wrote ${out.trim()} runs`);
  };
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`${cmd} ${args.join(" ")} failed: ${text}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function venv(name: string, packages: string[], probe: string): Promise<string> {
  const dir = join(BENCH_DIR, `venv-${name}`);
  const bin = join(dir, "bin");
  try {
    await Deno.stat(join(bin, probe));
    return bin;
  } catch {
    // not installed yet
  }
  const python = Deno.env.get("PYTHON") ?? "python3";
  await run(python, ["-m", "venv", dir]);
  await run(join(bin, "pip"), ["install", "-q", ...packages]);
  await Deno.stat(join(bin, probe));
  return bin;
}

async function answersApi(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/api/2.0/mlflow/experiments/search?max_results=1`, {
      signal: AbortSignal.timeout(2000),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

// Each server runs in its own session (setsid), so stopping it stops its workers too.
async function killGroup(child: Deno.ChildProcess): Promise<void> {
  try {
    await new Deno.Command("kill", { args: ["-TERM", "--", `-${child.pid}`] }).output();
  } catch {
    // already gone
  }
}

function serve(
  name: string,
  argv: (port: number) => string[],
  env: Record<string, string> = {},
): Promise<BackgroundService> {
  return startService({
    name,
    command: (port) =>
      new Deno.Command("setsid", {
        args: argv(port),
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    answers: answersApi,
    requestStop: killGroup,
    timeoutMs: 120_000,
  });
}

const asRunning = (s: BackgroundService): Running => ({ base: s.endpoint, stop: s.stop });

const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

/**
 * A fresh DynamoDB Local with one server on `table` (created first when `createTable`; the
 * metered server creates its own); stopping stops both.
 */
async function onDynamoDbLocal(
  name: string,
  table: string,
  argv: (uri: string) => (port: number) => string[],
  createTable = false,
): Promise<Running> {
  const ddb = await startDynamoDbLocal();
  try {
    const uri = `dynamodb://${ddb.endpoint}/${table}`;
    if (createTable) {
      await run(deno, [
        "run",
        "--allow-all",
        "src/cli/table_command.ts",
        "--backend-store-uri",
        uri,
      ], LOCAL_CREDENTIALS);
    }
    const s = await serve(name, argv(uri), LOCAL_CREDENTIALS);
    return {
      base: s.endpoint,
      stop: async () => {
        await s.stop();
        await ddb.stop();
      },
    };
  } catch (e) {
    await ddb.stop();
    throw e;
  }
}
const deno = Deno.execPath();

let mlflowBin = "";
let ftmlBin = "";
let goBin = "";
let goLibrary = "";

/**
 * The mlflow-go wheel for Linux ships its Go library named `.dylib`; the loader looks for
 * `libmlflow-go-backend.so` (and its `.h`) in the directory `MLFLOW_GO_LIBRARY_PATH` names, and
 * otherwise tries to build it with Go. Links both into `.bench/mlflow-go-lib/` and returns it.
 */
async function linkGoLibrary(bin: string): Promise<string> {
  const site = join(bin, "..", "lib");
  const found = (await run("find", [site, "-name", "libmlflow-go-backend.*"])).trim()
    .split("\n").filter(Boolean);
  const lib = found.find((f) => f.endsWith(".dylib") || f.endsWith(".so"));
  const header = found.find((f) => f.endsWith(".h"));
  if (!lib || !header) throw new Error("no Go library (.dylib/.so and .h) in the mlflow-go wheel");
  const dir = join(BENCH_DIR, "mlflow-go-lib");
  await Deno.mkdir(dir, { recursive: true });
  for (
    const [target, name] of [[lib, "libmlflow-go-backend.so"], [header, "libmlflow-go-backend.h"]]
  ) {
    const link = join(dir, name!);
    await Deno.remove(link).catch(() => {});
    await Deno.symlink(resolve(target!), link);
  }
  return dir;
}

/** The servers in the order they run. */
export function servers(): ServerSpec[] {
  return [
    {
      name: "embedded",
      install: () => Promise.resolve(),
      start: async (dataDir) =>
        asRunning(
          await serve("embedded", (port) => [
            deno,
            "run",
            "--allow-all",
            "main.ts",
            "--backend-store-uri",
            `embedded:${join(dataDir, "db")}`,
            "--port",
            String(port),
          ]),
        ),
    },
    {
      name: "DynamoDB Local",
      metered: true,
      install: () => Promise.resolve(),
      start: () =>
        onDynamoDbLocal("metered server", "bench", (uri) => (port) => [
          deno,
          "run",
          "--allow-all",
          "bench/metered_server.ts",
          "--backend-store-uri",
          uri,
          "--port",
          String(port),
        ]),
    },
    ...[1, 2].map((workers): ServerSpec => ({
      // The production entry (no meter): --workers 2 runs it under `deno serve --parallel`.
      name: `DynamoDB Local, ${workers} worker${workers > 1 ? "s" : ""}`,
      install: () => Promise.resolve(),
      start: () =>
        onDynamoDbLocal(`server, ${workers} workers`, `bench${workers}`, (uri) => (port) => [
          deno,
          "run",
          "--allow-all",
          "main.ts",
          "--backend-store-uri",
          uri,
          "--port",
          String(port),
          "--workers",
          String(workers),
        ], true),
    })),
    {
      name: "mlflow 3.17.2",
      install: async () => {
        mlflowBin = await venv("mlflow", ["mlflow==3.17.2"], "mlflow");
      },
      start: async (dataDir) => ({
        ...asRunning(
          await serve("mlflow server", (port) => [
            join(mlflowBin, "mlflow"),
            "server",
            "--backend-store-uri",
            `sqlite:///${join(dataDir, "mlflow.db")}`,
            "--default-artifact-root",
            join(dataDir, "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            String(port),
          ]),
        ),
        bulkRuns: sqliteBulkRuns(mlflowBin, join(dataDir, "mlflow.db")),
      }),
    },
    {
      name: "FastTrackML",
      install: async () => {
        ftmlBin = await venv("ftml", ["fasttrackml"], "fml");
      },
      start: async (dataDir) =>
        asRunning(
          await serve("fml server", (port) => [
            join(ftmlBin, "fml"),
            "server",
            "--listen-address",
            `127.0.0.1:${port}`,
            "--database-uri",
            `sqlite://${join(dataDir, "fasttrackml.db")}`,
            "--default-artifact-root",
            join(dataDir, "artifacts"),
          ]),
        ),
    },
    {
      name: "mlflow-go 0.2.2",
      install: async () => {
        goBin = await venv(
          "go",
          ["mlflow==3.0.1", "mlflow-go-backend==0.2.2", "sqlalchemy<2.1"],
          "mlflow-go",
        );
        goLibrary = await linkGoLibrary(goBin);
      },
      start: async (dataDir) => ({
        ...asRunning(
          await serve("mlflow-go server", (port) => [
            join(goBin, "mlflow-go"),
            "server",
            "--backend-store-uri",
            `sqlite:///${join(dataDir, "mlflow-go.db")}`,
            "--default-artifact-root",
            join(dataDir, "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            String(port),
          ], {
            MLFLOW_GO_LIBRARY_PATH: goLibrary,
            // it starts the Python `mlflow` server of its venv for what Go does not serve
            PATH: `${goBin}:${Deno.env.get("PATH") ?? ""}`,
          }),
        ),
        bulkRuns: sqliteBulkRuns(goBin, join(dataDir, "mlflow-go.db")),
      }),
    },
  ];
}
