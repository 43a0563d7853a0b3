/**
 * A full application (REST, registry, artifacts and the UI's non-proto routes) on the in-process
 * engine with a temporary artifact destination, for the UI API tests.
 *
 * @module
 */
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { buildExtraRoutes } from "../../src/server/extra_routes.ts";
import { createStores } from "../../src/store/stores.ts";

/** The app, plus JSON helpers. */
export interface UiApi {
  app: Hono;
  post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  get(path: string): Promise<{ status: number; json: Record<string, unknown> }>;
  graphql(query: string, variables?: unknown): Promise<{ status: number; json: GqlResult }>;
}

/** `/graphql`'s answer. */
export interface GqlResult {
  // deno-lint-ignore no-explicit-any
  data: any;
  errors: string[] | null;
}

/** Builds the app over a fresh engine table and artifact directory. */
export async function uiApi(env: Record<string, string> = {}): Promise<UiApi> {
  const engine = createEngine();
  await ensureTable(engine, "ui-api");
  const dir = Deno.makeTempDirSync();
  const config = loadConfig(
    ["--backend-store-uri", "memory:", "--artifacts-destination", dir],
    env,
  );
  if (config === "help") throw new Error("unreachable");
  const stores = await createStores({ port: engine, table: "ui-api" }, config.defaultArtifactRoot);
  const app = createApp({ stores, extraRoutes: await buildExtraRoutes(config, stores) });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  };
  return {
    app,
    post: (path, body) => call("POST", path, body),
    get: (path) => call("GET", path),
    graphql: async (query, variables) => {
      const r = await call("POST", "/graphql", { query, variables });
      return { status: r.status, json: r.json as unknown as GqlResult };
    },
  };
}
