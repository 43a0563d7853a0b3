/**
 * AI Gateway invocation: streamed chat as server-sent events in MLflow's chunk shape (and a
 * provider failure as an error event), and Anthropic's Messages API translated both ways.
 */
import assert from "node:assert/strict";
import { endpoint, type Json, post, run, streamText } from "../support/gateway_invoke_support.ts";
import { TraceStore } from "../../src/store/traces/trace_store.ts";
import { readAllTraces } from "../../src/store/traces/search_traces.ts";
import { attributePlain } from "../../src/store/traces/span_model.ts";

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

run("a traced stream is recorded once it ends, its chunks aggregated", async (c, p) => {
  const e = await endpoint(c, "tracked", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }], {
    usage_tracking: true,
  });
  const chunk = (delta: Json, finish: string | null, usage?: Json) =>
    JSON.stringify({
      id: "c9",
      object: "chat.completion.chunk",
      created: 7,
      model: "gpt-4o",
      choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
      ...(usage ? { usage } : {}),
    });
  p.answer("/v1/chat/completions", {
    sse: [
      chunk({ role: "assistant", content: "He" }, null),
      chunk(
        { tool_calls: [{ index: 0, id: "t1", type: "function", function: { name: "f" } }] },
        null,
      ),
      chunk({ content: "y", tool_calls: [{ index: 0, function: { arguments: "{}" } }] }, "stop"),
      chunk({}, null, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }),
    ],
  });
  const out = await streamText(c, "/gateway/mlflow/v1/chat/completions", {
    model: "tracked",
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  assert.equal(out.events.length, 4);
  const [info] = await readAllTraces(c.db, [e.experiment_id]);
  assert.ok(info, "a trace was recorded");
  assert.deepEqual(JSON.parse(info.metadata["mlflow.trace.tokenUsage"]!), {
    input_tokens: 2,
    output_tokens: 3,
    total_tokens: 5,
  });
  const { spans } = await new TraceStore(c.db, c.stores.experiments).getWithSpans(info.trace_id);
  assert.deepEqual(spans.map((s) => s.name), ["gateway/tracked", "provider/openai/gpt-4o"]);
  assert.deepEqual(attributePlain(spans[0]!, "mlflow.spanOutputs"), {
    id: "c9",
    object: "chat.completion",
    created: 7,
    model: "gpt-4o",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: "Hey",
        tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      finish_reason: "stop",
    }],
    usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
  });

  p.answer("/v1/chat/completions", { json: { error: { message: "nope" } }, status: 400 });
  const failed = await streamText(c, "/gateway/tracked/mlflow/invocations", {
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  assert.equal(failed.events[0].error.message, "400: nope");
  const all = await readAllTraces(c.db, [e.experiment_id]);
  assert.deepEqual(all.map((t) => t.state).sort(), ["ERROR", "OK"]);
});
