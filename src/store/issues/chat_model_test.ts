import assert from "node:assert/strict";
import type { GatewayStores } from "../gateway/gateway_store.ts";
import { chatModel, ProviderError, providerKeyVars, resolveTarget } from "./chat_model.ts";
import { jobError, pyRepr } from "./detection_job.ts";

const strict = { allowedSchemes: ["https"], allowPrivateIps: false };
const noGateway = {} as GatewayStores;

Deno.test("a provider's key comes from its environment variables, as MLflow's table names them", async () => {
  assert.deepEqual(providerKeyVars("openai"), ["OPENAI_API_KEY"]);
  assert.deepEqual(providerKeyVars("bedrock"), [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
  ]);
  assert.equal(providerKeyVars("acme"), undefined);
  const env: Record<string, string> = { GROQ_API_KEY: "g-1" };
  const target = await resolveTarget({ uri: "Groq:/llama" }, {
    gateway: noGateway,
    env: (n) => env[n],
    apiBase: strict,
  });
  assert.deepEqual(target, {
    provider: "groq",
    model: "llama",
    apiKey: "g-1",
    apiBase: undefined,
    apiBaseFromSecret: false,
  });
});

Deno.test("the chat call: OpenAI's protocol, and every failure named after the provider", async () => {
  const bodies: unknown[] = [];
  const answer = (status: number, body: string) => (_url: unknown, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    return Promise.resolve(new Response(body, { status }));
  };
  const target = { provider: "groq", model: "llama", apiKey: "k", apiBaseFromSecret: false };
  const ok = await chatModel("groq:/llama", target, {
    apiBase: strict,
    fetch: answer(200, JSON.stringify({ choices: [{ message: { content: "hi" } }] })),
  });
  assert.equal(
    await ok.complete([{ role: "user", content: "q" }], { name: "n", schema: {} }),
    "hi",
  );
  assert.deepEqual(bodies[0], {
    model: "llama",
    messages: [{ role: "user", content: "q" }],
    response_format: { type: "json_schema", json_schema: { name: "n", schema: {} } },
  });
  const empty = await chatModel("groq:/llama", target, {
    apiBase: strict,
    fetch: answer(200, "not json"),
  });
  await assert.rejects(
    empty.complete([]),
    (e: Error) =>
      e instanceof ProviderError &&
      e.message === "Provider 'groq' answered without a message: not json",
  );
  const down = await chatModel("groq:/llama", target, {
    apiBase: strict,
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  await assert.rejects(down.complete([]), /Failed to reach provider 'groq': connection refused/);
  await assert.rejects(
    chatModel("anthropic:/claude", { ...target, provider: "anthropic" }, { apiBase: strict }),
    /Provider 'anthropic' is not supported for issue detection by this server/,
  );
  // An api_base from a stored secret is checked with the gateway's SSRF rules before any call.
  await assert.rejects(
    chatModel("openai:/m", {
      provider: "openai",
      model: "m",
      apiBase: "http://127.0.0.1:9/v1",
      apiBaseFromSecret: true,
    }, { apiBase: strict }),
    /Invalid Gateway secret api_base scheme: 'http'/,
  );
});

Deno.test("a failed job's error is Python's repr of MLflow's exception", () => {
  assert.equal(pyRepr("plain"), "'plain'");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pyRepr("a\\b\nc\td"), "'a\\\\b\\nc\\td'");
  assert.equal(jobError(new Error("boom")), "MlflowException('boom')");
  assert.equal(jobError("x".repeat(20_001)).length, "MlflowException('')".length + 20_001);
});
