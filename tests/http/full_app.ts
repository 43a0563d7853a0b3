/**
 * The whole server (tracking, registry, logged models, artifacts) as `main.ts` builds it, on a
 * fresh table and a temporary artifact directory, for HTTP-level tests through `app.request`.
 * The table is on the in-process engine, or on DynamoDB Local when `DYNAMODB_LOCAL_ENDPOINT` is set
 * and either `FULL_APP_BACKEND=dynamodb-local` or `TEST_BACKENDS=dynamodb-local` (the runner's
 * DynamoDB Local tier) selects it.
 *
 * @module
 */
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import {
  dynamoDbLocalBackend,
  dynamoDbLocalEndpoint,
  engineBackend,
  testBackends,
} from "../support/backends.ts";
import { buildExtraRoutes } from "../../src/server/extra_routes.ts";
import { appOptions } from "../../src/server/app_options.ts";
import { createStores } from "../../src/store/stores.ts";

/** A running app and how to tear it down. */

/**
 * `/runs/get` → `/api/2.0/mlflow/runs/get`; a path written `/3.0/traces` →
 * `/api/3.0/mlflow/traces`; an `/ajax-api/...` path as it is.
 */
export function apiUrl(path: string): string {
  if (path.startsWith("/ajax-api/")) return path;
  return path.startsWith("/3.0/") ? `/api/3.0/mlflow${path.slice(4)}` : `/api/2.0/mlflow${path}`;
}

export interface FullApp {
  app: Hono;
  /** The temporary directory holding the artifact root (no answer may name it). */
  tmp: string;
  /** POST/GET/... with a JSON body (or raw string), answering status and parsed body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** Builds the full app with `args` as extra CLI flags. */
export async function fullApp(args: string[] = []): Promise<FullApp> {
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
  const backend = wanted === "dynamodb-local" && endpoint
    ? dynamoDbLocalBackend(endpoint)
    : engineBackend;
  const table = await backend.makePort();
  const stores = await createStores(
    { port: retryingPort(table.port), table: table.tableName },
    config.defaultArtifactRoot,
  );
  const app = createApp({
    stores,
    ...appOptions(config),
    extraRoutes: await buildExtraRoutes(config, stores),
  });
  return {
    app,
    tmp,
    async call(method, path, body) {
      const res = await app.request(apiUrl(path), {
        method,
        ...(body === undefined ? {} : {
          body: typeof body === "string" ? body : JSON.stringify(body),
          headers: { "content-type": "application/json" },
        }),
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
    async close() {
      await table.cleanup();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}
