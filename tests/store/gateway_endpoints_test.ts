/**
 * AI Gateway model definitions, endpoints, model attachments, tags and bindings through the
 * HTTP app on every test backend, with MLflow's answers and refusals.
 */
import assert from "node:assert/strict";
import { testBackends } from "../support/backends.ts";
import { type GatewayCtx, type Json, withGateway } from "./gateway_support.ts";

async function secretAndDefs(c: GatewayCtx) {
  const secret = (await c.call("POST", "/gateway/secrets/create", {
    secret_name: "key",
    secret_value: { api_key: "sk-1234567890" },
    provider: "openai",
  })).json.secret;
  const def = async (name: string, provider = "openai") =>
    (await c.call("POST", "/gateway/model-definitions/create", {
      name,
      secret_id: secret.secret_id,
      provider,
      model_name: `${name}-model`,
      created_by: "alice",
    })).json.model_definition;
  return { secret, a: await def("gpt"), b: await def("claude", "anthropic") };
}

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: GatewayCtx) => Promise<void>) =>
    Deno.test(`[${backend.name}] gateway endpoints: ${name}`, () => withGateway(backend, fn));

  t("model definitions: create, get, list, update, delete", async (c) => {
    const { secret, a, b } = await secretAndDefs(c);
    assert.match(a.model_definition_id, /^d-[0-9a-f]{32}$/);
    assert.equal(a.secret_name, "key");
    assert.equal(a.secret_id, secret.secret_id);
    assert.equal(a.model_name, "gpt-model");
    const got = await c.call("GET", "/gateway/model-definitions/get", {
      model_definition_id: a.model_definition_id,
    });
    assert.deepEqual(got.json.model_definition, a);
    const byProvider = await c.call("GET", "/gateway/model-definitions/list", {
      provider: "anthropic",
    });
    assert.deepEqual(byProvider.json.model_definitions, [b]);
    const dup = await c.call("POST", "/gateway/model-definitions/create", {
      name: "gpt",
      secret_id: secret.secret_id,
      provider: "openai",
      model_name: "m",
    });
    assert.deepEqual(dup.json, {
      error_code: "RESOURCE_ALREADY_EXISTS",
      message: "Model definition with name 'gpt' already exists",
    });
    const noSecret = await c.call("POST", "/gateway/model-definitions/create", {
      name: "n",
      secret_id: "s-missing",
      provider: "openai",
      model_name: "m",
    });
    assert.equal(noSecret.json.message, "GatewaySecret not found (secret_id='s-missing')");
    const renamed = await c.call("POST", "/gateway/model-definitions/update", {
      model_definition_id: b.model_definition_id,
      name: "gpt",
    });
    assert.equal(renamed.json.error_code, "RESOURCE_ALREADY_EXISTS");
    const upd = await c.call("POST", "/gateway/model-definitions/update", {
      model_definition_id: b.model_definition_id,
      name: "claude-2",
      model_name: "claude-x",
      updated_by: "bob",
    });
    assert.equal(upd.json.model_definition.name, "claude-2");
    assert.equal(upd.json.model_definition.model_name, "claude-x");
    assert.equal(upd.json.model_definition.last_updated_by, "bob");
    // The old name is free, the new one taken.
    assert.equal(
      (await c.call("POST", "/gateway/model-definitions/create", {
        name: "claude",
        secret_id: secret.secret_id,
        provider: "anthropic",
        model_name: "m",
      })).status,
      200,
    );
    // Deleting the secret leaves the definitions without one (MLflow's SET NULL).
    await c.call("DELETE", "/gateway/secrets/delete", { secret_id: secret.secret_id });
    const orphan = (await c.call("GET", "/gateway/model-definitions/get", {
      model_definition_id: a.model_definition_id,
    })).json.model_definition;
    assert.equal(orphan.secret_id, undefined);
    assert.equal(orphan.secret_name, undefined);
    const del = await c.call("DELETE", "/gateway/model-definitions/delete", {
      model_definition_id: a.model_definition_id,
    });
    assert.equal(del.status, 200);
    const gone = await c.call("GET", "/gateway/model-definitions/get", {
      model_definition_id: a.model_definition_id,
    });
    assert.equal(
      gone.json.message,
      `GatewayModelDefinition not found (model_definition_id='${a.model_definition_id}')`,
    );
  });

  t("endpoints: create with routing and fallbacks, get, list, update, delete", async (c) => {
    const { a, b } = await secretAndDefs(c);
    const res = await c.call("POST", "/gateway/endpoints/create", {
      name: "chat",
      model_configs: [
        { model_definition_id: a.model_definition_id, linkage_type: "PRIMARY", weight: 0.7 },
        { model_definition_id: b.model_definition_id, linkage_type: "FALLBACK", fallback_order: 0 },
      ],
      routing_strategy: "REQUEST_BASED_TRAFFIC_SPLIT",
      fallback_config: { strategy: "SEQUENTIAL", max_attempts: 2 },
      created_by: "alice",
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const e = res.json.endpoint;
    assert.match(e.endpoint_id, /^e-[0-9a-f]{32}$/);
    assert.equal(e.name, "chat");
    assert.equal(e.routing_strategy, "REQUEST_BASED_TRAFFIC_SPLIT");
    assert.deepEqual(e.fallback_config, { strategy: "SEQUENTIAL", max_attempts: 2 });
    assert.equal(e.usage_tracking, true);
    assert.equal(e.model_mappings.length, 2);
    assert.equal(e.model_mappings[0].weight, 0.7);
    assert.equal(e.model_mappings[0].linkage_type, "PRIMARY");
    assert.deepEqual(e.model_mappings[0].model_definition, a);
    assert.equal(e.model_mappings[1].fallback_order, 0);
    assert.equal(e.model_mappings[1].endpoint_id, e.endpoint_id);
    // Usage tracking created MLflow's gateway experiment.
    const exp = await c.stores.experiments.getByName("gateway/chat");
    assert.equal(e.experiment_id, exp.experimentId);
    assert.equal(exp.tags["mlflow.experiment.isGateway"], "true");
    assert.equal(exp.tags["mlflow.experiment.sourceId"], e.endpoint_id);

    const byName = await c.call("GET", "/gateway/endpoints/get", { name: "chat" });
    assert.deepEqual(byName.json.endpoint, e);
    const both = await c.call("GET", "/gateway/endpoints/get", {
      name: "chat",
      endpoint_id: e.endpoint_id,
    });
    assert.equal(both.json.message, "Exactly one of endpoint_id or name must be provided");

    const plain = (await c.call("POST", "/gateway/endpoints/create", {
      name: "plain.v1",
      model_configs: [{ model_definition_id: b.model_definition_id, linkage_type: 1 }],
      usage_tracking: false,
    })).json.endpoint;
    assert.equal(plain.usage_tracking, false);
    assert.equal(plain.experiment_id, undefined);
    assert.equal(plain.fallback_config, undefined);
    assert.equal(plain.created_by, "");

    const openai = await c.call("GET", "/gateway/endpoints/list", { provider: "openai" });
    assert.deepEqual(openai.json.endpoints.map((x: Json) => x.name), ["chat"]);
    const all = await c.call("GET", "/gateway/endpoints/list");
    assert.deepEqual(all.json.endpoints.map((x: Json) => x.name), ["chat", "plain.v1"]);

    const upd = await c.call("POST", "/gateway/endpoints/update", {
      endpoint_id: plain.endpoint_id,
      name: "plain-v2",
      model_configs: [{ model_definition_id: a.model_definition_id, linkage_type: "PRIMARY" }],
      updated_by: "bob",
    });
    assert.equal(upd.status, 200, JSON.stringify(upd.json));
    assert.equal(upd.json.endpoint.name, "plain-v2");
    assert.equal(upd.json.endpoint.last_updated_by, "bob");
    assert.deepEqual(
      upd.json.endpoint.model_mappings.map((m: Json) => m.model_definition_id),
      [a.model_definition_id],
    );
    assert.deepEqual(upd.json.endpoint.fallback_config, {});
    const fb = await c.call("POST", "/gateway/endpoints/update", {
      endpoint_id: e.endpoint_id,
      fallback_config: { max_attempts: 5 },
    });
    assert.deepEqual(fb.json.endpoint.fallback_config, { max_attempts: 5 });

    const taken = await c.call("POST", "/gateway/endpoints/create", {
      name: "chat",
      model_configs: [{ model_definition_id: a.model_definition_id, linkage_type: "PRIMARY" }],
      usage_tracking: false,
    });
    assert.equal(taken.json.error_code, "RESOURCE_ALREADY_EXISTS");

    const inUse = await c.call("DELETE", "/gateway/model-definitions/delete", {
      model_definition_id: a.model_definition_id,
    });
    assert.equal(inUse.status, 500);
    assert.deepEqual(inUse.json, {
      error_code: "INVALID_STATE",
      message: "Cannot delete model definition that is currently in use by endpoints. " +
        "Detach it from all endpoints first.",
    });

    await c.call("DELETE", "/gateway/endpoints/delete", { endpoint_id: e.endpoint_id });
    const gone = await c.call("GET", "/gateway/endpoints/get", { endpoint_id: e.endpoint_id });
    assert.equal(gone.json.message, `GatewayEndpoint not found (endpoint_id='${e.endpoint_id}')`);
    const free = await c.call("GET", "/gateway/endpoints/get", { name: "chat" });
    assert.equal(free.json.message, "GatewayEndpoint not found (name='chat')");
  });

  t("endpoint refusals", async (c) => {
    const { a } = await secretAndDefs(c);
    const create = (body: Json) => c.call("POST", "/gateway/endpoints/create", body);
    const badName = await create({
      name: "has space",
      model_configs: [{ model_definition_id: a.model_definition_id, linkage_type: "PRIMARY" }],
    });
    assert.equal(
      badName.json.message,
      "Invalid endpoint name 'has space'. Name can only contain letters, numbers, " +
        "underscores, hyphens, and dots.",
    );
    const noLinkage = await create({
      name: "x",
      model_configs: [{ model_definition_id: a.model_definition_id }],
    });
    assert.equal(
      noLinkage.json.message,
      "Invalid or missing value for required parameter 'linkage_type' in model_configs[0]. " +
        "Must be one of: PRIMARY, FALLBACK.",
    );
    const none = await create({ name: "x", model_configs: [] });
    assert.equal(none.json.message, "Endpoint must have at least one model configuration");
    const missing = await create({
      name: "x",
      model_configs: [{ model_definition_id: "d-nope", linkage_type: "PRIMARY" }],
    });
    assert.deepEqual(missing.json, {
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "Model definitions not found: d-nope",
    });
    const noConfigs = await create({ name: "x" });
    assert.match(noConfigs.json.message, /required parameter 'model_configs'/);
    const badExp = await create({
      name: "x",
      model_configs: [{ model_definition_id: a.model_definition_id, linkage_type: "PRIMARY" }],
      experiment_id: "999999",
    });
    assert.equal(badExp.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    assert.equal((await c.call("GET", "/gateway/endpoints/list")).json.endpoints, undefined);
  });

  t("attach, detach, tags and bindings", async (c) => {
    const { a, b } = await secretAndDefs(c);
    const e = (await c.call("POST", "/gateway/endpoints/create", {
      name: "ep",
      model_configs: [{ model_definition_id: a.model_definition_id, linkage_type: "PRIMARY" }],
      usage_tracking: false,
    })).json.endpoint;
    const att = await c.call("POST", "/gateway/endpoints/models/attach", {
      endpoint_id: e.endpoint_id,
      model_config: {
        model_definition_id: b.model_definition_id,
        linkage_type: "FALLBACK",
        fallback_order: 1,
      },
      created_by: "carol",
    });
    assert.equal(att.status, 200, JSON.stringify(att.json));
    assert.match(att.json.mapping.mapping_id, /^m-/);
    assert.equal(att.json.mapping.model_definition.name, "claude");
    assert.equal(att.json.mapping.weight, 1);
    const twice = await c.call("POST", "/gateway/endpoints/models/attach", {
      endpoint_id: e.endpoint_id,
      model_config: { model_definition_id: b.model_definition_id, linkage_type: "FALLBACK" },
    });
    assert.deepEqual(twice.json, {
      error_code: "RESOURCE_ALREADY_EXISTS",
      message: `Model definition '${b.model_definition_id}' is already attached to endpoint ` +
        `'${e.endpoint_id}'`,
    });
    let got = (await c.call("GET", "/gateway/endpoints/get", { endpoint_id: e.endpoint_id }))
      .json.endpoint;
    assert.equal(got.model_mappings.length, 2);
    assert.equal(got.last_updated_by, "carol");
    await c.call("POST", "/gateway/endpoints/models/detach", {
      endpoint_id: e.endpoint_id,
      model_definition_id: b.model_definition_id,
    });
    const notAttached = await c.call("POST", "/gateway/endpoints/models/detach", {
      endpoint_id: e.endpoint_id,
      model_definition_id: b.model_definition_id,
    });
    assert.deepEqual(notAttached.json, {
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: `Model definition '${b.model_definition_id}' is not attached to endpoint ` +
        `'${e.endpoint_id}'`,
    });
    const noEndpoint = await c.call("POST", "/gateway/endpoints/models/detach", {
      endpoint_id: "e-none",
      model_definition_id: b.model_definition_id,
    });
    assert.equal(noEndpoint.json.message, "GatewayEndpoint not found (endpoint_id='e-none')");

    await c.call("POST", "/gateway/endpoints/set-tag", {
      endpoint_id: e.endpoint_id,
      key: "team",
      value: "ml",
    });
    await c.call("POST", "/gateway/endpoints/set-tag", { endpoint_id: e.endpoint_id, key: "a" });
    got = (await c.call("GET", "/gateway/endpoints/get", { endpoint_id: e.endpoint_id })).json
      .endpoint;
    assert.deepEqual(got.tags, [{ key: "a", value: "" }, { key: "team", value: "ml" }]);
    await c.call("DELETE", "/gateway/endpoints/delete-tag", {
      endpoint_id: e.endpoint_id,
      key: "a",
    });
    await c.call("DELETE", "/gateway/endpoints/delete-tag", {
      endpoint_id: e.endpoint_id,
      key: "zz",
    });
    got = (await c.call("GET", "/gateway/endpoints/get", { endpoint_id: e.endpoint_id })).json
      .endpoint;
    assert.deepEqual(got.tags, [{ key: "team", value: "ml" }]);
    const tagMissing = await c.call("POST", "/gateway/endpoints/set-tag", {
      endpoint_id: "e-none",
      key: "k",
      value: "v",
    });
    assert.equal(tagMissing.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    const longValue = await c.call("POST", "/gateway/endpoints/set-tag", {
      endpoint_id: e.endpoint_id,
      key: "k",
      value: "v".repeat(5001),
    });
    assert.equal(longValue.status, 400);
    // An endpoint is one item: past its room, a tag is refused (400), never a 500.
    let refused: Json;
    for (let i = 0; i < 30 && !refused; i++) {
      const r = await c.call("POST", "/gateway/endpoints/set-tag", {
        endpoint_id: e.endpoint_id,
        key: `big-${i}`,
        value: "x".repeat(5000),
      });
      if (r.status !== 200) refused = r;
    }
    assert.equal(refused?.status, 400);
    assert.match(refused.json.message, /too large to store/);
    for (let i = 0; i < 30; i++) {
      await c.call("DELETE", "/gateway/endpoints/delete-tag", {
        endpoint_id: e.endpoint_id,
        key: `big-${i}`,
      });
    }

    const bind = await c.call("POST", "/gateway/endpoints/bindings/create", {
      endpoint_id: e.endpoint_id,
      resource_type: "scorer",
      resource_id: "sc-1",
      created_by: "dan",
    });
    assert.equal(bind.status, 200, JSON.stringify(bind.json));
    assert.equal(bind.json.binding.resource_id, "sc-1");
    assert.equal(bind.json.binding.created_by, "dan");
    const dupBind = await c.call("POST", "/gateway/endpoints/bindings/create", {
      endpoint_id: e.endpoint_id,
      resource_type: "scorer",
      resource_id: "sc-1",
    });
    assert.equal(dupBind.json.error_code, "RESOURCE_ALREADY_EXISTS");
    const badType = await c.call("POST", "/gateway/endpoints/bindings/create", {
      endpoint_id: e.endpoint_id,
      resource_type: "experiment",
      resource_id: "1",
    });
    assert.equal(badType.status, 400);
    await c.call("POST", "/gateway/endpoints/bindings/create", {
      endpoint_id: e.endpoint_id,
      resource_type: "scorer",
      resource_id: "sc-2",
    });
    const listed = await c.call("GET", "/gateway/endpoints/bindings/list", { resource_id: "sc-2" });
    assert.deepEqual(listed.json.bindings.map((x: Json) => x.resource_id), ["sc-2"]);
    await c.call("DELETE", "/gateway/endpoints/bindings/delete", {
      endpoint_id: e.endpoint_id,
      resource_type: "scorer",
      resource_id: "sc-2",
    });
    const missing = await c.call("DELETE", "/gateway/endpoints/bindings/delete", {
      endpoint_id: e.endpoint_id,
      resource_type: "scorer",
      resource_id: "sc-2",
    });
    assert.equal(
      missing.json.message,
      `GatewayEndpointBinding not found (endpoint_id='${e.endpoint_id}', ` +
        "resource_type='scorer', resource_id='sc-2')",
    );
    await c.call("DELETE", "/gateway/endpoints/delete", { endpoint_id: e.endpoint_id });
    assert.deepEqual((await c.call("GET", "/gateway/endpoints/bindings/list")).json, {});
  });
}
