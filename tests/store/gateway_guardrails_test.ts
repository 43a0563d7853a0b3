/**
 * AI Gateway guardrails through the HTTP app on every test backend: create over a registered
 * scorer version (by the scorer's id), get, paged list, attach to endpoints with execution
 * order, update, list per endpoint in MLflow's order, detach, delete (also detaching), and
 * MLflow's refusals (unknown scorer or version, `@scorer` code, bad enums, duplicates).
 */
import assert from "node:assert/strict";
import { ScorerStore } from "../../src/store/scorers/scorer_store.ts";
import { testBackends } from "../support/backends.ts";
import { type Json, withGateway } from "./gateway_support.ts";

const JUDGE = JSON.stringify({
  name: "polite",
  aggregations: null,
  mlflow_version: "3.17.2",
  serialization_version: 1,
  instructions_judge_pydantic_data: { instructions: "Is {{ outputs }} polite?", model: "x:/y" },
});
const CUSTOM = JSON.stringify({
  name: "mine",
  call_source: "def mine(outputs): return True",
  mlflow_version: "3.17.2",
});

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] gateway guardrails`, () =>
    withGateway(backend, async (c) => {
      const scorers = new ScorerStore(c.db, c.stores.experiments);
      const exp = await c.stores.experiments.create({ name: "gr" });
      const judge = await scorers.register(exp, "polite", JUDGE);
      await scorers.register(exp, "polite", JUDGE);
      const custom = await scorers.register(exp, "mine", CUSTOM);
      const secret = (await c.call("POST", "/gateway/secrets/create", {
        secret_name: "k",
        secret_value: { api_key: "sk-1234567890" },
      })).json.secret;
      const def = (await c.call("POST", "/gateway/model-definitions/create", {
        name: "d",
        secret_id: secret.secret_id,
        provider: "openai",
        model_name: "m",
      })).json.model_definition;
      const endpoint = (await c.call("POST", "/gateway/endpoints/create", {
        name: "ep",
        model_configs: [{ model_definition_id: def.model_definition_id, linkage_type: "PRIMARY" }],
        usage_tracking: false,
      })).json.endpoint;

      const create = (body: Json) =>
        c.call("POST", "/gateway/guardrails/create", {
          name: "g",
          scorer_id: judge.scorer_id,
          scorer_version: 1,
          stage: "BEFORE",
          action: "VALIDATION",
          ...body,
        });
      const g1 = await create({ action_endpoint_id: endpoint.endpoint_id });
      assert.equal(g1.status, 200, JSON.stringify(g1.json));
      const gr = g1.json.guardrail;
      assert.match(gr.guardrail_id, /^gr-[0-9a-f]{32}$/);
      assert.equal(gr.scorer.scorer_version, 1);
      assert.equal(gr.scorer.scorer_name, "polite");
      assert.equal(gr.stage, "BEFORE");
      assert.equal(gr.action_endpoint_id, "ep", "answered as the endpoint's name, as MLflow");
      assert.equal(gr.created_by, "");
      const g2 = (await create({ name: "g2", stage: 2, action: "SANITIZATION" })).json.guardrail;
      assert.equal(g2.stage, "AFTER");
      assert.deepEqual(
        (await c.call("GET", "/gateway/guardrails/get", { guardrail_id: gr.guardrail_id })).json
          .guardrail,
        gr,
      );

      const noVersion = await create({ scorer_version: 7 });
      assert.equal(
        noVersion.json.message,
        `Scorer with ID '${judge.scorer_id}' and version 7 not found.`,
      );
      const noScorer = await create({ scorer_id: "nope" });
      assert.equal(noScorer.json.message, "Scorer with ID 'nope' not found.");
      const code = await create({ scorer_id: custom.scorer_id });
      assert.match(code.json.message, /do not support custom scorers/);
      assert.equal((await create({ stage: 0 })).json.message, "Invalid stage: 0");
      assert.match((await create({ scorer_version: undefined })).json.message, /scorer_version/);

      const page1 = await c.call("GET", "/gateway/guardrails/list", { max_results: "1" });
      assert.equal(page1.json.guardrails.length, 1);
      const page2 = await c.call("GET", "/gateway/guardrails/list", {
        max_results: "1",
        page_token: page1.json.next_page_token,
      });
      assert.equal(page2.json.next_page_token, undefined);
      assert.deepEqual(
        [page1.json.guardrails[0].guardrail_id, page2.json.guardrails[0].guardrail_id],
        [gr.guardrail_id, g2.guardrail_id].sort(),
      );

      const add = (guardrail_id: string, execution_order?: number) =>
        c.call("POST", "/gateway/guardrails/add-to-endpoint", {
          endpoint_id: endpoint.endpoint_id,
          guardrail_id,
          ...(execution_order !== undefined ? { execution_order } : {}),
        });
      const a1 = await add(gr.guardrail_id);
      assert.equal(a1.status, 200, JSON.stringify(a1.json));
      assert.equal(a1.json.config.execution_order, undefined);
      assert.equal((await add(g2.guardrail_id, 5)).json.config.execution_order, 5);
      const dup = await add(gr.guardrail_id);
      assert.deepEqual(dup.json, {
        error_code: "RESOURCE_ALREADY_EXISTS",
        message: `Guardrail '${gr.guardrail_id}' is already added to endpoint ` +
          `'${endpoint.endpoint_id}'`,
      });
      let listed = await c.call("GET", "/gateway/guardrails/list-for-endpoint", {
        endpoint_id: endpoint.endpoint_id,
      });
      assert.deepEqual(
        listed.json.configs.map((x: Json) => x.guardrail_id),
        [g2.guardrail_id, gr.guardrail_id],
        "ordered ones first",
      );
      assert.equal(listed.json.configs[0].guardrail.name, "g2");
      const upd = await c.call("PATCH", "/gateway/guardrails/update-config", {
        endpoint_id: endpoint.endpoint_id,
        guardrail_id: gr.guardrail_id,
        execution_order: 1,
      });
      assert.equal(upd.json.config.execution_order, 1);
      listed = await c.call("GET", "/gateway/guardrails/list-for-endpoint", {
        endpoint_id: endpoint.endpoint_id,
      });
      assert.deepEqual(listed.json.configs.map((x: Json) => x.guardrail_id), [
        gr.guardrail_id,
        g2.guardrail_id,
      ]);
      await c.call("DELETE", "/gateway/guardrails/remove-from-endpoint", {
        endpoint_id: endpoint.endpoint_id,
        guardrail_id: gr.guardrail_id,
      });
      const again = await c.call("DELETE", "/gateway/guardrails/remove-from-endpoint", {
        endpoint_id: endpoint.endpoint_id,
        guardrail_id: gr.guardrail_id,
      });
      assert.equal(
        again.json.message,
        `GuardrailConfig not found (endpoint_id='${endpoint.endpoint_id}', ` +
          `guardrail_id='${gr.guardrail_id}')`,
      );
      const noEndpoint = await c.call("GET", "/gateway/guardrails/list-for-endpoint", {
        endpoint_id: "e-none",
      });
      assert.equal(noEndpoint.json.message, "Endpoint not found (endpoint_id='e-none')");

      await c.call("DELETE", "/gateway/guardrails/delete", { guardrail_id: g2.guardrail_id });
      listed = await c.call("GET", "/gateway/guardrails/list-for-endpoint", {
        endpoint_id: endpoint.endpoint_id,
      });
      assert.deepEqual(listed.json, {}, "deleting a guardrail detaches it");
      const gone = await c.call("GET", "/gateway/guardrails/get", {
        guardrail_id: g2.guardrail_id,
      });
      assert.equal(gone.json.message, `Guardrail not found (guardrail_id='${g2.guardrail_id}')`);
      // Deleting every version of a scorer drops its id pointer.
      await scorers.delete(exp, "mine");
      await assert.rejects(() => scorers.getById(custom.scorer_id!), /not found/);
    }));
}
