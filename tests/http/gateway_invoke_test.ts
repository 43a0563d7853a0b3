/**
 * The AI Gateway invocation routes end to end against a fake provider on loopback: the request
 * MLflow would send (URL, headers, body translation for OpenAI and Anthropic), the answer in
 * MLflow's shape, streams as server-sent events, routing and fallbacks, and MLflow's errors
 * (unknown endpoint, bad payloads, provider status passed through, timeouts, the SSRF guard).
 */
import assert from "node:assert/strict";
import { engineBackend } from "../support/backends.ts";
import { type GatewayCtx, type Json, withGateway } from "../store/gateway_support.ts";
import { type FakeProvider, withFakeProvider } from "../support/fake_provider.ts";
import type { GatewayOptions } from "../../src/http/gateway/gateway_options.ts";

const LOOPBACK: Partial<GatewayOptions> = {
  apiBase: { allowedSchemes: ["http", "https"], allowPrivateIps: true },
};

const COMPLETION = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1700000000,
  model: "gpt-4o-2024",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

/** A secret, a model definition per model, and an endpoint over them; returns the endpoint. */
async function endpoint(
  c: GatewayCtx,
  name: string,
  models: {
    provider?: string;
    model: string;
    apiBase?: string;
    linkage?: string;
    weight?: number;
    auth?: Record<string, string>;
  }[],
  extra: Json = {},
): Promise<Json> {
  const configs = [];
  for (const [i, m] of models.entries()) {
    const secret = await c.call("POST", "/gateway/secrets/create", {
      secret_name: `${name}-key-${i}`,
      secret_value: { api_key: `sk-${name}-${i}` },
      provider: m.provider ?? "openai",
      ...(m.apiBase ? { auth_config: { api_base: m.apiBase, ...m.auth } } : {}),
    });
    assert.equal(secret.status, 200, JSON.stringify(secret.json));
    const def = await c.call("POST", "/gateway/model-definitions/create", {
      name: `${name}-def-${i}`,
      secret_id: secret.json.secret.secret_id,
      provider: m.provider ?? "openai",
      model_name: m.model,
    });
    configs.push({
      model_definition_id: def.json.model_definition.model_definition_id,
      linkage_type: m.linkage ?? "PRIMARY",
      ...(m.weight !== undefined ? { weight: m.weight } : {}),
      ...(m.linkage === "FALLBACK" ? { fallback_order: i } : {}),
    });
  }
  const e = await c.call("POST", "/gateway/endpoints/create", {
    name,
    model_configs: configs,
    usage_tracking: false,
    ...extra,
  });
  assert.equal(e.status, 200, JSON.stringify(e.json));
  return e.json.endpoint;
}

