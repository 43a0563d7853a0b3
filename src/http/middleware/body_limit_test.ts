import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { parseRequest } from "../request.ts";
import { onError } from "../on_error.ts";
import { installGuards } from "./mod.ts";

function app(maxBytes?: number) {
  let handled = 0;
  const a = new Hono();
  installGuards(a, {}, maxBytes);
  a.post("/x", async (c) => {
    const msg = await parseRequest(c, z.object({ name: z.string().optional() }).passthrough());
    handled++;
    return c.json({ keys: Object.keys(msg).length });
  });
  a.onError(onError);
  return { a, handled: () => handled };
}

/** A chunked body of `total` bytes of a JSON string; counts the bytes the server pulled. */
function streamingBody(total: number, chunk = 64 * 1024) {
  let sent = 0;
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(enc.encode('{"name":"'));
        sent += 9;
        return;
      }
      if (sent >= total) {
        controller.enqueue(enc.encode('"}'));
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(chunk).fill(0x61));
      sent += chunk;
    },
  });
  return { stream, pulled: () => sent };
}

Deno.test("body limit: a declared Content-Length over the limit is 413 with an MLflow body", async () => {
  const { a, handled } = app(10_000);
  const res = await a.request("/x", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": "20000" },
    body: JSON.stringify({ name: "a".repeat(19_988) }),
  });
  assert.equal(res.status, 413);
  const body = await res.json();
  assert.equal(body.error_code, "INVALID_PARAMETER_VALUE");
  assert.match(body.message, /larger than the server's limit of 10000 bytes/);
  assert.equal(handled(), 0);
});

Deno.test("body limit: a chunked body is cut while streaming, not read to the end", async () => {
  const { a, handled } = app(1024 * 1024);
  const { stream, pulled } = streamingBody(200 * 1024 * 1024);
  const res = await a.request("/x", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stream,
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error_code, "INVALID_PARAMETER_VALUE");
  assert.ok(pulled() < 2 * 1024 * 1024, `read ${pulled()} bytes of a 200 MB body`);
  assert.equal(handled(), 0);
});

Deno.test("body limit: bodies up to the limit (default 32 MiB) are accepted", async () => {
  const { a } = app();
  const { stream } = streamingBody(16 * 1024 * 1024, 1024 * 1024);
  const res = await a.request("/x", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stream,
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("body limit: bytes that are not UTF-8 are a 400, not replaced", async () => {
  const { a, handled } = app();
  const bytes = new Uint8Array([...new TextEncoder().encode('{"name":"'), 0xff, 0xfe, 0x22, 0x7d]);
  const res = await a.request("/x", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: bytes,
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error_code, "INVALID_PARAMETER_VALUE");
  assert.match(body.message, /UTF-8/);
  assert.equal(handled(), 0);
});

Deno.test("body limit: a body with a declared length is read whole and still bounded", async () => {
  const { a, handled } = app(10_000);
  const ok = await a.request("/x", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": "14" },
    body: '{"name":"abc"}',
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { keys: 1 });
  // A length that lies (only possible in-process: the HTTP server enforces it) is checked after.
  const lying = await a.request("/x", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": "20" },
    body: JSON.stringify({ name: "a".repeat(19_988) }),
  });
  assert.equal(lying.status, 413);
  assert.equal((await lying.json()).error_code, "INVALID_PARAMETER_VALUE");
  assert.equal(handled(), 1);
});

Deno.test("body limit: over HTTP, declared lengths up to the limit pass and past it are 413", async () => {
  const { a } = app(10_000);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, a.fetch);
  try {
    const url = `http://127.0.0.1:${server.addr.port}/x`;
    const post = (body: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const at = JSON.stringify({ name: "é".repeat((10_000 - 11) / 2) }) + " ";
    assert.equal(new TextEncoder().encode(at).length, 10_000);
    const ok = await post(at);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { keys: 1 });
    const over = await post(at + " ");
    assert.equal(over.status, 413);
    assert.match((await over.json()).message, /larger than the server's limit of 10000 bytes/);
  } finally {
    await server.shutdown();
  }
});
