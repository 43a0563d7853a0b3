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
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { queryAll } from "../../src/dynamo/batch.ts";
import { webhookDeliveriesPk } from "../../src/keys/key_schema.ts";
import type { TestBackend } from "./backends.ts";
import { requestJson } from "./request_json.ts";
import { type Receiver, startReceiver } from "./webhook_receiver.ts";

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
    call: (method, path, body) => requestJson(app, method, `/api/2.0/mlflow${path}`, body),
    async stop() {
      await service.worker.stop();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

/** A table of a test backend. */
export type Table = Awaited<ReturnType<TestBackend["makePort"]>>;

/** Runs `fn` with an app (worker running), a receiver and a fresh table of `backend`. */
export async function withWebhookApp(
  backend: TestBackend,
  fn: (s: WebhookApp, r: Receiver, table: Table) => Promise<void>,
  args = ["--webhooks-allow-private"],
  env = TEST_WEBHOOK_ENV,
): Promise<void> {
  const table = await backend.makePort();
  const receiver = startReceiver();
  const s = await webhookApp(table, args, env);
  try {
    await fn(s, receiver, table);
  } finally {
    await s.stop();
    await receiver.close();
    await table.cleanup();
  }
}

/** Creates a webhook and answers it (asserting 200). */
// deno-lint-ignore no-explicit-any
export async function createHook(s: WebhookApp, body: Record<string, unknown>): Promise<any> {
  const r = await s.call("POST", "/webhooks", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.webhook;
}

/** Verifies `X-MLflow-Signature` as a receiver does (node:crypto, independent of the server). */
export function verifySignature(secret: string, headers: Headers, body: string): boolean {
  const id = headers.get("x-mlflow-delivery-id")!;
  const ts = headers.get("x-mlflow-timestamp")!;
  const mac = createHmac("sha256", secret).update(`${id}.${ts}.${body}`).digest("base64");
  return headers.get("x-mlflow-signature") === `v1,${mac}`;
}

/** The pending delivery items of `table`. */
export async function pendingDeliveries(table: Table) {
  return await queryAll(table.port, {
    TableName: table.tableName,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: webhookDeliveriesPk() } },
  });
}

/** Waits (up to `ms`) until `table` has no pending delivery; answers how many are left. */
export async function drained(table: Table, ms = 5000): Promise<number> {
  const until = Date.now() + ms;
  let left = (await pendingDeliveries(table)).length;
  while (left > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    left = (await pendingDeliveries(table)).length;
  }
  return left;
}