const post = (c: GatewayCtx, path: string, body: unknown, headers: Record<string, string> = {}) =>
  c.raw(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** The raw text of a streamed answer. */
async function streamText(
  c: GatewayCtx,
  path: string,
  body: unknown,
): Promise<{ status: number; type: string | null; events: Json[] }> {
  const res = await c.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events = text.split("\n\n").filter((e) => e.trim()).map((e) => {
    assert.ok(e.startsWith("data: "), e);
    return e === "data: [DONE]" ? "[DONE]" : JSON.parse(e.slice(6));
  });
  return { status: res.status, type: res.headers.get("content-type"), events };
}

function run(name: string, fn: (c: GatewayCtx, p: FakeProvider) => Promise<void>, opts = {}) {
  Deno.test(
    name,
    () =>
      withFakeProvider((p) =>
        withGateway(engineBackend, (c) => fn(c, p), { ...LOOPBACK, ...opts })
      ),
  );
}

run(
  "unified chat invocation sends OpenAI's request and answers MLflow's chat shape",
  async (c, p) => {
    await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
    p.answer("/v1/chat/completions", { json: COMPLETION });
    const res = await post(c, "/gateway/chat/mlflow/invocations", {
      messages: [{ role: "user", content: "hello" }],
      temperature: 0.5,
      custom_flag: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1700000000,
      model: "gpt-4o-2024",
      choices: [{
        index: 0,
        message: { role: "assistant", content: "hi", tool_calls: null, refusal: null },
        finish_reason: "stop",
      }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      provider: "openai",
    });
    const sent = p.seen.at(-1)!;
    assert.equal(sent.path, "/v1/chat/completions");
    assert.equal(sent.headers.authorization, "Bearer sk-chat-0");
    assert.deepEqual(sent.body, {
      model: "gpt-4o",
      n: 1,
      temperature: 0.5,
      messages: [{ role: "user", content: "hello" }],
      custom_flag: true,
    });
  },
);

run("unified embeddings invocation", async (c, p) => {
  await endpoint(c, "emb", [{ model: "text-embedding-3-small", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/embeddings", {
    json: {
      object: "list",
      data: [{ object: "embedding", embedding: [0.1, 0.2], index: 0 }],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 2, total_tokens: 2 },
    },
  });
  const res = await post(c, "/gateway/emb/mlflow/invocations", { input: ["a b"] });
  assert.deepEqual(res.json, {
    object: "list",
    data: [{ object: "embedding", embedding: [0.1, 0.2], index: 0 }],
    model: "text-embedding-3-small",
    usage: { prompt_tokens: 2, total_tokens: 2 },
  });
  assert.deepEqual(p.seen.at(-1)!.body, { model: "text-embedding-3-small", input: ["a b"] });
});

run("OpenAI-compatible chat completions and models listing", async (c, p) => {
  await endpoint(c, "b-chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  await endpoint(c, "a-chat", [{ model: "gpt-4o-mini", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/chat/completions", { json: COMPLETION });
  const res = await post(c, "/gateway/mlflow/v1/chat/completions", {
    model: "a-chat",
    messages: [{ role: "user", content: "hello" }],
  });
  assert.equal(res.status, 200);
  assert.equal(res.json.choices[0].message.content, "hi");
  assert.equal(p.seen.at(-1)!.body.model, "gpt-4o-mini");

  const models = await c.raw("/gateway/mlflow/v1/models");
  assert.equal(models.json.object, "list");
  assert.deepEqual(models.json.data.map((m: Json) => [m.id, m.object, m.owned_by]), [
    ["a-chat", "model", "mlflow"],
    ["b-chat", "model", "mlflow"],
  ]);
  assert.equal(typeof models.json.data[0].created, "number");

  const missing = await post(c, "/gateway/mlflow/v1/chat/completions", { messages: [] });
  assert.deepEqual(missing, {
    status: 400,
    json: { detail: "Missing required 'model' parameter in request body" },
  });
  const unknown = await post(c, "/gateway/mlflow/v1/chat/completions", {
    model: "nope",
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(unknown, {
    status: 404,
    json: {
      detail: {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "GatewayEndpoint not found (name='nope')",
      },
    },
  });
});

run("bad payloads get MLflow's 400s and 422s before any provider call", async (c, p) => {
  await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  const path = "/gateway/chat/mlflow/invocations";
  const badJson = await post(c, path, "{not json");
  assert.equal(badJson.status, 400);
  assert.match(badJson.json.detail, /^Invalid JSON payload: /);
  assert.deepEqual(await post(c, path, { prompt: "x" }), {
    status: 400,
    json: { detail: "Invalid request: payload format must be either chat or embeddings" },
  });
  const empty = await post(c, path, { messages: [] });
  assert.equal(empty.status, 400);
  assert.equal(
    empty.json.detail,
    "Invalid chat payload: 1 validation error for RequestPayload\nmessages\n" +
      "  List should have at least 1 item after validation, not 0",
  );
  const hot = await post(c, path, { messages: [{ role: "user", content: "x" }], temperature: 3 });
  assert.match(hot.json.detail, /temperature\n {2}Input should be less than or equal to 2/);
  const emb = await post(c, path, { input: 5 });
  assert.match(emb.json.detail, /^Invalid embeddings payload: 4 validation errors/);
  const model = await post(c, path, { messages: [{ role: "user", content: "x" }], model: "m" });
  assert.deepEqual(model, {
    status: 422,
    json: {
      detail: "The parameter 'model' is not permitted to be passed. The route being queried " +
        "already defines a model instance.",
    },
  });
  const unknown = await post(c, "/gateway/nope/mlflow/invocations", { input: "x" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.detail.message, "GatewayEndpoint not found (name='nope')");
  assert.equal(p.seen.length, 0, "no provider call for a refused request");
});

run("a provider's error status and message are passed through", async (c, p) => {
  await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/chat/completions", {
    json: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } },
    status: 401,
  });
  const res = await post(c, "/gateway/chat/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(res, { status: 401, json: { detail: "Incorrect API key provided" } });
  p.answer("/v1/chat/completions", { text: "<html>", status: 200, type: "text/html" });
  const html = await post(c, "/gateway/chat/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(html, {
    status: 502,
    json: {
      detail: "The returned data type from the route service is not supported. Received " +
        "content type: text/html",
    },
  });
});

run("a provider slower than the route timeout fails the call", async (c, p) => {
  await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/chat/completions", { json: COMPLETION, delayMs: 600 });
  const res = await post(c, "/gateway/chat/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
  });
  assert.equal(res.status, 500);
  assert.equal(res.json.detail, "Gateway upstream request failed: timed out after 0.1 seconds");
}, { routeTimeoutMs: 100 });

