/**
 * Builds the whole server (backend, stores, UI, auth, the Hono app) from a parsed configuration.
 * `main.ts` (`deno task start`, the compiled binary) and `serve.ts` (`deno serve`, Deno Deploy)
 * share it, so every way of running the server serves the same app.
 *
 * @module
 */
import { createApp } from "../app.ts";
import type { Config } from "../config/config.ts";
import { openBackend } from "./open_backend.ts";
import { buildExtraRoutes } from "./extra_routes.ts";
import { appOptions } from "./app_options.ts";
import { TableCheckError } from "../dynamo/table.ts";
import { createStores } from "../store/stores.ts";
import { MlflowError } from "../errors.ts";
import { observability } from "./observability.ts";
import { startUi } from "../ui/start_ui.ts";
import { type AuthConfig, AuthConfigError, loadAuthConfig } from "../auth/auth_config.ts";
import { ensureAdmin } from "../http/auth/mod.ts";
import { webhookService } from "../webhooks/service.ts";

/** A start-up failure with a one-line message for the operator (exit code 1). */
export class StartupError extends Error {
  override name = "StartupError";
}

/** A built server: its request handler and how to release the backend. */
export interface BuiltServer {
  fetch: (req: Request) => Response | Promise<Response>;
  close(): Promise<void>;
}

/**
 * Opens the backend and builds the app. Known start-up failures (bad auth configuration, missing
 * or foreign table, a locked embedded directory) throw {@link StartupError}.
 */
export async function buildServer(
  config: Config,
  env: Record<string, string | undefined>,
): Promise<BuiltServer> {
  const authConfig = config.appName === "basic-auth" ? await authSettings(env) : undefined;
  const backend = await openOrExplain(config);
  try {
    const stores = await createStores(backend.db, config.defaultArtifactRoot);
    const ui = await startUi(config, env);
    if (authConfig) await adminOrExplain(stores, authConfig);
    // Every entry runs the delivery worker: pending deliveries are claimed with a lease, so
    // workers and replicas on one table send each delivery once.
    const webhooks = await webhookService(stores.db, config.webhooks);
    const app = createApp({
      stores,
      ...appOptions(config),
      ui: ui.state,
      extraRoutes: await buildExtraRoutes(config, stores, webhooks),
      ready: backend.ready,
      ...await observability(config),
      ...(authConfig ? { auth: { config: authConfig } } : {}),
    });
    webhooks.worker.start();
    return {
      fetch: app.fetch,
      close: async () => {
        await webhooks.worker.stop();
        await backend.close();
      },
    };
  } catch (e) {
    await backend.close();
    throw e;
  }
}

async function authSettings(env: Record<string, string | undefined>): Promise<AuthConfig> {
  try {
    return await loadAuthConfig(env);
  } catch (e) {
    if (e instanceof AuthConfigError) throw new StartupError(`--app-name basic-auth: ${e.message}`);
    throw e;
  }
}

async function adminOrExplain(
  stores: Parameters<typeof ensureAdmin>[0],
  authConfig: AuthConfig,
): Promise<void> {
  try {
    await ensureAdmin(stores, authConfig);
  } catch (e) {
    if (e instanceof AuthConfigError) throw new StartupError(`--app-name basic-auth: ${e.message}`);
    throw e;
  }
}

async function openOrExplain(config: Config) {
  try {
    return await openBackend(config.backend);
  } catch (e) {
    if (
      e instanceof TableCheckError || e instanceof MlflowError || e instanceof RangeError ||
      (e instanceof Error && /lock/i.test(e.message))
    ) {
      throw new StartupError(e.message);
    }
    throw e;
  }
}
