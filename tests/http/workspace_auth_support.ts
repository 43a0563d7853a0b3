/**
 * What the basic-auth × workspaces HTTP tests share: a second user, the API prefixes, the
 * workspace header and an admin call that must succeed in a given workspace.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { ADMIN, type AuthApp } from "./auth_app.ts";

export const BOB = { username: "bob", password: "bob-password-123" };
export const V2 = "/api/2.0/mlflow";
export const V3 = "/api/3.0/mlflow";
export const WS = (ws: string) => ({ "x-mlflow-workspace": ws });

/** An admin request in workspace `ws` that must answer 2xx; its JSON body. */
export async function ok(s: AuthApp, ws: string, method: string, path: string, body?: unknown) {
  const r = await s.call(ADMIN, method, path, body, WS(ws));
  assert.ok(r.status < 300, `${method} ${path} in ${ws}: ${JSON.stringify(r.body)}`);
  return r.body as any;
}
