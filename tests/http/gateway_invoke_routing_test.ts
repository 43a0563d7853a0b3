/**
 * AI Gateway invocation: fallback models in order, the traffic split by weight, and the
 * passthrough routes (the provider's own request and answer, the client's credentials dropped).
 */
import assert from "node:assert/strict";
import { COMPLETION, endpoint, post, run, streamText } from "../support/gateway_invoke_support.ts";

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
          "chat/completions), /gateway/openai/v1/embeddings (provider_path: embeddings), " +
          "/gateway/openai/v1/responses (provider_path: responses), " +
          "/gateway/openai/v1/responses/compact (provider_path: responses/compact)",
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

run("streams, embeddings and passthrough fall back and split too", async (c, p) => {
  await endpoint(c, "fb", [
    { model: "primary", apiBase: `${p.url}/primary` },
    { model: "second", apiBase: `${p.url}/second`, linkage: "FALLBACK" },
  ], { fallback_config: { strategy: "SEQUENTIAL" } });
  await endpoint(c, "split", [
    { model: "a", apiBase: `${p.url}/a`, weight: 0 },
    { model: "b", apiBase: `${p.url}/b`, weight: 0 },
  ], { routing_strategy: "REQUEST_BASED_TRAFFIC_SPLIT" });
  const down = { json: { error: { message: "down" } }, status: 503 };
  p.answer("/primary/chat/completions", down);
  p.answer("/primary/embeddings", down);
  const chunk = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m",' +
    '"choices":[{"index":0,"delta":{"content":"ok"}}]}';
  p.answer("/second/chat/completions", { sse: [chunk, "[DONE]"] });
  p.answer("/second/embeddings", {
    json: { data: [{ embedding: [1], index: 0 }], model: "e", usage: {} },
  });
  const messages = [{ role: "user", content: "x" }];

  const stream = await streamText(c, "/gateway/fb/mlflow/invocations", { messages, stream: true });
  assert.equal(stream.events[0].choices[0].delta.content, "ok");
  const emb = await post(c, "/gateway/fb/mlflow/invocations", { input: "x" });
  assert.equal(emb.status, 200);
  assert.deepEqual(emb.json.data, [{ object: "embedding", embedding: [1], index: 0 }]);
  const raw = await streamText(c, "/gateway/openai/v1/chat/completions", {
    model: "fb",
    messages,
    stream: true,
  });
  assert.equal(raw.events[0].choices[0].delta.content, "ok");
  const rawEmb = await post(c, "/gateway/openai/v1/embeddings", { model: "fb", input: "x" });
  assert.equal(rawEmb.json.model, "e");
  p.answer("/second/chat/completions", { json: { error: { message: "also down" } }, status: 500 });
  const failed = await streamText(c, "/gateway/openai/v1/chat/completions", {
    model: "fb",
    messages,
    stream: true,
  });
  assert.deepEqual(failed.events, [{
    error: {
      message: "All 2 fallback attempts failed. Last error: 500: also down",
      type: "AIGatewayException",
    },
  }]);

  // weights that sum to zero: an even pick (the pinned random source answers 0.9: the second)
  p.answer("/b/chat/completions", { sse: [chunk] });
  p.answer("/b/embeddings", { json: { data: [], model: "e", usage: {} } });
  const split = await streamText(c, "/gateway/split/mlflow/invocations", {
    messages,
    stream: true,
  });
  assert.equal(split.events[0].choices[0].delta.content, "ok");
  assert.equal((await post(c, "/gateway/split/mlflow/invocations", { input: "x" })).status, 200);
  const rawSplit = await post(c, "/gateway/openai/v1/embeddings", { model: "split", input: "x" });
  assert.equal(rawSplit.json.model, "e");
  assert.ok(p.seen.filter((s) => s.path.startsWith("/a/")).length === 0);
}, { random: () => 0.9 });

run(
  "the Responses API passthrough, unary and streamed; compaction refuses a stream",
  async (c, p) => {
    await endpoint(c, "oa", [{ model: "gpt-5", apiBase: `${p.url}/v1` }]);
    await endpoint(c, "gq", [{ provider: "groq", model: "llama", apiBase: `${p.url}/v1` }]);
    p.answer("/v1/responses", { json: { id: "resp_1", object: "response", output: [] } });
    const res = await post(c, "/gateway/openai/v1/responses", { model: "oa", input: "hi" });
    assert.deepEqual(res.json, { id: "resp_1", object: "response", output: [] });
    assert.deepEqual(p.seen.at(-1)!.body, { model: "gpt-5", input: "hi" });
    p.answer("/v1/responses/compact", { json: { id: "resp_2" } });
    const compact = await post(c, "/gateway/openai/v1/responses/compact", {
      model: "oa",
      previous_response_id: "resp_1",
    });
    assert.deepEqual(compact.json, { id: "resp_2" });
    assert.deepEqual(
      await post(c, "/gateway/openai/v1/responses/compact", { model: "oa", stream: true }),
      {
        status: 400,
        json: {
          detail: "stream=true is not supported on /responses/compact; compaction is a unary " +
            "request.",
        },
      },
    );
    p.answer("/v1/responses", { sse: ['{"type":"response.created"}'] });
    const stream = await streamText(c, "/gateway/openai/v1/responses", {
      model: "oa",
      input: "hi",
      stream: true,
    });
    assert.deepEqual(stream.events, [{ type: "response.created" }]);
    assert.equal(p.seen.at(-1)!.body.stream_options, undefined, "only chat gets stream_options");
    const groq = await post(c, "/gateway/openai/v1/responses", { model: "gq", input: "hi" });
    assert.equal(groq.status, 400);
    assert.match(
      groq.json.detail,
      /^Unsupported passthrough endpoint '\/openai\/v1\/responses' for Groq/,
    );
  },
);
