/**
 * Entry point: parse configuration, open the backend, serve, shut down cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { createApp } from "./src/app.ts";
import { ConfigError, loadConfig, USAGE } from "./src/config/config.ts";
import { openBackend } from "./src/server/open_backend.ts";
import { buildExtraRoutes } from "./src/server/extra_routes.ts";
import { appOptions } from "./src/server/app_options.ts";
import { TableCheckError } from "./src/dynamo/table.ts";
import { createStores } from "./src/store/stores.ts";
import { MlflowError } from "./src/errors.ts";
import { observability } from "./src/server/observability.ts";
import { startupError } from "./src/server/startup_error.ts";
import { startUi } from "./src/ui/start_ui.ts";
import { type AuthConfig, AuthConfigError, loadAuthConfig } from "./src/auth/auth_config.ts";
import { ensureAdmin } from "./src/http/auth/mod.ts";

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
  if (config.workers > 1) {
    console.warn(
      `--workers ${config.workers} ignored: one async process serves all requests; run more replicas to scale out`,
    );
  }
  let authConfig: AuthConfig | undefined;
  if (config.appName === "basic-auth") {
    try {
      authConfig = await loadAuthConfig(Deno.env.toObject());
    } catch (e) {
      if (e instanceof AuthConfigError) {
        console.error(`Error: --app-name basic-auth: ${e.message}`);
        return 1;
      }
      throw e;
    }
  }
  let backend;
  try {
    backend = await openBackend(config.backend);
  } catch (e) {
    if (
      e instanceof TableCheckError || e instanceof MlflowError || e instanceof RangeError ||
      (e instanceof Error && /lock/i.test(e.message))
    ) {
      console.error(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const stores = await createStores(backend.db, config.defaultArtifactRoot);
  const ui = await startUi(config, Deno.env.toObject());
  if (authConfig) {
    try {
      await ensureAdmin(stores, authConfig);
    } catch (e) {
      if (!(e instanceof AuthConfigError)) throw e;
      console.error(`Error: --app-name basic-auth: ${e.message}`);
      await backend.close();
      return 1;
    }
  }
  const app = createApp({
    stores,
    ...appOptions(config),
    ui: ui.state,
    extraRoutes: await buildExtraRoutes(config, stores),
    ready: backend.ready,
    ...await observability(config),
    ...(authConfig ? { auth: { config: authConfig } } : {}),
  });
  const controller = new AbortController();
  let server;
  try {
    server = serve(config, controller, app.fetch);
  } catch (e) {
    await backend.close();
    throw e;
  }
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  await backend.close();
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
