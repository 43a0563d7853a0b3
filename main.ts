/**
 * Entry point: parse configuration, open the backend, serve, shut down cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { createApp } from "./src/app.ts";
import { ConfigError, loadConfig, USAGE } from "./src/config/config.ts";
import { openBackend } from "./src/server/open_backend.ts";
import { buildExtraRoutes } from "./src/server/extra_routes.ts";
import { TableCheckError } from "./src/dynamo/table.ts";
import { createStores } from "./src/store/stores.ts";
import { startUi } from "./src/ui/start_ui.ts";

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(Deno.args, Deno.env.toObject());
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Error: ${e.message}\n\n${USAGE}`);
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
  let backend;
  try {
    backend = await openBackend(config.backend);
  } catch (e) {
    if (e instanceof TableCheckError || (e instanceof Error && /lock/i.test(e.message))) {
      console.error(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const stores = await createStores(backend.db, config.defaultArtifactRoot);
  const ui = await startUi(config, Deno.env.toObject());
  const app = createApp({
    stores,
    ui: ui.state,
    staticPrefix: config.staticPrefix,
    extraRoutes: await buildExtraRoutes(config, stores),
  });
  const controller = new AbortController();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: controller.signal,
    onListen: ({ hostname, port }) =>
      console.log(
        `MLflow-compatible server on http://${hostname}:${port} (backend ${config.backendStoreUri})`,
      ),
  }, app.fetch);
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  await backend.close();
  return 0;
}

Deno.exit(await main());
