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
