/**
 * Budgets on invocation, against the fake provider: a tracked call is priced from its token
 * usage with MLflow's catalog prices and charged to the applying policies' current windows
 * (`budgets/windows` shows it); a REJECT policy whose window is spent refuses the next call with
 * MLflow's 429 before the provider is reached; ALERT policies and other endpoints' policies never
 * refuse; an untracked call costs nothing (MLflow prices calls from their traces).
 */
import assert from "node:assert/strict";
import {
  budgetExceededDetail,
  callCost,
} from "../../src/store/gateway/invoke/budget_enforcement.ts";
import { budgetWindow } from "../../src/store/gateway/budget_store.ts";
import {
  COMPLETION,
  endpoint,
  type GatewayCtx,
  post,
  run,
} from "../support/gateway_invoke_support.ts";

// gpt-4o: $2.50 per million input tokens, $10 per million output tokens (MLflow's catalog).
const USAGE = { prompt_tokens: 100_000, completion_tokens: 50_000, total_tokens: 150_000 };
const COST = 0.75; // 100k × 2.5e-6 + 50k × 1e-5

async function budget(c: GatewayCtx, body: Record<string, unknown>) {
  const r = await c.call("POST", "/gateway/budgets/create", {
    budget_unit: "USD",
    duration: { unit: "DAYS", value: 1 },
    target_scope: "GLOBAL",
    budget_action: "REJECT",
    ...body,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.budget_policy;
}

const ask = (c: GatewayCtx, name = "chat") =>
  post(c, `/gateway/${name}/mlflow/invocations`, {
    messages: [{ role: "user", content: "hello" }],
  });

Deno.test("calls are priced as MLflow's bundled catalog prices them", () => {
  assert.equal(
    callCost("openai", "gpt-4o", { input_tokens: 100_000, output_tokens: 50_000 }),
    COST,
  );
  assert.equal(callCost("anthropic", "claude-sonnet-4-5", { input_tokens: 1e6 }), 3);
  assert.equal(callCost("openai", "unknown-model", { input_tokens: 1e6 }), 0);
  assert.equal(callCost("openai", "gpt-4o", undefined), 0);
});

Deno.test("the 429 detail is MLflow's", () => {
  const policy = {
    budget_amount: 1,
    duration: { unit: "DAYS" as const, value: 1 },
  };
  const w = budgetWindow(policy.duration, Date.UTC(2026, 10, 30, 12));
  assert.equal(
    // deno-lint-ignore no-explicit-any
    budgetExceededDetail({ policy: policy as any, ...w, spend: 1 }),
    "Budget limit exceeded. Limit: $1.00 USD per 1 day. Budget resets at " +
      "2026-12-01T00:00:00Z. Request rejected.",
  );
});

run("a spent REJECT budget refuses the next call with MLflow's 429", async (c, p) => {
  const e = await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }], {
    usage_tracking: true,
  });
  const other = await endpoint(c, "other", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/chat/completions", { json: { ...COMPLETION, usage: USAGE } });
  const reject = await budget(c, { budget_amount: 1 });
  const alert = await budget(c, { budget_amount: 0.5, budget_action: "ALERT" });
  const elsewhere = await budget(c, {
    budget_amount: 0.1,
    target_scope: "ENDPOINT",
    target_value: other.endpoint_id,
  });

  assert.equal((await ask(c)).status, 200);
  const spend = async () =>
    Object.fromEntries(
      ((await c.call("GET", "/gateway/budgets/windows")).json.windows as {
        budget_policy_id: string;
        current_spend: number;
      }[]).map((w) => [w.budget_policy_id, w.current_spend]),
    );
  let s = await spend();
  assert.equal(s[reject.budget_policy_id], COST);
  assert.equal(s[alert.budget_policy_id], COST, "an exceeded ALERT budget does not refuse");
  assert.equal(s[elsewhere.budget_policy_id], 0, "another endpoint's budget is not charged");

  assert.equal((await ask(c)).status, 200); // 0.75 < 1: allowed, now 1.5
  const calls = p.seen.length;
  const refused = await ask(c);
  assert.equal(refused.status, 429);
  assert.match(
    refused.json.detail,
    /^Budget limit exceeded\. Limit: \$1\.00 USD per 1 day\. Budget resets at \d{4}-\d\d-\d\dT00:00:00Z\. Request rejected\.$/,
  );
  assert.equal(p.seen.length, calls, "the provider is not called");
  s = await spend();
  assert.equal(s[reject.budget_policy_id], 2 * COST);
  assert.equal(e.usage_tracking, true);

  // The untracked endpoint: not charged by its own ENDPOINT budget, but refused by the GLOBAL one.
  assert.equal((await ask(c, "other")).status, 429);
});

run("an untracked call costs nothing", async (c, p) => {
  await endpoint(c, "chat", [{ model: "gpt-4o", apiBase: `${p.url}/v1` }]);
  p.answer("/v1/chat/completions", { json: { ...COMPLETION, usage: USAGE } });
  const b = await budget(c, { budget_amount: 0.01 });
  assert.equal((await ask(c)).status, 200);
  assert.equal((await ask(c)).status, 200);
  const w = (await c.call("GET", "/gateway/budgets/windows")).json.windows;
  assert.equal(
    w.find((x: { budget_policy_id: string }) => x.budget_policy_id === b.budget_policy_id)
      .current_spend,
    0,
  );
});
