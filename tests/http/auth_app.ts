/**
 * The whole server with `--app-name basic-auth` on, for HTTP-level auth tests through
 * `app.request`: a fresh table (engine, or DynamoDB Local as `full_app.ts` chooses), the admin
 * bootstrapped as `main.ts` does, and helpers to call as a user.
 *
 * @module
 */
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { dynamoDbLocalBackend, dynamoDbLocalEndpoint, engineBackend } from "../support/backends.ts";
import { buildExtraRoutes } from "../../src/server/extra_routes.ts";
import { appOptions } from "../../src/server/app_options.ts";
import { observability } from "../../src/server/observability.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { type AuthConfig, authConfigFrom } from "../../src/auth/auth_config.ts";
import { ensureAdmin } from "../../src/http/auth/mod.ts";
import { UserStore } from "../../src/auth/user_store.ts";

export const ADMIN = { username: "admin", password: "admin-password-1" };

/** A running auth-enabled app. */
export interface AuthApp {
  app: Hono;
  stores: Stores;
  users: UserStore;
  /** The backend's own port (the engine, whose `stats` count units, on the engine backend). */
  rawPort: unknown;
  /** Calls `path` (absolute) as `who` (`undefined`: anonymous); JSON in, status and body out. */
  call(
    who: { username: string; password: string } | undefined,
    method: string,
    path: string,
    body?: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/** Basic `Authorization` header value. */
export function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Builds the app with auth on; `ini` is the basic_auth.ini text. */
export async function authApp(
  options: {
    ini?: string;
    backend?: "engine" | "dynamodb-local";
    extraRoutes?: ((app: Hono) => void)[];
    /** Extra CLI flags, e.g. `--static-prefix`, `--expose-prometheus DIR`. */
    args?: string[];
  } = {},
): Promise<AuthApp> {
  const tmp = await Deno.makeTempDir({ prefix: "http-auth-app-" });
  const config = loadConfig([
    "--backend-store-uri",
    "memory:",
    "--artifacts-destination",
    `${tmp}/artifacts`,
    "--app-name",
    "basic-auth",
    ...options.args ?? [],
  ], {});
  if (config === "help") throw new Error("unexpected --help");
  const endpoint = dynamoDbLocalEndpoint();
  const backend = options.backend === "dynamodb-local" && endpoint
    ? dynamoDbLocalBackend(endpoint)
    : engineBackend;
  const table = await backend.makePort();
  const stores = await createStores(
    { port: retryingPort(table.port), table: table.tableName },
    config.defaultArtifactRoot,
  );
  const auth: AuthConfig = authConfigFrom(
    options.ini ?? "[mlflow]\ndefault_permission = READ\nauth_cache_ttl_seconds = 60\n",
    { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
  );
  await ensureAdmin(stores, auth);
  const app = createApp({
    stores,
    ...appOptions(config),
    // `--expose-prometheus DIR` in `args` serves `/metrics`, as main.ts does.
    ...await observability(config, () => {}),
    extraRoutes: [...await buildExtraRoutes(config, stores), ...options.extraRoutes ?? []],
    auth: { config: auth },
  });
  return {
    app,
    stores,
    users: new UserStore(stores.db),
    rawPort: table.port,
    async call(who, method, path, body, extraHeaders) {
      const headers: Record<string, string> = { ...extraHeaders };
      if (who) headers.authorization = basic(who.username, who.password);
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await app.request(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await table.cleanup();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}
