import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { bool, double, int64, list, parseRequest } from "./request.ts";
import { onError } from "./on_error.ts";

const Schema = z.object({
  run_id: z.string().optional(),
  ids: list(z.string()).optional(),
  flag: bool.optional(),
  n: int64.optional(),
  v: double.optional(),
});

function app() {
  const a = new Hono();
  a.all("/x", async (c) => c.json(await parseRequest(c, Schema)));
  a.onError(onError);
  return a;
}

Deno.test("parseRequest() reads GET query strings: lists, booleans, int64 strings", async () => {
  const res = await app().request("/x?ids=a&ids=b&flag=True&n=25000&run_id=r");
  assert.deepEqual(await res.json(), { ids: ["a", "b"], flag: true, n: 25000, run_id: "r" });
  const one = await app().request("/x?ids=a");
  assert.deepEqual(await one.json(), { ids: ["a"] });
});

Deno.test("parseRequest() reads JSON bodies in snake_case or lowerCamelCase, NaN strings", async () => {
  const res = await app().request("/x", {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({ runId: "r", n: "12", v: "NaN" }),
  });
  const body = await res.json();
  assert.equal(body.run_id, "r");
  assert.equal(body.n, 12);
  assert.equal(body.v, null); // NaN survives parsing; Hono's c.json writes it as null
});

Deno.test("parseRequest() gives MLflow's 400s for content type, bad JSON and bad values", async () => {
  const noType = await app().request("/x", {
    method: "POST",
    body: new TextEncoder().encode("{}"),
  });
  assert.equal(noType.status, 400);
  assert.equal((await noType.json()).message, "Bad Request. Content-Type header is missing.");
  const wrongType = await app().request("/x", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "{}",
  });
  assert.match((await wrongType.json()).message, /Content-Type must be one of/);
  const bad = await app().request("/x", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error_code, "INVALID_PARAMETER_VALUE");
  const wrong = await app().request("/x", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ run_id: 31 }),
  });
  assert.equal(
    (await wrong.json()).message,
    "Invalid value 31 for parameter 'run_id' supplied: Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
  );
  const flag = await app().request("/x?flag=yes");
  assert.equal(flag.status, 400);
});

Deno.test("parseRequest() refuses 20,000 levels of nesting with a 400, objects or arrays", async () => {
  for (
    const body of [
      '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000),
      '{"run_id":"r","x":' + "[".repeat(100_000) + "]".repeat(100_000) + "}",
      '{"tags":' + '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000) + "}",
    ]
  ) {
    const res = await app().request("/x", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(res.status, 400);
    const err = await res.json();
    assert.equal(err.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(err.message, /nested more than 100 levels/);
  }
});

Deno.test("parseRequest() refuses lone surrogates in names and keys, keeps them in values", async () => {
  const post = (body: string) =>
    app().request("/x", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  for (
    const body of [
      '{"run_id":"\\ud800"}',
      '{"run_id":"a\\udc00b"}',
      '{"tags":{"\\ud800":"v"}}',
      '{"tags":[{"key":"\\udfff","value":"v"}]}',
      '{"\\ud800x":1}',
    ]
  ) {
    const res = await post(body);
    assert.equal(res.status, 400, body);
    const err = await res.json();
    assert.equal(err.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(err.message, /not valid Unicode/);
  }
  // A proper pair (emoji) is fine everywhere; a tag or param value keeps a lone surrogate as
  // MLflow does (it round-trips on both backends).
  assert.equal((await post('{"run_id":"\\ud83d\\ude00"}')).status, 200);
  const kept = await post('{"run_id":"r","tags":[{"key":"k","value":"\\ud800"}]}');
  assert.equal(kept.status, 200);
  await kept.body?.cancel();
});
