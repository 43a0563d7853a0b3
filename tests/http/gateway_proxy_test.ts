/**
 * `gateway-proxy` as MLflow's `gateway_proxy_handler`: empty without a deployments target;
 * with one, only MLflow's two paths reach it (the outbound call is made to an OpenAI-compatible
 * stub on loopback, started here), its JSON comes back, its failures become MLflow's error.
 * Also the UI's discovery routes (providers, models, provider config) and secrets config.
 */
import assert from "node:assert/strict";
import { engineBackend } from "../support/backends.ts";
import { withGateway } from "../store/gateway_support.ts";
import { providerConfig } from "../../src/http/gateway/discovery_routes.ts";
import {
  ALLOW_DEFAULT_PASSPHRASE_ENV_VAR,
  gatewayOptionsFromEnv,
} from "../../src/http/gateway/gateway_options.ts";
import {
  KEK_PASSPHRASE_ENV_VAR,
  MLFLOW_DEFAULT_KEK_PASSPHRASE,
} from "../../src/store/gateway/secret_crypto.ts";

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

async function withStub(fn: (target: string, seen: Seen[]) => Promise<void>) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    seen.push({ method: req.method, path: url.pathname, body: text ? JSON.parse(text) : null });
    if (url.pathname === "/api/2.0/endpoints") {
      return Response.json({ endpoints: [{ name: "chat", endpoint_type: "llm/v1/chat" }] });
    }
    if (url.pathname === "/gateway/chat/invocations") {
      return Response.json({
        id: "chatcmpl-1",
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "hi" } }],
      });
    }
    return new Response("no such endpoint", { status: 404 });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    await server.shutdown();
  }
}

Deno.test("gateway-proxy forwards only MLflow's paths to the deployments target", () =>
  withStub((target, seen) =>
    withGateway(engineBackend, async (c) => {
      const get = await c.raw("/ajax-api/2.0/mlflow/gateway-proxy?gateway_path=api/2.0/endpoints");
      assert.equal(get.status, 200);
      assert.deepEqual(get.json.endpoints[0].name, "chat");
      const post = await c.raw("/ajax-api/2.0/mlflow/gateway-proxy", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          gateway_path: "gateway/chat/invocations",
          json_data: { messages: [{ role: "user", content: "hello" }] },
        }),
      });
      assert.equal(post.status, 200);
      assert.equal(post.json.choices[0].message.content, "hi");
      assert.deepEqual(seen.at(-1), {
        method: "POST",
        path: "/gateway/chat/invocations",
        body: { messages: [{ role: "user", content: "hello" }] },
      });
      const before = seen.length;
      const badGet = await c.raw("/ajax-api/2.0/mlflow/gateway-proxy?gateway_path=admin/secrets");
      assert.deepEqual(badGet.json, {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid gateway_path: admin/secrets for method: GET",
      });
      const badPost = await c.raw("/ajax-api/2.0/mlflow/gateway-proxy", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ gateway_path: "gateway/a/b/invocations" }),
      });
      assert.equal(
        badPost.json.message,
        "Invalid gateway_path: gateway/a/b/invocations for method: POST",
      );
      const none = await c.raw("/ajax-api/2.0/mlflow/gateway-proxy");
      assert.equal(none.json.message, "Deployments proxy request must specify a gateway_path.");
      assert.equal(seen.length, before, "refused paths never reach the target");
      const failed = await c.raw("/ajax-api/2.0/mlflow/gateway-proxy", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ gateway_path: "gateway/missing/invocations" }),
      });
      assert.equal(failed.status, 500);
      assert.equal(
        failed.json.message,
        "Deployments proxy request failed with error code 404. Error message: no such endpoint",
      );
    }, { deploymentsTarget: target })
  ));

Deno.test("gateway-proxy without a target pretends an empty gateway", () =>
  withGateway(engineBackend, async (c) => {
    assert.deepEqual((await c.raw("/ajax-api/2.0/mlflow/gateway-proxy")).json, { endpoints: [] });
  }));