run("streamed chat arrives as server-sent events in MLflow's chunk shape", async (c, p) => {
  await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  const chunk = (content: string | null, finish: string | null, usage?: Json) =>
    JSON.stringify({
      id: "c1",
      object: "chat.completion.chunk",
      created: 5,
      model: "gpt-4o",
      choices: usage ? [] : [{ index: 0, delta: { content }, finish_reason: finish }],
      ...(usage ? { usage } : {}),
    });
  p.answer("/v1/chat/completions", {
    sse: [
      chunk("Hel", null),
      chunk("lo", "stop"),
      chunk(null, null, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }),
      "[DONE]",
    ],
  });
  const out = await streamText(c, "/gateway/mlflow/v1/chat/completions", {
    model: "chat",
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  assert.equal(out.status, 200);
  assert.match(out.type!, /^text\/event-stream/);
  assert.deepEqual(out.events.map((e) => e.choices[0]?.delta.content ?? null), [
    "Hel",
    "lo",
    null,
  ]);
  assert.deepEqual(out.events[0], {
    id: "c1",
    object: "chat.completion.chunk",
    created: 5,
    model: "gpt-4o",
    choices: [{
      index: 0,
      finish_reason: null,
      delta: { role: null, content: "Hel", tool_calls: null },
    }],
    usage: null,
    provider: "openai",
  });
  assert.deepEqual(out.events[2].usage, {
    prompt_tokens: 1,
    completion_tokens: 2,
    total_tokens: 3,
  });
  assert.deepEqual(p.seen.at(-1)!.body.stream_options, { include_usage: true });
  assert.equal(p.seen.at(-1)!.body.stream, true);

  p.answer("/v1/chat/completions", { json: { error: { message: "rate limited" } }, status: 429 });
  const failed = await streamText(c, "/gateway/chat/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  assert.equal(failed.status, 200);
  assert.deepEqual(failed.events, [{
    error: { message: "429: rate limited", type: "HTTPException" },
  }]);
});

run("Anthropic: the chat request is translated to Messages and back", async (c, p) => {
  await endpoint(c, "claude", [{
    provider: "anthropic",
    model: "claude-sonnet-4",
    apiBase: `${p.url}/v1`,
  }]);
  p.answer("/v1/messages", {
    json: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4",
      content: [
        { type: "text", text: "Sunny." },
        { type: "tool_use", id: "tu_1", name: "weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 2 },
    },
  });
  const res = await post(c, "/gateway/claude/mlflow/invocations", {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather?" },
    ],
    temperature: 1,
    stop: ["END"],
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const sent = p.seen.at(-1)!;
  assert.equal(sent.path, "/v1/messages");
  assert.equal(sent.headers["x-api-key"], "sk-claude-0");
  assert.equal(sent.headers["anthropic-version"], "2023-06-01");
  assert.deepEqual(sent.body, {
    model: "claude-sonnet-4",
    stop_sequences: ["END"],
    temperature: 0.5,
    max_tokens: 8192,
    system: "Be brief.",
    messages: [{ role: "user", content: "Weather?" }],
  });
  assert.equal(res.json.id, "msg_1");
  assert.equal(res.json.provider, "anthropic");
  assert.deepEqual(res.json.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: "Sunny.",
      tool_calls: [{
        id: "tu_1",
        type: "function",
        function: { name: "weather", arguments: '{"city": "Paris"}' },
      }],
      refusal: null,
    },
    finish_reason: "tool_calls",
  }]);
  assert.deepEqual(res.json.usage, {
    prompt_tokens: 12,
    completion_tokens: 5,
    total_tokens: 17,
    prompt_tokens_details: { cached_tokens: 2 },
  });
  const both = await post(c, "/gateway/claude/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
    temperature: 1,
    top_p: 0.5,
  });
  assert.deepEqual(both, {
    status: 422,
    json: { detail: "Cannot set both 'temperature' and 'top_p' parameters." },
  });
  const emb = await post(c, "/gateway/claude/mlflow/invocations", { input: "x" });
  assert.deepEqual(emb, {
    status: 501,
    json: { detail: "The embeddings route is not implemented for Anthropic models." },
  });
});

