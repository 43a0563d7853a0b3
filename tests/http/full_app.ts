/**
 * The whole server (tracking, registry, logged models, artifacts) as `main.ts` builds it, on a
 * fresh table and a temporary artifact directory, for HTTP-level tests through `app.request`.
 * The table is on the in-process engine, or on DynamoDB Local when `DYNAMODB_LOCAL_ENDPOINT` is set
 * and either `FULL_APP_BACKEND=dynamodb-local` or `TEST_BACKENDS=dynamodb-local` (the runner's
 * DynamoDB Local tier) selects it. Options narrow it for a test: its own route groups (injected
 * environment, a permissive `api_base` policy), a backend, a wrapper around the table's port
 * (fault injection, metering).
 *
 * @module
 */
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config/config.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import {
  dynamoDbLocalBackend,
  dynamoDbLocalEndpoint,
  engineBackend,
  type TestBackend,
  testBackends,
} from "../support/backends.ts";
import { buildExtraRoutes } from "../../src/server/extra_routes.ts";
import { appOptions } from "../../src/server/app_options.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { requestJson } from "../support/request_json.ts";

/**
 * `/runs/get` → `/api/2.0/mlflow/runs/get`; a path written `/3.0/traces` →
 * `/api/3.0/mlflow/traces`; `/ajax:/jobs` → `/ajax-api/3.0/mlflow/jobs`; an `/ajax-api/...`
 * path as it is.
 */
export function apiUrl(path: string): string {
  if (path.startsWith("/ajax-api/")) return path;
  if (path.startsWith("/ajax:")) return `/ajax-api/3.0/mlflow${path.slice(6)}`;
  return path.startsWith("/3.0/") ? `/api/3.0/mlflow${path.slice(4)}` : `/api/2.0/mlflow${path}`;
}

/** How a test narrows the full app. */
export interface FullAppOptions {
  /** The route groups beyond tracking; by default all of them, as `main.ts` mounts them. */
  extraRoutes?: (config: Config, stores: Stores) => Promise<((app: Hono) => void)[]>;
  /** The table's backend; by default as the module header says. */
  backend?: TestBackend;
  /** Wraps the table's port (under the retrying port the server adds). */
  port?: (port: DynamoPort) => DynamoPort;
}

/** A running app and how to tear it down. */
export interface FullApp {
  app: Hono;
  stores: Stores;
  /** The temporary directory holding the artifact root (no answer may name it). */
  tmp: string;
  /** POST/GET/... with a JSON body (or raw string), answering status and parsed body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** Builds the full app with `args` as extra CLI flags. */
export async function fullApp(args: string[] = [], options: FullAppOptions = {}): Promise<FullApp> {
  const tmp = await Deno.makeTempDir({ prefix: "http-full-app-" });
  const config = loadConfig([
    "--backend-store-uri",
    "memory:",
    "--artifacts-destination",
    `${tmp}/artifacts`,
    ...args,
  ], {});
  if (config === "help") throw new Error("unexpected --help");
  const endpoint = dynamoDbLocalEndpoint();
  const only = testBackends();
  const wanted = Deno.env.get("FULL_APP_BACKEND") ?? (only.length === 1 ? only[0]!.name : "engine");
  const backend = options.backend ??
    (wanted === "dynamodb-local" && endpoint ? dynamoDbLocalBackend(endpoint) : engineBackend);
  const table = await backend.makePort();
  const port = options.port?.(table.port) ?? table.port;
  const stores = await createStores(
    { port: retryingPort(port), table: table.tableName },
    config.defaultArtifactRoot,
  );
  const app = createApp({
    stores,
    ...appOptions(config),
    extraRoutes: await (options.extraRoutes ?? buildExtraRoutes)(config, stores),
  });
  return {
    app,
    stores,
    tmp,
    call: (method, path, body) => requestJson(app, method, apiUrl(path), body),
    async close() {
      await table.cleanup();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}
