import assert from "node:assert/strict";
import { Hono } from "hono";
import { installGuards } from "./mod.ts";
import type { SecurityOptions } from "./options.ts";
import { notFoundRoute, onError } from "../on_error.ts";

function app(security: SecurityOptions = {}) {
  const a = new Hono();
  installGuards(a, security);
  a.get("/api/2.0/mlflow/ok", (c) => c.json({}));
  a.get("/api/2.0/mlflow/boom", () => {
    throw new Error("connect ECONNREFUSED 127.0.0.1:8000");
  });
  a.get("/redirect", () => Response.redirect("http://localhost/x", 302));
  a.notFound(notFoundRoute);
  a.onError(onError);
  return a;
}

Deno.test("security headers: nosniff and SAMEORIGIN on answers, errors, 404s and refusals", async () => {
  const a = app();
  const origError = console.error;
  console.error = () => {};
  try {
    for (
      const [path, host] of [
        ["/api/2.0/mlflow/ok", "localhost"],
        ["/api/2.0/mlflow/boom", "localhost"],
        ["/nope", "localhost"],
        ["/redirect", "localhost"],
        ["/api/2.0/mlflow/ok", "evil.example"],
      ] as const
    ) {
      const res = await a.request(path, { headers: { host } });
      await res.body?.cancel();
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN", path);
    }
  } finally {
    console.error = origError;
  }
});

Deno.test("security headers: --x-frame-options DENY, NONE, and disabled", async () => {
  const deny = await app({ xFrameOptions: "deny" }).request("/api/2.0/mlflow/ok");
  assert.equal(deny.headers.get("x-frame-options"), "DENY");
  const none = await app({ xFrameOptions: "NONE" }).request("/api/2.0/mlflow/ok");
  assert.equal(none.headers.get("x-frame-options"), null);
  assert.equal(none.headers.get("x-content-type-options"), "nosniff");
  const off = await app({ disabled: true }).request("/api/2.0/mlflow/ok");
  assert.equal(off.headers.get("x-content-type-options"), null);
});

Deno.test("an unexpected error answers a generic 500 that names no address or path", async () => {
  const origError = console.error;
  const logged: unknown[] = [];
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const res = await app().request("/api/2.0/mlflow/boom");
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.error_code, "INTERNAL_ERROR");
    assert.doesNotMatch(body.message, /ECONNREFUSED|127\.0\.0\.1/);
    assert.match(String(logged.flat().join(" ")), /ECONNREFUSED/); // the log keeps the detail
  } finally {
    console.error = origError;
  }
});