run("Anthropic: a streamed answer becomes chat chunks", async (c, p) => {
  await endpoint(c, "claude", [{ provider: "anthropic", model: "claude", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/messages", {
    sse: [
      JSON.stringify({
        type: "message_start",
        message: { id: "msg_2", model: "claude", usage: { input_tokens: 4 } },
      }),
      JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text" } }),
      JSON.stringify({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "Hi" },
      }),
      JSON.stringify({
        type: "message_delta",
        delta: { stop_reason: "end_turn" },
        usage: { output_tokens: 1 },
      }),
      JSON.stringify({ type: "message_stop" }),
    ],
  });
  const out = await streamText(c, "/gateway/claude/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  assert.deepEqual(out.events.map((e) => [e.id, e.choices[0].delta.content]), [
    ["msg_2", null],
    ["msg_2", "Hi"],
    ["msg_2", null],
  ]);
  assert.equal(out.events[2].choices[0].finish_reason, "stop");
  assert.deepEqual(out.events[2].usage, {
    prompt_tokens: 4,
    completion_tokens: 1,
    total_tokens: 5,
  });
  assert.equal(p.seen.at(-1)!.body.stream, true);
});

run("fallback models answer when the primary fails, in fallback order", async (c, p) => {
  await endpoint(c, "fb", [
    { model: "primary", apiBase: `${p.url}/primary` },
    { model: "second", apiBase: `${p.url}/second`, linkage: "FALLBACK" },
    { model: "third", apiBase: `${p.url}/third`, linkage: "FALLBACK" },
  ], { fallback_config: { strategy: "SEQUENTIAL", max_attempts: 2 } });
  p.answer("/primary/chat/completions", { json: { error: { message: "down" } }, status: 503 });
  p.answer("/second/chat/completions", { json: { error: { message: "busy" } }, status: 429 });
  p.answer("/third/chat/completions", { json: COMPLETION });
  const res = await post(c, "/gateway/fb/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
  });
  assert.equal(res.status, 200);
  assert.deepEqual(p.seen.map((s) => s.body.model), ["primary", "second", "third"]);

  p.answer("/third/chat/completions", { json: { error: { message: "gone" } }, status: 404 });
  const failed = await post(c, "/gateway/fb/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(failed, {
    status: 404,
    json: { detail: "All 3 fallback attempts failed. Last error: 404: gone" },
  });
});

