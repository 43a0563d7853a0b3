/**
 * Malformed input on every role (RBAC) route, sent by the admin (who passes the guard, so the
 * handlers see every case), with the seeded generator of `fuzz_cases.ts`: no answer ≥ 500, every
 * non-2xx answer carries MLflow's `error_code`. `FUZZ_CASES` and `FUZZ_SEED` change the run.
 */
import assert from "node:assert/strict";
import { bodyCase, type Case, prng, queryCase } from "./fuzz_cases.ts";
import { ADMIN, authApp, basic } from "./auth_app.ts";

const CASES = Math.min(Number(Deno.env.get("FUZZ_CASES") ?? "60"), 60);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? "20261130");
const V3 = "/api/3.0/mlflow";
type Json = Record<string, unknown>;

Deno.test("malformed input on the role routes: no 5xx, always error_code", async () => {
  const s = await authApp();
  const errorLog = console.error;
  console.error = () => {};
  try {
    await s.users.createUser("member", "member-password-1");
    const role = await s.call(ADMIN, "POST", `${V3}/roles/create`, {
      workspace: "default",
      name: "base",
    });
    const id = (role.body as { role: { id: number } }).role.id;
    const rp = await s.call(ADMIN, "POST", `${V3}/roles/permissions/add`, {
      role_id: id,
      resource_type: "experiment",
      resource_pattern: "*",
      permission: "READ",
    });
    const rpId = (rp.body as { role_permission: { id: number } }).role_permission.id;
    const endpoints: [string, string, Json][] = [
      ["POST", "/roles/create", { workspace: "default", name: "x", description: "d" }],
      ["GET", "/roles/get", { role_id: String(id) }],
      ["GET", "/roles/list", { workspace: "default" }],
      ["PATCH", "/roles/update", { role_id: id, name: "y", description: "d" }],
      ["DELETE", "/roles/delete", { role_id: 999 }],
      ["POST", "/roles/permissions/add", {
        role_id: id,
        resource_type: "registered_model",
        resource_pattern: "m",
        permission: "EDIT",
      }],
      ["DELETE", "/roles/permissions/remove", { role_permission_id: 999 }],
      ["GET", "/roles/permissions/list", { role_id: String(id) }],
      ["PATCH", "/roles/permissions/update", { role_permission_id: rpId, permission: "USE" }],
      ["POST", "/roles/assign", { username: "member", role_id: id }],
      ["DELETE", "/roles/unassign", { username: "member", role_id: id }],
      ["GET", "/users/roles/list", { username: "member" }],
      ["GET", "/roles/users/list", { role_id: String(id) }],
    ];
    const rnd = prng(SEED);
    const bad: string[] = [];
    let requests = 0;
    for (const [method, path, base] of endpoints) {
      for (let i = 0; i < CASES; i++) {
        const c: Case = method === "GET"
          ? queryCase(rnd, base as Record<string, string>)
          : bodyCase(rnd, base);
        const headers: Record<string, string> = {
          authorization: basic(ADMIN.username, ADMIN.password),
        };
        let res: Response;
        if (c.query) {
          const qs = new URLSearchParams(c.query).toString() + (c.rawQuery ?? "");
          res = await s.app.request(`${V3}${path}${qs ? `?${qs}` : ""}`, { method, headers });
        } else {
          if (c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";
          res = await s.app.request(`${V3}${path}`, { method, headers, body: c.body as BodyInit });
        }
        requests++;
        const text = await res.text();
        if (res.status >= 500) {
          bad.push(`${method} ${path} ${c.kind}: ${res.status} ${text.slice(0, 200)}`);
        } else if (res.status >= 300) {
          let code: unknown;
          try {
            code = (JSON.parse(text) as Json).error_code;
          } catch {
            code = undefined;
          }
          if (typeof code !== "string") {
            bad.push(
              `${method} ${path} ${c.kind}: ${res.status} without error_code: ${
                text.slice(0, 200)
              }`,
            );
          }
        }
      }
    }
    assert.deepEqual(bad.slice(0, 20), []);
    assert.ok(requests >= endpoints.length * CASES);
  } finally {
    console.error = errorLog;
    await s.close();
  }
});
