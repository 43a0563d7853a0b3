/**
 * The pure pieces of gateway invocation: MLflow's request translation for Anthropic, the error
 * texts built from Python's reprs, URL joining and upstream error details.
 */
import assert from "node:assert/strict";
import { MlflowError } from "../../../errors.ts";
import { chatToAnthropic } from "./anthropic_provider.ts";
import { asGatewayError, GatewayHttpError, pythonRepr } from "./gateway_http_error.ts";
import { appendToUriPath, assertPublicUpstream, errorDetail } from "./outbound.ts";
import { chatPayload, dropNulls } from "./payloads.ts";
import { mergeClientHeaders, pyJsonDumps } from "./provider.ts";

Deno.test("Python reprs and json.dumps as MLflow's texts print them", () => {
  assert.equal(
    pythonRepr({ a: [1, "x'y", `a'b"c`, null, true, false] }),
    `{'a': [1, "x'y", 'a\\'b"c', None, True, False]}`,
  );
  assert.equal(
    pyJsonDumps({ city: "Zürich", n: [1, 2], ok: true, none: null }),
    '{"city": "Z\\u00fcrich", "n": [1, 2], "ok": true, "none": null}',
  );
});

Deno.test("errors: MLflow errors become a detail with code and message; str() of each kind", () => {
  const e = asGatewayError(new MlflowError("RESOURCE_DOES_NOT_EXIST", "gone"))!;
  assert.equal(e.status, 404);
  assert.deepEqual(e.toJSON(), {
    detail: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "gone" },
  });
  assert.equal(e.describe(), "404: {'error_code': 'RESOURCE_DOES_NOT_EXIST', 'message': 'gone'}");
  assert.equal(asGatewayError(new MlflowError("DATA_LOSS", "x"))!.status, 500);
  assert.equal(asGatewayError(new Error("plain")), undefined);
  assert.equal(new GatewayHttpError(422, "bad", "AIGatewayException").describe(), "bad");
});

Deno.test("URL joining keeps one slash and the query", () => {
  assert.equal(
    appendToUriPath("https://api.openai.com/v1", "chat/completions"),
    "https://api.openai.com/v1/chat/completions",
  );
  assert.equal(appendToUriPath("https://h/v1/", "/embeddings"), "https://h/v1/embeddings");
  assert.equal(
    appendToUriPath("https://h/d?api-version=1", "chat/completions"),
    "https://h/d/chat/completions?api-version=1",
  );
});

Deno.test("upstream error details: nested message, top-level message, else the body", () => {
  assert.equal(errorDetail({ error: { message: "m1" } }), "m1");
  assert.equal(errorDetail({ message: "m2" }), "m2");
  assert.equal(errorDetail({ code: 1 }), "{'code': 1}");
  assert.equal(errorDetail(null), "");
  assert.equal(errorDetail("text"), "text");
});

Deno.test("the SSRF check refuses private literals and names, unless private IPs are allowed", async () => {
  const out = (allowPrivateIps: boolean, addresses: string[] | Error) => ({
    policy: {
      allowedSchemes: ["https"],
      allowPrivateIps,
      resolve: () =>
        addresses instanceof Error ? Promise.reject(addresses) : Promise.resolve(addresses),
    },
    ssrfProtect: true,
    timeoutMs: 1000,
  });
  await assert.rejects(
    assertPublicUpstream("http://10.0.0.1/v1", out(false, [])),
    (e: GatewayHttpError) =>
      e.status === 502 && /'10.0.0.1' resolves to 10.0.0.1/.test(String(e.detail)),
  );
  await assert.rejects(
    assertPublicUpstream("http://[::1]/v1", out(false, [])),
    /'::1' resolves to ::1/,
  );
  await assertPublicUpstream("http://10.0.0.1/v1", out(true, []));
  await assertPublicUpstream("https://api.example.com/v1", out(false, ["93.184.215.14"]));
  await assert.rejects(
    assertPublicUpstream("https://a.example/v1", out(false, new Error("NXDOMAIN"))),
    /Cannot resolve gateway upstream host 'a.example': NXDOMAIN/,
  );
  await assertPublicUpstream("http://127.0.0.1/v1", { ...out(false, []), ssrfProtect: false });
});