run("traffic split picks a primary model by weight", async (c, p) => {
  await endpoint(c, "split", [
    { model: "a", apiBase: `${p.url}/a`, weight: 0.25 },
    { model: "b", apiBase: `${p.url}/b`, weight: 0.75 },
  ], { routing_strategy: "REQUEST_BASED_TRAFFIC_SPLIT" });
  p.answer("/a/chat/completions", { json: COMPLETION });
  p.answer("/b/chat/completions", { json: COMPLETION });
  for (let i = 0; i < 2; i++) {
    const res = await post(c, "/gateway/split/mlflow/invocations", {
      messages: [{ role: "user", content: "x" }],
    });
    assert.equal(res.status, 200);
  }
  // the pinned random source answers 0.2 then 0.5: 0.2 falls in a's quarter, 0.5 in b's share
  assert.deepEqual(p.seen.map((s) => s.body.model), ["a", "b"]);
}, { random: ((v) => () => v.shift() ?? 0)([0.2, 0.5]) });

run(
  "passthrough routes forward the provider's own request without the client's credentials",
  async (c, p) => {
    await endpoint(c, "oa", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
    await endpoint(c, "an", [{ provider: "anthropic", model: "claude", apiBase: `${p.url}/v1` }]);
    const raw = { ...COMPLETION, system_fingerprint: "fp" };
    p.answer("/v1/chat/completions", { json: raw });
    const res = await post(c, "/gateway/openai/v1/chat/completions", {
      model: "oa",
      messages: [{ role: "user", content: "x" }],
      logprobs: true,
    }, { authorization: "Basic dXNlcjpwdw==", "x-custom": "1" });
    assert.deepEqual(res.json, raw, "the provider's answer, untranslated");
    const sent = p.seen.at(-1)!;
    assert.deepEqual(sent.body, {
      model: "gpt-4o",
      messages: [{ role: "user", content: "x" }],
      logprobs: true,
    });
    assert.equal(sent.headers.authorization, "Bearer sk-oa-0");
    assert.equal(sent.headers["x-custom"], "1");

    p.answer("/v1/embeddings", { json: { object: "list", data: [] } });
    const emb = await post(c, "/gateway/openai/v1/embeddings", { model: "oa", input: "x" });
    assert.deepEqual(emb.json, { object: "list", data: [] });

    p.answer("/v1/messages", { json: { id: "msg", type: "message", content: [] } });
    const msg = await post(c, "/gateway/anthropic/v1/messages", {
      model: "an",
      max_tokens: 10,
      messages: [{ role: "user", content: "x" }],
    });
    assert.deepEqual(msg.json, { id: "msg", type: "message", content: [] });
    assert.equal(p.seen.at(-1)!.body.model, "claude");

    const wrong = await post(c, "/gateway/anthropic/v1/messages", { model: "oa", messages: [] });
    assert.deepEqual(wrong, {
      status: 400,
      json: {
        detail: "Unsupported passthrough endpoint '/anthropic/v1/messages' for OpenAI provider. " +
          "Supported endpoints: /gateway/openai/v1/chat/completions (provider_path: " +
          "chat/completions), /gateway/openai/v1/embeddings (provider_path: embeddings)",
      },
    });

    p.answer("/v1/chat/completions", { sse: ['{"id":"c","choices":[]}', "[DONE]"] });
    const stream = await streamText(c, "/gateway/openai/v1/chat/completions", {
      model: "oa",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    assert.deepEqual(stream.events, [{ id: "c", choices: [] }, "[DONE]"], "the raw event stream");
    assert.deepEqual(p.seen.at(-1)!.body.stream_options, { include_usage: true });
  },
);

Deno.test("a secret's upstream that resolves to a private address is refused at call time", async () => {
  const answers = ["93.184.215.14"];
  await withGateway(engineBackend, async (c) => {
    await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: "https://llm.example.com/v1" }]);
    answers[0] = "127.0.0.1";
    const res = await post(c, "/gateway/chat/mlflow/invocations", {
      messages: [{ role: "user", content: "x" }],
    });
    assert.deepEqual(res, {
      status: 502,
      json: {
        detail: "Gateway upstream connection blocked: 'llm.example.com' resolves to 127.0.0.1, " +
          "which is not a public IP address. Set MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS=true " +
          "to allow private upstreams.",
      },
    });
  }, {
    apiBase: {
      allowedSchemes: ["https"],
      allowPrivateIps: false,
      resolve: () => Promise.resolve([...answers]),
    },
  });
});

