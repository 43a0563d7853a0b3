import assert from "node:assert/strict";
import { apiBasePolicyFromEnv } from "../../store/gateway/secret_rules.ts";
import { gatewayOptionsFromEnv } from "./gateway_options.ts";

Deno.test("gateway settings come from MLflow's environment variables", () => {
  const names = [
    "MLFLOW_ENABLE_AI_GATEWAY",
    "MLFLOW_CRYPTO_KEK_PASSPHRASE",
    "MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES",
    "MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS",
    "MLFLOW_DEPLOYMENTS_TARGET",
  ];
  const saved = names.map((n) => Deno.env.get(n));
  try {
    for (const n of names) Deno.env.delete(n);
    const defaults = gatewayOptionsFromEnv();
    assert.equal(defaults.enabled, true);
    assert.equal(defaults.passphrase, undefined);
    assert.deepEqual(defaults.apiBase.allowedSchemes, ["https"]);
    assert.equal(defaults.apiBase.allowPrivateIps, false);
    Deno.env.set("MLFLOW_ENABLE_AI_GATEWAY", "false");
    Deno.env.set("MLFLOW_CRYPTO_KEK_PASSPHRASE", "p");
    Deno.env.set("MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES", "https, http");
    Deno.env.set("MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS", "true");
    Deno.env.set("MLFLOW_DEPLOYMENTS_TARGET", "http://127.0.0.1:7000");
    const set = gatewayOptionsFromEnv(true);
    assert.equal(set.enabled, false);
    assert.equal(set.passphrase, "p");
    assert.equal(set.authEnabled, true);
    assert.equal(set.deploymentsTarget, "http://127.0.0.1:7000");
    assert.deepEqual(apiBasePolicyFromEnv(), {
      allowedSchemes: ["https", "http"],
      allowPrivateIps: true,
    });
  } finally {
    names.forEach((
      n,
      i,
    ) => (saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)));
  }
});
