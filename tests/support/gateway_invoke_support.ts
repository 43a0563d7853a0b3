/**
 * Shared set-up of the AI Gateway invocation tests: the loopback policy, a canned OpenAI
 * completion, an endpoint over fresh secrets and model definitions, JSON and streamed POSTs, and
 * `run`, which gives a test a gateway app and a fake provider on loopback.
 */
import assert from "node:assert/strict";
import { engineBackend } from "./backends.ts";
import { type GatewayCtx, type Json, withGateway } from "../store/gateway_support.ts";
import { type FakeProvider, withFakeProvider } from "./fake_provider.ts";
import type { GatewayOptions } from "../../src/http/gateway/gateway_options.ts";

export type { GatewayCtx, Json };

export const LOOPBACK: Partial<GatewayOptions> = {
  apiBase: { allowedSchemes: ["http", "https"], allowPrivateIps: true },
};

export const COMPLETION = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1700000000,
  model: "gpt-4o-2024",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

/** A secret, a model definition per model, and an endpoint over them; returns the endpoint. */
export async function endpoint(
  c: GatewayCtx,
  name: string,
  models: {
    provider?: string;
    model: string;
    apiBase?: string;
    linkage?: string;
    weight?: number;
    auth?: Record<string, string>;
  }[],
  extra: Json = {},
): Promise<Json> {
  const configs = [];
  for (const [i, m] of models.entries()) {
    const secret = await c.call("POST", "/gateway/secrets/create", {
      secret_name: `${name}-key-${i}`,
      secret_value: { api_key: `sk-${name}-${i}` },
      provider: m.provider ?? "openai",
      ...(m.apiBase ? { auth_config: { api_base: m.apiBase, ...m.auth } } : {}),
    });
    assert.equal(secret.status, 200, JSON.stringify(secret.json));
    const def = await c.call("POST", "/gateway/model-definitions/create", {
      name: `${name}-def-${i}`,
      secret_id: secret.json.secret.secret_id,
      provider: m.provider ?? "openai",
      model_name: m.model,
    });
    configs.push({
      model_definition_id: def.json.model_definition.model_definition_id,
      linkage_type: m.linkage ?? "PRIMARY",
      ...(m.weight !== undefined ? { weight: m.weight } : {}),
      ...(m.linkage === "FALLBACK" ? { fallback_order: i } : {}),
    });
  }
  const e = await c.call("POST", "/gateway/endpoints/create", {
    name,
    model_configs: configs,
    usage_tracking: false,
    ...extra,
  });
  assert.equal(e.status, 200, JSON.stringify(e.json));
  return e.json.endpoint;
}

export const post = (
  c: GatewayCtx,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  c.raw(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** The raw text of a streamed answer. */
export async function streamText(
  c: GatewayCtx,
  path: string,
  body: unknown,
): Promise<{ status: number; type: string | null; events: Json[] }> {
  const res = await c.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events = text.split("\n\n").filter((e) => e.trim()).map((e) => {
    assert.ok(e.startsWith("data: "), e);
    return e === "data: [DONE]" ? "[DONE]" : JSON.parse(e.slice(6));
  });
  return { status: res.status, type: res.headers.get("content-type"), events };
}

export function run(
  name: string,
  fn: (c: GatewayCtx, p: FakeProvider) => Promise<void>,
  opts = {},
) {
  Deno.test(
    name,
    () =>
      withFakeProvider((p) =>
        withGateway(engineBackend, (c) => fn(c, p), { ...LOOPBACK, ...opts })
      ),
  );
}