run("endpoints without a usable model or on a LiteLLM-only provider are refused", async (c, p) => {
  const e = await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  const secretId = e.model_mappings[0].model_definition.secret_id;
  await c.call("DELETE", "/gateway/secrets/delete", { secret_id: secretId });
  const res = await post(c, "/gateway/chat/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(res, {
    status: 404,
    json: {
      detail: {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Endpoint 'chat' has no PRIMARY models configured",
      },
    },
  });
  await endpoint(c, "lite", [{ provider: "cohere", model: "command", apiBase: `${p.url}/v1` }]);
  const lite = await post(c, "/gateway/lite/mlflow/invocations", { input: "x" });
  assert.equal(lite.status, 501);
  assert.match(lite.json.detail, /^Provider 'cohere' is not supported/);
  assert.equal(p.seen.length, 0);
});

Deno.test("with the gateway disabled every /gateway route answers 501", () =>
  withGateway(engineBackend, async (c) => {
    const res = await post(c, "/gateway/x/mlflow/invocations", { input: "x" });
    assert.deepEqual(res, {
      status: 501,
      json: {
        detail: "The AI Gateway feature is disabled. Set MLFLOW_ENABLE_AI_GATEWAY=true to " +
          "enable it.",
      },
    });
    assert.equal((await c.raw("/gateway/mlflow/v1/models")).status, 501);
  }, { enabled: false }));

run("Azure OpenAI and OpenAI-compatible providers: MLflow's URLs and credentials", async (c, p) => {
  await endpoint(c, "az", [{
    provider: "azure",
    model: "gpt4-deploy",
    apiBase: p.url,
    auth: { api_version: "2024-06-01" },
  }]);
  await endpoint(c, "az-type", [{
    model: "gpt-4o",
    apiBase: p.url,
    auth: { api_type: "azuread", deployment_name: "dep2", api_version: "2024-02-01" },
  }]);
  await endpoint(c, "groq", [{
    provider: "groq",
    model: "llama-3",
    apiBase: `${p.url}/openai/v1`,
  }]);
  await endpoint(c, "org", [{
    model: "gpt-4o",
    apiBase: `${p.url}/v1`,
    auth: { organization: "org-1" },
  }]);
  p.answer("/openai/deployments/gpt4-deploy/chat/completions", { json: COMPLETION });
  p.answer("/openai/deployments/dep2/embeddings", {
    json: { object: "list", data: [{ embedding: [1], index: 0 }], model: "m", usage: {} },
  });
  p.answer("/openai/v1/chat/completions", { json: COMPLETION });
  p.answer("/v1/chat/completions", { json: COMPLETION });
  const messages = [{ role: "user", content: "x" }];

  const az = await post(c, "/gateway/az/mlflow/invocations", { messages });
  assert.equal(az.status, 200, JSON.stringify(az.json));
  assert.equal(az.json.provider, "openai");
  let sent = p.seen.at(-1)!;
  assert.equal(sent.search, "?api-version=2024-06-01");
  assert.equal(sent.headers["api-key"], "sk-az-0");
  assert.equal(sent.headers.authorization, undefined);
  assert.equal("model" in sent.body, false, "Azure names the model in the URL");

  const emb = await post(c, "/gateway/az-type/mlflow/invocations", { input: "x" });
  assert.deepEqual(emb.json.usage, { prompt_tokens: null, total_tokens: null });
  sent = p.seen.at(-1)!;
  assert.equal(sent.search, "?api-version=2024-02-01");
  assert.equal(sent.headers.authorization, "Bearer sk-az-type-0");

  const groq = await post(c, "/gateway/groq/mlflow/invocations", { messages });
  assert.equal(groq.json.provider, "groq");
  assert.equal(p.seen.at(-1)!.body.model, "llama-3");

  await post(c, "/gateway/org/mlflow/invocations", { messages });
  assert.equal(p.seen.at(-1)!.headers["openai-organization"], "org-1");
});
