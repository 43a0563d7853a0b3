/**
 * A test app with the AI Gateway routes on a fresh table of a backend, and a JSON caller.
 */
import { createApp } from "../../src/app.ts";
import type { GatewayOptions } from "../../src/http/gateway/gateway_options.ts";
import { mountGateway } from "../../src/http/gateway/mod.ts";
import type { Db } from "../../src/store/db.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { TestBackend } from "../support/backends.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

/** What a gateway test gets. */
export interface GatewayCtx {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  /** A request to a full path (no prefix added). */
  raw(path: string, init?: RequestInit): Promise<{ status: number; json: Json }>;
  stores: Stores;
  db: Db;
  /** The app itself (streamed answers). */
  app: { request(path: string, init?: RequestInit): Response | Promise<Response> };
}

/** The options a test runs with unless it overrides them. */
export const TEST_OPTIONS: GatewayOptions = {
  enabled: true,
  passphrase: "test-passphrase-0123456789",
  apiBase: {
    allowedSchemes: ["https"],
    allowPrivateIps: false,
    resolve: () => Promise.resolve(["93.184.215.14"]),
  },
};

/** Runs `fn` against a fresh app on `backend`. */
export async function withGateway(
  backend: TestBackend,
  fn: (c: GatewayCtx) => Promise<void>,
  options: Partial<GatewayOptions> = {},
): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const db = { port, table: tableName };
    const stores = await createStores(db, "mlflow-artifacts:/");
    const app = createApp({
      stores,
      extraRoutes: [mountGateway(stores, { ...TEST_OPTIONS, ...options })],
    });
    const call = async (method: string, path: string, body?: unknown) => {
      let url = `/api/3.0/mlflow${path}`;
      const init: RequestInit = { method };
      if (body !== undefined && method === "GET") {
        url += `?${new URLSearchParams(body as Record<string, string>)}`;
      } else if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { "content-type": "application/json" };
      }
      const res = await app.request(url, init);
      const text = await res.text();
      let json: Json = {};
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = { text };
      }
      return { status: res.status, json };
    };
    const raw = async (path: string, init?: RequestInit) => {
      const res = await app.request(path, init);
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : {} };
    };
    await fn({ call, raw, stores, db, app });
  } finally {
    await cleanup();
  }
}
