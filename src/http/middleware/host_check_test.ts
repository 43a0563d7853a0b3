import assert from "node:assert/strict";
import { Hono } from "hono";
import { installGuards } from "./mod.ts";
import type { SecurityOptions } from "./options.ts";

function app(security: SecurityOptions = {}, prefix = "") {
  const a = new Hono();
  installGuards(a, security, undefined, prefix);
  a.all(`${prefix}/api/2.0/mlflow/experiments/search`, (c) => c.json({}));
  a.get(`${prefix}/health`, (c) => c.text("OK"));
  return a;
}

async function status(a: Hono, host: string, path = "/api/2.0/mlflow/experiments/search") {
  const res = await a.request(path, { headers: { host } });
  const text = await res.text();
  return { status: res.status, text };
}

Deno.test("host check: a foreign Host (DNS rebinding) gets MLflow's 403", async () => {
  const r = await status(app(), "evil.example");
  assert.equal(r.status, 403);
  assert.equal(r.text, "Invalid Host header - possible DNS rebinding attack detected");
  assert.equal((await status(app(), "evil.example:5000")).status, 403);
  assert.equal((await status(app(), "localhost.evil.example")).status, 403);
});

Deno.test("host check: localhost names on any port and private ranges pass by default", async () => {
  for (
    const host of [
      "localhost",
      "localhost:5000",
      "127.0.0.1:8080",
      "[::1]:5000",
      "[::1]",
      "0.0.0.0:5000",
      "10.1.2.3:5000",
      "172.20.0.5",
      "192.168.1.10:443",
      "LOCALHOST:5000",
    ]
  ) {
    assert.equal((await status(app(), host)).status, 200, host);
  }
  assert.equal((await status(app(), "172.32.0.1")).status, 403);
});

Deno.test("host check: the bind address is allowed; /health is exempt", async () => {
  const a = app({ bindHost: "203.0.113.7" });
  assert.equal((await status(a, "203.0.113.7:5000")).status, 200);
  assert.equal((await status(a, "203.0.113.8:5000")).status, 403);
  assert.equal((await status(a, "evil.example", "/health")).status, 200);
  const p = app({}, "/mlflow");
  assert.equal((await status(p, "evil.example", "/mlflow/health")).status, 200);
  assert.equal(
    (await status(p, "evil.example", "/mlflow/api/2.0/mlflow/experiments/search")).status,
    403,
  );
});

Deno.test("host check: --allowed-hosts replaces the defaults; patterns and * work", async () => {
  const a = app({ allowedHosts: ["mlflow.example.com", "app-*.internal"] });
  assert.equal((await status(a, "mlflow.example.com")).status, 200);
  assert.equal((await status(a, "app-7.internal")).status, 200);
  assert.equal((await status(a, "mlflow.example.com:5000")).status, 403); // exact without *
  assert.equal((await status(a, "localhost:5000")).status, 403);
  assert.equal((await status(app({ allowedHosts: ["*"] }), "evil.example")).status, 200);
  assert.equal((await status(app({ disabled: true }), "evil.example")).status, 200);
});