Deno.test("gateway-proxy answers other methods 405 as Flask does", () =>
  withGateway(engineBackend, async (c) => {
    for (const method of ["DELETE", "PUT", "PATCH"]) {
      const res = await c.app.request("/ajax-api/2.0/mlflow/gateway-proxy", { method });
      assert.equal(res.status, 405, method);
      assert.match(await res.text(), /Method Not Allowed/);
    }
  }));

Deno.test("secrets config reports MLflow's default-passphrase state", async () => {
  await withGateway(engineBackend, async (c) => {
    assert.deepEqual((await c.raw("/ajax-api/3.0/mlflow/gateway/secrets/config")).json, {
      secrets_available: true,
      using_default_passphrase: true,
    });
    // Without the operator's explicit opt-in no secret is stored under the public default key.
    const created = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "k",
      secret_value: { api_key: "sk-1" },
      provider: "openai",
    });
    assert.equal(created.status, 501);
  }, { passphrase: undefined, usingDefaultPassphrase: true });
  await withGateway(engineBackend, async (c) => {
    const created = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "k",
      secret_value: { api_key: "sk-1" },
      provider: "openai",
    });
    assert.equal(created.status, 200);
    assert.equal(
      (await c.raw("/ajax-api/3.0/mlflow/gateway/secrets/config")).json.using_default_passphrase,
      true,
    );
  }, { passphrase: MLFLOW_DEFAULT_KEK_PASSPHRASE, usingDefaultPassphrase: true });
});

Deno.test("gateway options: the default passphrase only on explicit opt-in", () => {
  const names = [KEK_PASSPHRASE_ENV_VAR, ALLOW_DEFAULT_PASSPHRASE_ENV_VAR];
  const saved = names.map((n) => Deno.env.get(n));
  try {
    names.forEach((n) => Deno.env.delete(n));
    let o = gatewayOptionsFromEnv();
    assert.equal(o.passphrase, undefined);
    assert.equal(o.usingDefaultPassphrase, true);
    Deno.env.set(ALLOW_DEFAULT_PASSPHRASE_ENV_VAR, "true");
    o = gatewayOptionsFromEnv();
    assert.equal(o.passphrase, MLFLOW_DEFAULT_KEK_PASSPHRASE);
    assert.equal(o.usingDefaultPassphrase, true);
    Deno.env.set(KEK_PASSPHRASE_ENV_VAR, "operator-secret");
    o = gatewayOptionsFromEnv();
    assert.equal(o.passphrase, "operator-secret");
    assert.equal(o.usingDefaultPassphrase, false);
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
});

Deno.test("discovery routes and secrets config", () =>
  withGateway(engineBackend, async (c) => {
    const base = "/ajax-api/3.0/mlflow/gateway";
    const providers = (await c.raw(`${base}/supported-providers`)).json.providers as string[];
    assert.ok(providers.includes("openai") && providers.includes("anthropic"));
    assert.ok(providers.includes("vertex_ai"), "vertex_ai-* variants consolidated");
    assert.ok(!providers.some((p) => p.startsWith("vertex_ai-")));
    assert.ok(!providers.includes("bedrock_converse"));
    assert.deepEqual(providers, [...providers].sort());
    assert.deepEqual((await c.raw(`${base}/supported-models?provider=openai`)).json, {
      models: [],
    });
    const openai = (await c.raw(`${base}/provider-config?provider=openai`)).json;
    assert.equal(openai.default_mode, "api_key");
    assert.equal(openai.auth_modes[0].description, "Use Openai API Key");
    assert.equal(openai.auth_modes[0].config_fields[0].description, "Openai API Base URL");
    const bedrock = (await c.raw(`${base}/provider-config?provider=amazon-bedrock`)).json;
    assert.ok(bedrock.auth_modes.length > 1);
    assert.deepEqual(
      (await c.raw(`${base}/provider-config?provider=bedrock_converse`)).json,
      bedrock,
    );
    const missing = await c.raw(`${base}/provider-config`);
    assert.deepEqual(missing.json, {
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Provider parameter is required",
    });
    assert.deepEqual((await c.raw(`${base}/secrets/config`)).json, {
      secrets_available: true,
      using_default_passphrase: false,
    });
    assert.equal(providerConfig("vertex_ai-anthropic") !== undefined, true);
  }));
