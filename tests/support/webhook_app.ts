/**
 * The whole app with its webhook worker, over a table the caller owns, so a test can stop one
 * app and start another on the same table (a restart).
 *
 * @module
 */
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { buildExtraRoutes } from "../../src/server/extra_routes.ts";
import { appOptions } from "../../src/server/app_options.ts";
import { createStores } from "../../src/store/stores.ts";
import { type WebhookService, webhookService } from "../../src/webhooks/service.ts";

/** Settings the webhook tests use: loopback http receivers, fast retries, no cache. */
export const TEST_WEBHOOK_ENV: Record<string, string> = {
  MLFLOW_WEBHOOK_ALLOWED_SCHEMES: "http,https",
  MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: "test-key-for-webhook-secrets",
  MLFLOW_WEBHOOK_RETRY_BACKOFF_SECONDS: "0.05",
  MLFLOW_WEBHOOK_POLL_SECONDS: "0.05",
  MLFLOW_WEBHOOK_CACHE_TTL: "0",
  MLFLOW_WEBHOOK_REQUEST_TIMEOUT: "5",
};

/** A running app and its webhook service. */
export interface WebhookApp {
  app: Hono;
  service: WebhookService;
  // deno-lint-ignore no-explicit-any
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Stops the worker (the table stays). */
  stop(): Promise<void>;
}

/** Builds the app over `table` with `args` and `env`; the worker runs unless `worker` is false. */
export async function webhookApp(
  table: { port: DynamoPort; tableName: string },
  args: string[],
  env: Record<string, string>,
  worker = true,
): Promise<WebhookApp> {
  const tmp = await Deno.makeTempDir({ prefix: "webhook-app-" });
  const config = loadConfig(
    ["--backend-store-uri", "memory:", "--artifacts-destination", `${tmp}/a`, ...args],
    env,
  );
  if (config === "help") throw new Error("unexpected --help");
  const stores = await createStores(
    { port: table.port, table: table.tableName },
    config.defaultArtifactRoot,
  );
  const service = await webhookService(stores.db, config.webhooks);
  const app = createApp({
    stores,
    ...appOptions(config),
    extraRoutes: await buildExtraRoutes(config, stores, service),
  });
  if (worker) service.worker.start();
  return {
    app,
    service,
    async call(method, path, body) {
      const res = await app.request(`/api/2.0/mlflow${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed };
    },
    async stop() {
      await service.worker.stop();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}
