/**
 * The AI Gateway invocation routes end to end against a fake provider on loopback: the request
 * MLflow would send for OpenAI-API providers (URL, headers, body), the answer in MLflow's shape,
 * and MLflow's errors (unknown endpoint, bad payloads, provider status passed through, timeouts,
 * the SSRF guard, a disabled gateway). Streams and Anthropic: `gateway_invoke_stream_test.ts`;
 * routing, fallbacks and passthrough: `gateway_invoke_routing_test.ts`.
 */
import assert from "node:assert/strict";
import { engineBackend } from "../support/backends.ts";
import { withGateway } from "../store/gateway_support.ts";
import {
  COMPLETION,
  endpoint,
  type Json,
  LOOPBACK,
  post,
  run,
} from "../support/gateway_invoke_support.ts";
import { withFakeProvider } from "../support/fake_provider.ts";
import { TraceStore } from "../../src/store/traces/trace_store.ts";
import { readAllTraces } from "../../src/store/traces/search_traces.ts";

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

Deno.test("MLFLOW_GATEWAY_ALLOWED_PROVIDERS refuses other providers before any call", async () => {
  Deno.env.set("MLFLOW_GATEWAY_ALLOWED_PROVIDERS", "anthropic, Amazon-Bedrock");
  try {
    await withFakeProvider((p) =>
      withGateway(engineBackend, async (c) => {
        await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
        const res = await post(c, "/gateway/chat/mlflow/invocations", {
          messages: [{ role: "user", content: "x" }],
        });
        assert.deepEqual(res, {
          status: 400,
          json: {
            detail: {
              error_code: "INVALID_PARAMETER_VALUE",
              message: "Provider 'openai' is not allowed by the current gateway provider policy.",
            },
          },
        });
        assert.equal(p.seen.length, 0);
      }, LOOPBACK)
    );
  } finally {
    Deno.env.delete("MLFLOW_GATEWAY_ALLOWED_PROVIDERS");
  }
});

run("usage tracking records each call as a trace in the endpoint's experiment", async (c, p) => {
  const e = await endpoint(c, "tracked", [
    { model: "primary", apiBase: `${p.url}/primary` },
    { model: "backup", apiBase: `${p.url}/backup`, linkage: "FALLBACK" },
  ], { usage_tracking: true, fallback_config: { strategy: "SEQUENTIAL" } });
  p.answer("/primary/chat/completions", { json: { error: { message: "down" } }, status: 503 });
  p.answer("/backup/chat/completions", { json: COMPLETION });
  const res = await post(c, "/gateway/tracked/mlflow/invocations", {
    messages: [{ role: "user", content: "hello" }],
  }, { "user-agent": "judge-bot/1.0" });
  assert.equal(res.status, 200);

  const traces = new TraceStore(c.db, c.stores.experiments);
  const records = await readAllTraces(c.db, [e.experiment_id]);
  assert.equal(records.length, 1);
  const info = records[0]!;
  assert.equal(info.state, "OK");
  assert.equal(info.metadata["mlflow.gateway.endpointId"], e.endpoint_id);
  assert.equal(info.metadata["mlflow.gateway.requestType"], "unified/chat");
  assert.equal(info.metadata["mlflow.gateway.caller"], "judge-bot");
  assert.deepEqual(JSON.parse(info.metadata["mlflow.trace.tokenUsage"]!), {
    input_tokens: 3,
    output_tokens: 1,
    total_tokens: 4,
  });
  assert.match(String(info.request_preview), /hello/);
  const { spans } = await traces.getWithSpans(info.trace_id);
  assert.deepEqual(spans.map((s) => s.name), [
    "gateway/tracked",
    "provider/openai/primary",
    "provider/openai/backup",
  ]);
  assert.deepEqual(spans.map((s) => s.status?.code), [1, 2, 1]);
  // attributes as the SDK exports them: plain OTLP values, not JSON text
  const value = (key: string) => spans[0]!.attributes?.find((a) => a.key === key)?.value;
  assert.deepEqual(value("mlflow.spanType"), { stringValue: "UNKNOWN" });
  assert.deepEqual(value("mlflow.spanInputs")?.kvlistValue?.values?.[0], {
    key: "n",
    value: { intValue: "1" },
  });
  assert.equal(spans[1]!.status?.message, "503: down");

  p.answer("/backup/chat/completions", { json: { error: { message: "gone" } }, status: 404 });
  const failed = await post(c, "/gateway/tracked/mlflow/invocations", { input: "x" });
  assert.equal(failed.status, 404);
  const after = await readAllTraces(c.db, [e.experiment_id]);
  assert.equal(after.length, 2);
  const errored = after.find((t) => t.trace_id !== info.trace_id)!;
  assert.equal(errored.state, "ERROR");
  assert.equal(errored.metadata["mlflow.gateway.requestType"], "unified/embeddings");
});
