/**
 * AI Gateway secrets through the HTTP app on every test backend: create, get, update, list and
 * delete with masked values only; the value sealed at rest (not readable from the table, bound
 * to its secret); MLflow's refusals (taken name, reserved keys, a non-public or non-HTTPS
 * `api_base`); a clear error when the server has no passphrase.
 */
import assert from "node:assert/strict";
import { testBackends } from "../support/backends.ts";
import { TEST_OPTIONS, withGateway } from "./gateway_support.ts";
import { createGatewayStores } from "../../src/store/gateway/gateway_store.ts";

for (const backend of testBackends()) {
  const t = (name: string, fn: Parameters<typeof withGateway>[1], o = {}) =>
    Deno.test(`[${backend.name}] gateway secrets: ${name}`, () => withGateway(backend, fn, o));

  t("create, get, list, update and delete answer masked values only", async (c) => {
    const created = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "openai-key",
      secret_value: { api_key: "sk-abcdefghijklmnop1234" },
      provider: "openai",
      auth_config: { api_base: " https://api.example.com/v1 ", region: "us" },
      created_by: "alice",
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const s = created.json.secret;
    assert.match(s.secret_id, /^s-[0-9a-f]{32}$/);
    assert.equal(s.secret_name, "openai-key");
    assert.deepEqual(s.masked_values, { api_key: "sk-...1234" });
    assert.deepEqual(s.auth_config, { api_base: "https://api.example.com/v1", region: "us" });
    assert.equal(s.provider, "openai");
    assert.equal(s.created_by, "alice");
    assert.equal(s.last_updated_by, "alice");
    assert.ok(!JSON.stringify(created.json).includes("abcdefghijklmnop"));

    const got = await c.call("GET", "/gateway/secrets/get", { secret_id: s.secret_id });
    assert.deepEqual(got.json.secret, s);

    const other = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "aws",
      secret_value: { aws_access_key_id: "AKIA1234567890", aws_secret_access_key: "short" },
      provider: "bedrock",
    });
    assert.deepEqual(other.json.secret.masked_values, {
      aws_access_key_id: "AKI...7890",
      aws_secret_access_key: "***",
    });
    assert.equal(other.json.secret.auth_config, undefined);

    const all = await c.call("GET", "/gateway/secrets/list");
    assert.deepEqual(all.json.secrets.map((x: { secret_name: string }) => x.secret_name), [
      "openai-key",
      "aws",
    ]);
    const openai = await c.call("GET", "/gateway/secrets/list", { provider: "openai" });
    assert.deepEqual(openai.json.secrets.map((x: { secret_id: string }) => x.secret_id), [
      s.secret_id,
    ]);
    assert.deepEqual((await c.call("GET", "/gateway/secrets/list", { provider: "x" })).json, {});

    const updated = await c.call("POST", "/gateway/secrets/update", {
      secret_id: s.secret_id,
      secret_value: { api_key: "sk-zyxwvutsrqponm9876" },
      updated_by: "bob",
    });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.json.secret.masked_values, { api_key: "sk-...9876" });
    assert.deepEqual(updated.json.secret.auth_config, s.auth_config, "kept when not sent");
    assert.equal(updated.json.secret.last_updated_by, "bob");
    assert.equal(updated.json.secret.created_by, "alice");
    const opened = await createGatewayStores(c.db, c.stores.experiments, TEST_OPTIONS.passphrase)
      .secrets.open(s.secret_id);
    assert.deepEqual(opened.value, { api_key: "sk-zyxwvutsrqponm9876" });

    const cleared = await c.call("POST", "/gateway/secrets/update", {
      secret_id: s.secret_id,
      auth_config: { api_base: "  " },
    });
    assert.equal(cleared.json.secret.auth_config, undefined, "a blank api_base clears it");
    assert.equal(cleared.json.secret.last_updated_by, undefined);

    assert.equal(
      (await c.call("DELETE", "/gateway/secrets/delete", { secret_id: s.secret_id }))
        .status,
      200,
    );
    const gone = await c.call("GET", "/gateway/secrets/get", { secret_id: s.secret_id });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json, {
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: `GatewaySecret not found (secret_id='${s.secret_id}')`,
    });
    const again = await c.call("DELETE", "/gateway/secrets/delete", { secret_id: s.secret_id });
    assert.equal(again.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    // The name is free again.
    const reused = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "openai-key",
      secret_value: { api_key: "x" },
    });
    assert.equal(reused.status, 200);
  });

  t("the value is sealed at rest and bound to its secret", async (c) => {
    const res = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "k",
      secret_value: { api_key: "sk-plaintext-never-stored" },
    });
    const scan = await c.db.port.scan({ TableName: c.db.table });
    const dump = JSON.stringify(scan.Items);
    assert.ok(!dump.includes("plaintext-never-stored"));
    assert.ok(dump.includes(res.json.secret.secret_id));
    const wrong = createGatewayStores(c.db, c.stores.experiments, "another passphrase");
    await assert.rejects(() => wrong.secrets.open(res.json.secret.secret_id), /Failed to decrypt/);
  });

  t("MLflow's refusals", async (c) => {
    const create = (body: unknown) => c.call("POST", "/gateway/secrets/create", body);
    await create({ secret_name: "dup", secret_value: { api_key: "a" } });
    const dup = await create({ secret_name: "dup", secret_value: { api_key: "b" } });
    assert.deepEqual(dup.json, {
      error_code: "RESOURCE_ALREADY_EXISTS",
      message: "Secret with name 'dup' already exists",
    });
    const noValue = await create({ secret_name: "x" });
    assert.deepEqual(noValue.json, {
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Missing value for required parameter 'secret_value'.",
    });
    const noName = await create({ secret_value: { a: "b" } });
    assert.match(noName.json.message, /required parameter 'secret_name'/);
    const reserved = await create({ secret_name: "r", secret_value: { base_url: "http://x" } });
    assert.equal(reserved.status, 400);
    assert.match(reserved.json.message, /^secret_value must not contain 'base_url'/);
    const reservedAuth = await create({
      secret_name: "r",
      secret_value: { api_key: "k" },
      auth_config: { model_list: "x", custom_llm_provider: "y" },
    });
    assert.match(
      reservedAuth.json.message,
      /^auth_config must not contain 'custom_llm_provider', 'model_list'/,
    );
    const http = await create({
      secret_name: "r",
      secret_value: { api_key: "k" },
      auth_config: { api_base: "http://api.example.com" },
    });
    assert.equal(
      http.json.message,
      "Invalid Gateway secret api_base scheme: 'http'. Allowed schemes are: 'https'.",
    );
    const priv = await create({
      secret_name: "r",
      secret_value: { api_key: "k" },
      auth_config: { api_base: "https://10.1.2.3/v1" },
    });
    assert.equal(
      priv.json.message,
      "Gateway secret api_base must not resolve to a non-public IP address. " +
        "'10.1.2.3' resolves to 10.1.2.3.",
    );
    const creds = await create({
      secret_name: "r",
      secret_value: { api_key: "k" },
      auth_config: { api_base: "https://u:p@api.example.com" },
    });
    assert.match(creds.json.message, /must not include embedded credentials/);
    const badMap = await create({ secret_name: "r", secret_value: { api_key: 5 } });
    assert.equal(badMap.status, 400);
    assert.equal(
      (await c.call("GET", "/gateway/secrets/list")).json.secrets.length,
      1,
      "no refused write left anything behind",
    );
    const noId = await c.call("GET", "/gateway/secrets/get");
    assert.match(noId.json.message, /required parameter 'secret_id'/);
  });

  t("camelCase map keys are kept as given", async (c) => {
    const res = await c.call("POST", "/gateway/secrets/create", {
      secretName: "camel",
      secretValue: { apiKey: "sk-1234567890abcd" },
    });
    assert.deepEqual(res.json.secret.masked_values, { apiKey: "sk-...abcd" });
  });

  t("without a passphrase, writing a secret is refused clearly", async (c) => {
    const res = await c.call("POST", "/gateway/secrets/create", {
      secret_name: "k",
      secret_value: { api_key: "sk-123456789" },
    });
    assert.equal(res.status, 501);
    assert.equal(res.json.error_code, "NOT_IMPLEMENTED");
    assert.match(res.json.message, /MLFLOW_CRYPTO_KEK_PASSPHRASE/);
    assert.deepEqual((await c.call("GET", "/gateway/secrets/list")).json, {});
  }, { passphrase: undefined });

  t("disabled gateway answers MLflow's NOT_IMPLEMENTED", async (c) => {
    const res = await c.call("GET", "/gateway/secrets/list");
    assert.equal(res.status, 501);
    assert.deepEqual(res.json, {
      error_code: "NOT_IMPLEMENTED",
      message:
        "The AI Gateway feature is disabled. Set MLFLOW_ENABLE_AI_GATEWAY=true to enable it.",
    });
  }, { enabled: false });
}
