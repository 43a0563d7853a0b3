import assert from "node:assert/strict";
import { Hono } from "hono";
import { installGuards } from "./mod.ts";
import { corsMiddleware } from "./cors.ts";
import type { SecurityOptions } from "./options.ts";

function app(security: SecurityOptions = {}) {
  let writes = 0;
  const a = new Hono();
  installGuards(a, security);
  a.post("/api/2.0/mlflow/experiments/create", (c) => {
    writes++;
    return c.json({ experiment_id: "1" });
  });
  a.get("/api/2.0/mlflow/experiments/search", (c) => c.json({}));
  a.post("/other", (c) => c.json({}));
  return { a, writes: () => writes };
}

function post(a: Hono, origin: string, path = "/api/2.0/mlflow/experiments/create") {
  return a.request(path, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: "{}",
  });
}

Deno.test("cors: a write from a foreign Origin gets 403 and reaches no handler", async () => {
  const { a, writes } = app();
  const res = await post(a, "http://evil.example");
  assert.equal(res.status, 403);
  assert.equal(await res.text(), "Cross-origin request blocked");
  assert.equal(res.headers.get("access-control-allow-origin"), null);
  assert.equal(writes(), 0);
  for (const method of ["PUT", "DELETE", "PATCH"]) {
    const r = await a.request("/api/2.0/mlflow/experiments/create", {
      method,
      headers: { origin: "https://evil.example" },
    });
    assert.equal(r.status, 403, method);
    await r.body?.cancel();
  }
});

Deno.test("cors: GETs and non-API paths are not blocked, but get no CORS headers", async () => {
  const { a } = app();
  const get = await a.request("/api/2.0/mlflow/experiments/search", {
    headers: { origin: "http://evil.example" },
  });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get("access-control-allow-origin"), null);
  await get.body?.cancel();
  const other = await post(a, "http://evil.example", "/other");
  assert.equal(other.status, 200);
  await other.body?.cancel();
});

Deno.test("cors: localhost origins write and get credentialed CORS headers", async () => {
  const { a, writes } = app();
  for (const origin of ["http://localhost:3000", "http://127.0.0.1:5000", "http://[::1]:8080"]) {
    const res = await post(a, origin);
    assert.equal(res.status, 200, origin);
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    await res.body?.cancel();
  }
  assert.equal(writes(), 3);
});

Deno.test("cors: preflight for an allowed origin is 204 with the allowed methods", async () => {
  const { a } = app({ corsAllowedOrigins: ["https://app.example.com"] });
  const res = await a.request("/api/2.0/mlflow/experiments/create", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
  assert.equal(res.headers.get("access-control-allow-headers"), "content-type");
  const foreign = await a.request("/api/2.0/mlflow/experiments/create", {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
  });
  assert.equal(foreign.headers.get("access-control-allow-origin"), null);
});

Deno.test("cors: --cors-allowed-origins admits listed origins and patterns; * admits all", async () => {
  const { a, writes } = app({ corsAllowedOrigins: ["https://app.example.com", "https://*.corp"] });
  assert.equal((await post(a, "https://app.example.com")).status, 200);
  assert.equal((await post(a, "https://nb.corp")).status, 200);
  assert.equal((await post(a, "https://app.example.com.evil")).status, 403);
  assert.equal(writes(), 2);
  const star = app({ corsAllowedOrigins: ["*"] });
  const res = await post(star.a, "https://anything.example");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.equal(res.headers.get("access-control-allow-credentials"), null);
});

Deno.test("cors: every answer carries the same headers as Hono's cors gave (errors, redirects, Vary)", async () => {
  const { cors } = await import("hono/cors");
  const { onError } = await import("../on_error.ts");
  const { invalidParameter } = await import("../../errors.ts");
  const { patternMatcher } = await import("./patterns.ts");
  const listed = patternMatcher(["https://*.example.org"]);
  const honoCors = cors({
    origin: (o) =>
      o && (/^http:\/\/(localhost|127\.0\.0\.1)(:[0-9]+)?$/.test(o) || listed(o)) ? o : null,
    credentials: true,
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"],
    exposeHeaders: ["*"],
  });
  const build = (withHono: boolean) => {
    const a = new Hono();
    if (withHono) a.use("*", honoCors);
    else a.use("*", corsMiddleware(["https://*.example.org"])[0]!);
    a.get("/ok", (c) => c.json({ ok: true }));
    a.get("/vary", (c) => {
      c.header("Vary", "Accept-Encoding");
      return c.text("v");
    });
    // A handler's own CORS header in its Response is overridden, as Hono's cors did.
    a.get("/own", () =>
      new Response("o", {
        headers: { "Vary": "Cookie", "Access-Control-Expose-Headers": "X-Own" },
      }));
    a.post("/fail", () => {
      throw invalidParameter("bad");
    });
    a.get("/redirect", () => Response.redirect("http://localhost/ok", 302));
    a.onError(onError);
    return a;
  };
  const [before, after] = [build(true), build(false)];
  const snapshot = async (res: Response) => ({
    status: res.status,
    headers: [...res.headers.entries()],
    body: await res.text(),
  });
  for (
    const origin of [undefined, "http://localhost:3000", "https://a.example.org", "http://x.io"]
  ) {
    for (
      const [method, path] of [
        ["GET", "/ok"],
        ["GET", "/vary"],
        ["GET", "/own"],
        ["POST", "/fail"],
        ["GET", "/redirect"],
        ["GET", "/missing"],
        ["OPTIONS", "/ok"],
      ]
    ) {
      const init = () => ({
        method,
        headers: {
          ...(origin ? { origin } : {}),
          "access-control-request-headers": "content-type",
        },
      });
      assert.deepEqual(
        await snapshot(await after.request(path!, init())),
        await snapshot(await before.request(path!, init())),
        `${method} ${path} from ${origin}`,
      );
    }
  }
});
