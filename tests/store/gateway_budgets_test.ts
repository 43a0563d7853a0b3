/**
 * AI Gateway budget policies and windows through the HTTP app on every test backend: create,
 * get, update (scope/target rules), delete, paged list by id, windows aligned as MLflow aligns
 * them; MLflow's refusals.
 */
import assert from "node:assert/strict";
import { budgetWindow } from "../../src/store/gateway/budget_store.ts";
import { testBackends } from "../support/backends.ts";
import { type Json, withGateway } from "./gateway_support.ts";

const POLICY = {
  budget_unit: "USD",
  budget_amount: 100.5,
  duration: { unit: "DAYS", value: 1 },
  target_scope: "GLOBAL",
  budget_action: "ALERT",
};

Deno.test("budget windows are aligned as MLflow's budget tracker aligns them", () => {
  const now = Date.UTC(2026, 10, 30, 14, 37, 12);
  assert.deepEqual(budgetWindow({ unit: "MINUTES", value: 15 }, now), {
    start: Date.UTC(2026, 10, 30, 14, 30),
    end: Date.UTC(2026, 10, 30, 14, 45),
  });
  assert.deepEqual(budgetWindow({ unit: "HOURS", value: 6 }, now), {
    start: Date.UTC(2026, 10, 30, 12),
    end: Date.UTC(2026, 10, 30, 18),
  });
  // 2026-11-29 is a Sunday: weeks start on Sundays.
  assert.deepEqual(budgetWindow({ unit: "WEEKS", value: 1 }, now), {
    start: Date.UTC(2026, 10, 29),
    end: Date.UTC(2026, 11, 6),
  });
  assert.deepEqual(budgetWindow({ unit: "MONTHS", value: 3 }, now), {
    start: Date.UTC(2026, 9, 1),
    end: Date.UTC(2027, 0, 1),
  });
  assert.deepEqual(budgetWindow({ unit: "DAYS", value: 1 }, now), {
    start: Date.UTC(2026, 10, 30),
    end: Date.UTC(2026, 11, 1),
  });
});

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] gateway budgets: CRUD, paging, windows, refusals`, () =>
    withGateway(backend, async (c) => {
      const created = await c.call("POST", "/gateway/budgets/create", {
        ...POLICY,
        created_by: "admin",
      });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      const p = created.json.budget_policy;
      assert.match(p.budget_policy_id, /^bp-[0-9a-f]{32}$/);
      assert.equal(p.budget_amount, 100.5);
      assert.deepEqual(p.duration, { unit: "DAYS", value: 1 });
      assert.equal(p.created_by, "admin");
      assert.equal(p.last_updated_by, "admin");
      assert.equal(p.target_value, undefined);
      const got = await c.call("GET", "/gateway/budgets/get", {
        budget_policy_id: p.budget_policy_id,
      });
      assert.deepEqual(got.json.budget_policy, p);

      const refuse = async (body: Json, message: string | RegExp) => {
        const r = await c.call("POST", "/gateway/budgets/create", { ...POLICY, ...body });
        assert.equal(r.status, 400, JSON.stringify(r.json));
        if (typeof message === "string") assert.equal(r.json.message, message);
        else assert.match(r.json.message, message);
      };
      await refuse(
        { target_scope: "ENDPOINT" },
        "target_value is required when target_scope is ENDPOINT.",
      );
      await refuse(
        { target_value: "x" },
        "target_value can only be set when target_scope is ENDPOINT or USER.",
      );
      await refuse({ target_scope: "USER", target_value: "bob" }, /require server authentication/);
      await refuse(
        { duration: { unit: "DAYS", value: 0 } },
        "duration.value must be a positive integer, got 0",
      );
      await refuse({ duration: { unit: 0, value: 1 } }, "Invalid duration.unit: 0");
      await refuse({ budget_amount: undefined }, /required parameter 'budget_amount'/);
      const noEndpoint = await c.call("POST", "/gateway/budgets/create", {
        ...POLICY,
        target_scope: "ENDPOINT",
        target_value: "e-none",
      });
      assert.equal(noEndpoint.json.message, "GatewayEndpoint not found (endpoint_id='e-none')");

      const upd = await c.call("POST", "/gateway/budgets/update", {
        budget_policy_id: p.budget_policy_id,
        budget_amount: 5,
        duration: { unit: "HOURS", value: 2 },
        budget_action: "REJECT",
        updated_by: "root",
      });
      assert.equal(upd.status, 200, JSON.stringify(upd.json));
      assert.equal(upd.json.budget_policy.budget_amount, 5);
      assert.equal(upd.json.budget_policy.budget_action, "REJECT");
      assert.equal(upd.json.budget_policy.last_updated_by, "root");
      const badUpd = await c.call("POST", "/gateway/budgets/update", {
        budget_policy_id: p.budget_policy_id,
        target_scope: "ENDPOINT",
      });
      assert.equal(badUpd.json.message, "target_value is required when target_scope is ENDPOINT.");

      for (let i = 0; i < 3; i++) await c.call("POST", "/gateway/budgets/create", POLICY);
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const page = await c.call("GET", "/gateway/budgets/list", {
          max_results: "3",
          ...(token ? { page_token: token } : {}),
        });
        ids.push(...page.json.budget_policies.map((b: Json) => b.budget_policy_id));
        token = page.json.next_page_token;
      } while (token);
      assert.equal(ids.length, 4);
      assert.deepEqual(ids, [...ids].sort());

      const windows = (await c.call("GET", "/gateway/budgets/windows")).json.windows;
      assert.equal(windows.length, 4);
      const w = windows.find((x: Json) => x.budget_policy_id === p.budget_policy_id);
      assert.equal(w.window_end_ms - w.window_start_ms, 2 * 3_600_000);
      assert.equal(w.current_spend, 0);

      await c.call("DELETE", "/gateway/budgets/delete", { budget_policy_id: p.budget_policy_id });
      const gone = await c.call("GET", "/gateway/budgets/get", {
        budget_policy_id: p.budget_policy_id,
      });
      assert.equal(
        gone.json.message,
        `BudgetPolicy not found (budget_policy_id='${p.budget_policy_id}')`,
      );
      const badMax = await c.call("GET", "/gateway/budgets/list", { max_results: "-1" });
      assert.equal(badMax.status, 400);
    }));

  Deno.test(`[${backend.name}] gateway budgets: USER scope with authentication`, () =>
    withGateway(backend, async (c) => {
      const r = await c.call("POST", "/gateway/budgets/create", {
        ...POLICY,
        target_scope: "USER",
        target_value: "bob",
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.budget_policy.target_value, "bob");
      const moved = await c.call("POST", "/gateway/budgets/update", {
        budget_policy_id: r.json.budget_policy.budget_policy_id,
        target_scope: "GLOBAL",
      });
      assert.equal(moved.json.budget_policy.target_value, undefined);
    }, { authEnabled: true }));
}
