/**
 * Guardrails on invocation, against the fake provider: a `make_judge` guardrail whose model is a
 * gateway endpoint is evaluated by a chat call to that endpoint; a passing verdict lets the call
 * through, a failing one blocks with MLflow's 400 before (BEFORE) or after (AFTER) the provider
 * call; a SANITIZATION guardrail has its action endpoint rewrite the request; custom-code and
 * non-gateway judges refuse the call instead of skipping the guardrail.
 */
import assert from "node:assert/strict";
import { ScorerStore } from "../../src/store/scorers/scorer_store.ts";
import {
  COMPLETION,
  endpoint,
  type GatewayCtx,
  type Json,
  post,
  run,
} from "../support/gateway_invoke_support.ts";
import type { FakeProvider } from "../support/fake_provider.ts";

const judgeScorer = (model: string) =>
  JSON.stringify({
    name: "polite",
    mlflow_version: "3.17.2",
    serialization_version: 1,
    instructions_judge_pydantic_data: { instructions: "Is {{ inputs }} polite?", model },
  });

/** A verdict the fake judge answers. */
const verdict = (result: unknown, rationale: string) => ({
  json: {
    ...COMPLETION,
    choices: [{
      index: 0,
      message: { role: "assistant", content: JSON.stringify({ result, rationale }) },
      finish_reason: "stop",
    }],
  },
});

/** A chat endpoint on /v1, a judge endpoint on /judge/v1 and a guardrail on the chat endpoint. */
async function setUp(
  c: GatewayCtx,
  p: FakeProvider,
  guard: { stage?: string; action?: string; scorer?: string; action_endpoint?: boolean } = {},
): Promise<Json> {
  const chat = await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  const judge = await endpoint(c, "judge", [{ model: "gpt-judge", apiBase: `${p.url}/judge/v1` }]);
  const scorers = new ScorerStore(c.db, c.stores.experiments);
  const exp = await c.stores.experiments.create({ name: "gr" });
  const s = await scorers.register(exp, "polite", guard.scorer ?? judgeScorer("gateway:/judge"));
  const g = await c.call("POST", "/gateway/guardrails/create", {
    name: "polite-guard",
    scorer_id: s.scorer_id,
    scorer_version: 1,
    stage: guard.stage ?? "BEFORE",
    action: guard.action ?? "VALIDATION",
    ...(guard.action_endpoint ? { action_endpoint_id: judge.endpoint_id } : {}),
  });
  assert.equal(g.status, 200, JSON.stringify(g.json));
  const a = await c.call("POST", "/gateway/guardrails/add-to-endpoint", {
    endpoint_id: chat.endpoint_id,
    guardrail_id: g.json.guardrail.guardrail_id,
  });
  assert.equal(a.status, 200, JSON.stringify(a.json));
  p.answer("/v1/chat/completions", { json: COMPLETION });
  return chat;
}

const ask = (c: GatewayCtx) =>
  post(c, "/gateway/chat/mlflow/invocations", { messages: [{ role: "user", content: "hello" }] });

run("a passing judge lets the call through", async (c, p) => {
  await setUp(c, p);
  p.answer("/judge/v1/chat/completions", verdict("yes", "it is polite"));
  const res = await ask(c);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.choices[0].message.content, "hi");
  const judged = p.seen.find((s) => s.path === "/judge/v1/chat/completions")!;
  assert.equal(judged.body.model, "gpt-judge");
  assert.match(judged.body.messages[0].content, /Is \{.*"messages":.*"hello".*\} polite\?/);
  assert.equal(p.seen.at(-1)!.path, "/v1/chat/completions", "the provider is called after");
});

run(
  "a failing BEFORE judge blocks with MLflow's 400 and the provider is never called",
  async (c, p) => {
    await setUp(c, p);
    p.answer("/judge/v1/chat/completions", verdict("no", "rude request"));
    const res = await ask(c);
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { detail: "Guardrail 'polite-guard' blocked: rude request" });
    assert.equal(p.seen.filter((s) => s.path === "/v1/chat/completions").length, 0);
    // The OpenAI-compatible route and a stream are guarded too.
    const oai = await post(c, "/gateway/mlflow/v1/chat/completions", {
      model: "chat",
      messages: [{ role: "user", content: "hello" }],
    });
    assert.equal(oai.status, 400);
    const stream = await post(c, "/gateway/chat/mlflow/invocations", {
      messages: [{ role: "user", content: "hello" }],
      stream: true,
    });
    assert.equal(stream.status, 400);
    assert.equal(p.seen.filter((s) => s.path === "/v1/chat/completions").length, 0);
  },
);

run("an AFTER judge sees the answer and blocks it", async (c, p) => {
  await setUp(c, p, { stage: "AFTER" });
  p.answer("/judge/v1/chat/completions", verdict(false, "answer leaks data"));
  const res = await ask(c);
  assert.deepEqual(res.json, { detail: "Guardrail 'polite-guard' blocked: answer leaks data" });
  const judged = p.seen.find((s) => s.path === "/judge/v1/chat/completions")!;
  assert.match(judged.body.messages[1].content, /"outputs":.*"hi"/);
});

run("a SANITIZATION guardrail sends the rewritten request", async (c, p) => {
  await setUp(c, p, { action: "SANITIZATION", action_endpoint: true });
  // The same endpoint judges ("no") and rewrites; the rewrite is a JSON payload.
  const rewritten = { messages: [{ role: "user", content: "[REDACTED]" }] };
  p.answer("/judge/v1/chat/completions", {
    json: {
      ...COMPLETION,
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: JSON.stringify({ result: "no", rationale: "pii", ...rewritten }),
        },
        finish_reason: "stop",
      }],
    },
  });
  const res = await ask(c);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const sent = p.seen.at(-1)!;
  assert.equal(sent.path, "/v1/chat/completions");
  assert.deepEqual(sent.body.messages, rewritten.messages);
});

run("a judge outside the gateway or custom code refuses the call", async (c, p) => {
  await setUp(c, p, { scorer: judgeScorer("openai:/gpt-4o") });
  const res = await ask(c);
  assert.equal(res.status, 501);
  assert.match(res.json.detail, /Guardrail 'polite-guard' needs a judge/);
  assert.equal(p.seen.length, 0);
});

run("an unreadable verdict fails the call rather than passing it", async (c, p) => {
  await setUp(c, p);
  p.answer("/judge/v1/chat/completions", { json: COMPLETION });
  const res = await ask(c);
  assert.equal(res.status, 500);
  assert.equal(p.seen.filter((s) => s.path === "/v1/chat/completions").length, 0);
});

run("a SANITIZATION guardrail without a usable rewrite blocks as MLflow", async (c, p) => {
  await setUp(c, p, { action: "SANITIZATION" });
  p.answer("/judge/v1/chat/completions", verdict("no", "pii"));
  assert.deepEqual((await ask(c)).json, {
    detail: "Guardrail 'polite-guard' blocked: Sanitization requires an action_llm_url but " +
      "none was configured.",
  });
});
