/**
 * Entry point of `deno task start` and the compiled binary: parse configuration, build the
 * server, serve, shut down cleanly on SIGINT/SIGTERM. `--workers N` with a DynamoDB backend
 * re-runs the same app as `deno serve --parallel` (one worker per core behind one port; see
 * `src/server/parallel.ts`); `serve.ts` is the entry for `deno serve` and Deno Deploy.
 *
 * @module
 */
import { ConfigError, loadConfig, USAGE } from "./src/config/config.ts";
import { buildServer, StartupError } from "./src/server/build_server.ts";
import { startupError } from "./src/server/startup_error.ts";
import { parallelPlan, runParallel } from "./src/server/parallel.ts";

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(Deno.args, Deno.env.toObject());
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Error: ${e.message} (see --help)`);
      return 2;
    }
    throw e;
  }
  if (config === "help") {
    console.log(USAGE);
    return 0;
  }
  const plan = parallelPlan(config, Deno.execPath());
  if (plan.kind === "parallel") return await runParallel(plan, Deno.args);
  if (plan.kind === "single" && plan.warning) console.warn(plan.warning);
  let server;
  try {
    server = await buildServer(config, Deno.env.toObject());
  } catch (e) {
    if (e instanceof StartupError) {
      console.error(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const controller = new AbortController();
  let http;
  try {
    http = serve(config, controller, server.fetch);
  } catch (e) {
    await server.close();
    throw e;
  }
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await http.finished;
  await server.close();
  return 0;
}

function serve(
  config: { host: string; port: number; backendStoreUri: string },
  controller: AbortController,
  handler: (req: Request) => Response | Promise<Response>,
): Deno.HttpServer {
  return Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: controller.signal,
    onListen: ({ hostname, port }) =>
      console.log(
        `MLflow-compatible server on http://${hostname}:${port} (backend ${config.backendStoreUri})`,
      ),
  }, handler);
}

// Start-up failures (busy port, unreachable backend, ...) end in one line, never a stack trace.
let code: number;
try {
  code = await main();
} catch (e) {
  console.error(startupError(e));
  code = 1;
}
Deno.exit(code);