Deno.test("chat payloads: defaults first, extras kept, nulls dropped; each bad field named", () => {
  assert.deepEqual(
    chatPayload({
      messages: [{ role: "user", content: "x", name: null }],
      stop: null,
      x: { y: null },
    }),
    {
      n: 1,
      messages: [{ role: "user", content: "x" }],
      x: {},
    },
  );
  assert.deepEqual(dropNulls([null, { a: null }]), [null, {}]);
  const bad = (body: Record<string, unknown>) => {
    try {
      chatPayload(body);
    } catch (e) {
      return String((e as GatewayHttpError).detail);
    }
    return "accepted";
  };
  assert.match(bad({}), /messages\n {2}Field required/);
  assert.match(bad({ messages: "x" }), /messages\n {2}Input should be a valid list/);
  assert.match(bad({ messages: [1] }), /messages\.0\n {2}Input should be a valid dictionary/);
  assert.match(bad({ messages: [{}] }), /messages\.0\.role\n {2}Field required/);
  assert.match(
    bad({ messages: [{ role: 1, content: 2 }] }),
    /2 validation errors[\s\S]*messages\.0\.role[\s\S]*messages\.0\.content/,
  );
  const one = [{ role: "user", content: "x" }];
  assert.match(bad({ messages: one, n: 0 }), /n\n {2}Input should be greater than or equal to 1/);
  assert.match(
    bad({ messages: one, max_tokens: 1.5 }),
    /max_tokens\n {2}Input should be a valid integer/,
  );
  assert.match(bad({ messages: one, top_p: "a" }), /top_p\n {2}Input should be a valid number/);
  assert.match(bad({ messages: one, stop: "END" }), /stop\n {2}Input should be a valid list/);
  assert.match(bad({ messages: one, stop: [] }), /stop\n {2}List should have at least 1 item/);
  assert.match(bad({ messages: one, stop: [1] }), /stop\n {2}Input should be a valid string/);
  assert.match(
    bad({ messages: one, stream: "yes" }),
    /stream\n {2}Input should be a valid boolean/,
  );
  assert.match(bad({ messages: one, model: 1 }), /model\n {2}Input should be a valid string/);
  assert.match(bad({ messages: one, tools: {} }), /tools\n {2}Input should be a valid list/);
  assert.match(bad({ messages: one, tools: [] }), /tools\n {2}List should have at least 1 item/);
  assert.match(bad({ messages: one, tools: [{ type: "x" }] }), /tools\.0\.type/);
});

Deno.test("Anthropic translation: tools, tool results, tool choice, images, JSON output and limits", () => {
  const body = chatToAnthropic({
    n: 1,
    max_completion_tokens: 100,
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "look" }, {
          type: "image_url",
          image_url: { url: "data:image/png;base64,AAA" },
        }, { type: "image_url", image_url: { url: "https://x/y.png" } }],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "t1",
          type: "function",
          function: { name: "f", arguments: '{"a": 1}' },
        }],
      },
      { role: "tool", tool_call_id: "t1", content: "42" },
      { role: "developer", content: "skipped" },
    ],
    tools: [{
      type: "function",
      function: { name: "f", description: "d", parameters: { type: "object" } },
    }],
    tool_choice: { type: "function", function: { name: "f" } },
    response_format: { type: "json_object" },
  }, "claude");
  assert.equal(body.max_tokens, 100);
  assert.equal("n" in body, false);
  assert.deepEqual(body.messages, [
    {
      role: "user",
      content: [{ type: "text", text: "look" }, {
        type: "image",
        source: { type: "base64", media_type: "image/png", data: "AAA" },
      }, { type: "text", text: "[unsupported image reference: https://x/y.png]" }],
    },
    { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: { a: 1 } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "42" }] },
  ]);
  assert.deepEqual(body.tools, [{ name: "f", description: "d", input_schema: { type: "object" } }]);
  assert.deepEqual(body.tool_choice, { type: "tool", name: "f" });
  assert.match(String(body.system), /^Respond with only a single valid JSON object/);
  const one = [{ role: "user", content: "x" }];
  assert.deepEqual(chatToAnthropic({ messages: one, tool_choice: "required" }, "c").tool_choice, {
    type: "any",
  });
  assert.deepEqual(chatToAnthropic({ messages: one, tool_choice: "auto" }, "c").tool_choice, {
    type: "auto",
  });
  assert.deepEqual(
    chatToAnthropic({
      messages: one,
      response_format: { type: "json_schema", json_schema: { schema: { type: "object" } } },
    }, "c").output_config,
    { format: { type: "json_schema", schema: { type: "object" } } },
  );
  assert.throws(
    () => chatToAnthropic({ messages: one, n: 2 }, "c"),
    /'n' must be '1' for the Anthropic provider/,
  );
  assert.throws(
    () => chatToAnthropic({ messages: one, max_tokens: 2_000_000 }, "c"),
    /cannot exceed 1000000/,
  );
  assert.throws(
    () => chatToAnthropic({ messages: one, tools: [{ type: "retrieval" }] }, "c"),
    /Only function calling tool is supported, but received tool type retrieval/,
  );
});

Deno.test("passthrough headers: the client's own credentials and hop headers never reach the provider", () => {
  assert.deepEqual(
    mergeClientHeaders({ authorization: "Bearer server" }, {
      Authorization: "Basic x",
      "X-Api-Key": "k",
      Host: "h",
      "Content-Length": "3",
      "X-Trace": "t",
    }),
    { "x-trace": "t", authorization: "Bearer server" },
  );
});
