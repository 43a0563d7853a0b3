/**
 * Entry point for `deno serve` and Deno Deploy-style hosting: the same app as `main.ts`, exported
 * as a `fetch` handler. Configuration comes from the environment (`MLFLOW_BACKEND_STORE_URI`,
 * `MLFLOW_DEFAULT_ARTIFACT_ROOT`, ...; see `--help`) and from arguments after the file name;
 * AWS credentials come from the SDK's default chain. `deno serve --parallel` runs one copy per
 * core (a DynamoDB backend is required for more than one: see `src/server/parallel.ts`).
 *
 *     MLFLOW_BACKEND_STORE_URI=dynamodb://us-east-1/mlflow deno serve --parallel \
 *       --allow-net --allow-env --allow-read --allow-write --allow-sys=osRelease serve.ts
 *
 * @module
 */
import { ConfigError, loadConfig, USAGE } from "./src/config/config.ts";
import { buildServer, type BuiltServer, StartupError } from "./src/server/build_server.ts";
import { startupError } from "./src/server/startup_error.ts";

async function build(): Promise<BuiltServer> {
  try {
    const config = loadConfig(Deno.args, Deno.env.toObject());
    if (config === "help") {
      console.log(USAGE);
      Deno.exit(0);
    }
    return await buildServer(config, Deno.env.toObject());
  } catch (e) {
    // One line, never a stack trace, as `main.ts` (a worker that cannot start ends the process).
    console.error(
      e instanceof ConfigError
        ? `Error: ${e.message} (see --help)`
        : e instanceof StartupError
        ? `Error: ${e.message}${lockHint(e.message)}`
        : startupError(e),
    );
    Deno.exit(e instanceof ConfigError ? 2 : 1);
  }
}

/** Several workers on one embedded directory: the second finds it locked. */
function lockHint(message: string): string {
  return /in use by another process/.test(message)
    ? "; 'deno serve --parallel' needs a DynamoDB backend (the embedded engine serves from one worker)"
    : "";
}

const server = await build();

// `deno serve` stops on SIGTERM/SIGINT only once the event loop is idle, and the webhook worker
// and the caches keep timers: close the server (stop the worker, release the backend) and exit.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    server.close().catch(() => {}).finally(() => Deno.exit(0));
  });
}

export default { fetch: server.fetch } satisfies Deno.ServeDefaultExport;
