/**
 * AI Gateway grants with basic-auth, as MLflow 3.17.2: secrets, model definitions and endpoints
 * are resources of their own (`gateway_secret`, `gateway_model_definition`, `gateway_endpoint`,
 * keyed by id); their creator manages them; building a model definition on a secret needs USE
 * on it, an endpoint on a model definition likewise; lists keep what the caller reads; a DENY on
 * a secret withholds it from a definition's answer; deleting a resource drops its grants; with
 * workspaces on, gateway configuration is per workspace for grants too. On both backends.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import { testBackends } from "../support/backends.ts";
import { setWorkspaceGrant } from "../../src/auth/workspace_permissions.ts";
import { Hono } from "hono";
import { Locator } from "../../src/http/auth/locate.ts";
import { invokedEndpointName } from "../../src/http/auth/locate_gateway.ts";
import { afterGateway } from "../../src/http/auth/after_gateway.ts";
import { Access } from "../../src/http/auth/access.ts";
import { authConfigFrom } from "../../src/auth/auth_config.ts";
import { UserStore } from "../../src/auth/user_store.ts";
import { RoleStore } from "../../src/auth/role_store.ts";

Deno.env.set("MLFLOW_CRYPTO_KEK_PASSPHRASE", "auth-gateway-passphrase-0123");

const PASSWORD = "a-long-password-1";
const GW = "/api/3.0/mlflow/gateway";
const PERMS = "/api/3.0/mlflow/users/permissions";
type Who = { username: string; password: string };
type Json = Record<string, unknown>;
const as = (username: string): Who => ({ username, password: PASSWORD });

function client(s: AuthApp, who: Who, workspace?: string) {
  const headers = workspace ? { "x-mlflow-workspace": workspace } : undefined;
  return async (method: string, route: string, body?: unknown) => {
    const query = method === "GET" && body
      ? `?${new URLSearchParams(body as Record<string, string>)}`
      : "";
    const res = await s.call(
      who,
      method,
      `${GW}/${route}${query}`,
      method === "GET" ? undefined : body,
      headers,
    );
    return { status: res.status, body: res.body as Json };
  };
}

async function grant(
  s: AuthApp,
  username: string,
  type: string,
  id: string,
  permission: string,
  replace = false,
) {
  if (replace) {
    const revoked = await s.call(ADMIN, "POST", `${PERMS}/revoke`, {
      username,
      resource_type: type,
      resource_id: id,
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  }
  const res = await s.call(ADMIN, "POST", `${PERMS}/grant`, {
    username,
    resource_type: type,
    resource_id: id,
    permission,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const secretBody = (name: string) => ({
  secret_name: name,
  secret_value: { api_key: "sk-1234567890" },
  provider: "openai",
});

const ids = (rows: unknown, field: string) =>
  ((rows ?? []) as Json[]).map((r) => r[field] as string).sort();

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] gateway grants: creator MANAGE, READ/USE/EDIT on secrets, definitions and endpoints, filtered lists, cascade`, async () => {
    const s = await authApp({
      backend: backend.name,
      ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
    });
    try {
      for (const u of ["alice", "bob", "carol"]) await s.users.createUser(u, PASSWORD);
      const alice = client(s, as("alice"));
      const bob = client(s, as("bob"));
      const carol = client(s, as("carol"));

      // Alice's secret: she manages it, bob (no grant, default NO_PERMISSIONS) sees nothing.
      const created = await alice("POST", "secrets/create", secretBody("alice-key"));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const S = (created.body.secret as Json).secret_id as string;
      const other = await client(s, ADMIN)("POST", "secrets/create", secretBody("admin-key"));
      const adminSecret = (other.body.secret as Json).secret_id as string;
      assert.equal((await alice("GET", "secrets/get", { secret_id: S })).status, 200);
      assert.equal((await alice("GET", "secrets/get", { secret_id: adminSecret })).status, 403);
      assert.equal((await bob("GET", "secrets/get", { secret_id: S })).status, 403);
      assert.deepEqual(ids((await alice("GET", "secrets/list")).body.secrets, "secret_id"), [S]);
      assert.deepEqual((await bob("GET", "secrets/list")).body, {});
      assert.equal(
        ids((await client(s, ADMIN)("GET", "secrets/list")).body.secrets, "secret_id").length,
        2,
      );
      const mine = await s.call(
        as("alice"),
        "GET",
        `${PERMS}/get?${new URLSearchParams({
          username: "alice",
          resource_type: "gateway_secret",
          resource_id: S,
        })}`,
      );
      assert.equal(mine.status, 200);
      assert.match(JSON.stringify(mine.body), /MANAGE/);

      // READ reads and lists; it neither updates nor lets a model definition use the secret.
      await grant(s, "bob", "gateway_secret", S, "READ");
      assert.equal((await bob("GET", "secrets/get", { secret_id: S })).status, 200);
      assert.deepEqual(ids((await bob("GET", "secrets/list")).body.secrets, "secret_id"), [S]);
      assert.equal(
        (await bob("POST", "secrets/update", { secret_id: S, secret_value: { api_key: "x" } }))
          .status,
        403,
      );
      const defBody = { name: "bob-def", secret_id: S, provider: "openai", model_name: "gpt-4o" };
      assert.equal((await bob("POST", "model-definitions/create", defBody)).status, 403);
      // USE on the secret: bob builds a model definition on it and manages that definition.
      await grant(s, "bob", "gateway_secret", S, "USE", true);
      const def = await bob("POST", "model-definitions/create", defBody);
      assert.equal(def.status, 200, JSON.stringify(def.body));
      const MD = (def.body.model_definition as Json).model_definition_id as string;
      assert.equal(
        (await bob("GET", "model-definitions/get", { model_definition_id: MD })).status,
        200,
      );
      assert.equal(
        (await carol("GET", "model-definitions/get", { model_definition_id: MD })).status,
        403,
      );
      assert.deepEqual((await carol("GET", "model-definitions/list")).body, {});
      assert.equal(
        (await bob("GET", "model-definitions/list")).body.model_definitions !== undefined,
        true,
      );

      // Endpoints need USE on every model definition they route to.
      const epBody = {
        name: "chat",
        model_configs: [{ model_definition_id: MD, linkage_type: "PRIMARY", weight: 1 }],
        usage_tracking: false,
      };
      assert.equal((await carol("POST", "endpoints/create", epBody)).status, 403);
      await grant(s, "carol", "gateway_model_definition", MD, "USE");
      const ep = await carol("POST", "endpoints/create", epBody);
      assert.equal(ep.status, 200, JSON.stringify(ep.body));
      const EP = (ep.body.endpoint as Json).endpoint_id as string;
      // The endpoint's owner edits it; bob (no grant) neither reads nor tags it.
      assert.equal((await carol("GET", "endpoints/get", { name: "chat" })).status, 200);
      assert.equal((await bob("GET", "endpoints/get", { name: "chat" })).status, 403);
      assert.equal((await bob("GET", "endpoints/get", { endpoint_id: EP })).status, 403);
      assert.equal(
        (await bob("POST", "endpoints/set-tag", { endpoint_id: EP, key: "k", value: "v" })).status,
        403,
      );
      assert.equal(
        (await carol("POST", "endpoints/set-tag", { endpoint_id: EP, key: "k", value: "v" }))
          .status,
        200,
      );
      assert.deepEqual(ids((await carol("GET", "endpoints/list")).body.endpoints, "endpoint_id"), [
        EP,
      ]);
      assert.deepEqual((await bob("GET", "endpoints/list")).body, {});
      // READ on the endpoint: bob reads it and its bindings, but not every endpoint's bindings.
      await grant(s, "bob", "gateway_endpoint", EP, "READ");
      assert.equal((await bob("GET", "endpoints/get", { name: "chat" })).status, 200);
      assert.equal(
        (await bob("GET", "endpoints/bindings/list", { endpoint_id: EP })).status,
        200,
      );
      assert.equal((await bob("GET", "endpoints/bindings/list")).status, 403);
      assert.equal((await bob("DELETE", "endpoints/delete", { endpoint_id: EP })).status, 403);

      // A DENY on the secret withholds it from the definition's answers (MLflow's redaction).
      await grant(s, "bob", "gateway_secret", S, "DENY", true);
      const redacted = await bob("GET", "model-definitions/get", { model_definition_id: MD });
      assert.equal(redacted.status, 200);
      const md = redacted.body.model_definition as Json;
      assert.equal(md.secret_id, undefined);
      assert.equal(md.secret_name, undefined);
      assert.equal(md.name, "bob-def");
      const full = await client(s, ADMIN)("GET", "model-definitions/get", {
        model_definition_id: MD,
      });
      assert.equal((full.body.model_definition as Json).secret_name, "alice-key");
      // ... and from the endpoint's mapping (bob reads the endpoint, the secret is denied).
      const epAnswer = await bob("GET", "endpoints/get", { endpoint_id: EP });
      const mapping = ((epAnswer.body.endpoint as Json).model_mappings as Json[])[0]!;
      assert.equal((mapping.model_definition as Json).secret_id, undefined);

      // The secrets config hides whether the default passphrase is in use from non-admins.
      const cfg = await s.call(as("bob"), "GET", "/ajax-api/3.0/mlflow/gateway/secrets/config");
      assert.equal(cfg.status, 200);
      assert.equal("using_default_passphrase" in (cfg.body as Json), false);
      const adminCfg = await s.call(ADMIN, "GET", "/ajax-api/3.0/mlflow/gateway/secrets/config");
      assert.equal("using_default_passphrase" in (adminCfg.body as Json), true);

      // Deleting drops the resource's grants (an id is never reused, but the list stays clean).
      assert.equal((await carol("DELETE", "endpoints/delete", { endpoint_id: EP })).status, 200);
      const bobs = await s.call(as("bob"), "GET", `${PERMS}/list?username=bob`);
      assert.doesNotMatch(JSON.stringify(bobs.body), new RegExp(EP));
      assert.match(JSON.stringify(bobs.body), new RegExp(S));
      assert.equal((await alice("DELETE", "secrets/delete", { secret_id: S })).status, 200);
      const after = await s.call(as("bob"), "GET", `${PERMS}/list?username=bob`);
      assert.doesNotMatch(JSON.stringify(after.body), new RegExp(S));
    } finally {
      await s.close();
    }
  });
}

Deno.test("gateway grants: a role's gateway_endpoint `*` READ reads every endpoint; budgets are read by any user, written by admins", async () => {
  const s = await authApp({
    ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
  });
  try {
    await s.users.createUser("dana", PASSWORD);
    const admin = client(s, ADMIN);
    const secret = (await admin("POST", "secrets/create", secretBody("k"))).body.secret as Json;
    const def = (await admin("POST", "model-definitions/create", {
      name: "d",
      secret_id: secret.secret_id,
      provider: "openai",
      model_name: "m",
    })).body.model_definition as Json;
    const ep = (await admin("POST", "endpoints/create", {
      name: "e",
      model_configs: [{ model_definition_id: def.model_definition_id, linkage_type: "PRIMARY" }],
      usage_tracking: false,
    })).body.endpoint as Json;
    const dana = client(s, as("dana"));
    assert.equal((await dana("GET", "endpoints/get", { endpoint_id: ep.endpoint_id })).status, 403);

    const role = await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/create", {
      name: "gateway-readers",
      workspace: "default",
    });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    const roleId = ((role.body as Json).role as Json).id;
    const added = await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/permissions/add", {
      role_id: roleId,
      resource_type: "gateway_endpoint",
      resource_pattern: "*",
      permission: "READ",
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const assigned = await s.call(ADMIN, "POST", "/api/3.0/mlflow/roles/assign", {
      username: "dana",
      role_id: roleId,
    });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    assert.equal((await dana("GET", "endpoints/get", { endpoint_id: ep.endpoint_id })).status, 200);
    assert.deepEqual(ids((await dana("GET", "endpoints/list")).body.endpoints, "endpoint_id"), [
      ep.endpoint_id as string,
    ]);
    // READ is not EDIT.
    assert.equal(
      (await dana("POST", "endpoints/set-tag", {
        endpoint_id: ep.endpoint_id,
        key: "k",
        value: "v",
      }))
        .status,
      403,
    );
    // A grant naming an unknown gateway type is refused with MLflow's message.
    const bad = await s.call(ADMIN, "POST", `${PERMS}/grant`, {
      username: "dana",
      resource_type: "gateway_route",
      resource_id: "x",
      permission: "READ",
    });
    assert.equal(bad.status, 400);
    assert.match((bad.body as Json).message as string, /'gateway_endpoint'/);

    // Budgets: reads for any user, writes for admins (MLflow 3.17.2).
    assert.equal((await dana("GET", "budgets/list")).status, 200);
    const budget = {
      budget_unit: "USD",
      budget_amount: 10,
      duration: { unit: "DAYS", value: 1 },
      target_scope: "GLOBAL",
      budget_action: "ALERT",
    };
    assert.equal((await dana("POST", "budgets/create", budget)).status, 403);
  } finally {
    await s.close();
  }
});

Deno.test("gateway grants with workspaces: a member creates secrets in its workspace; another workspace's resources are denied", async () => {
  const s = await authApp({
    args: ["--enable-workspaces"],
    ini: "[mlflow]\ndefault_permission = READ\nauth_cache_ttl_seconds = 60\n",
  });
  try {
    for (const ws of ["team-a", "team-b"]) {
      assert.equal(
        (await s.call(ADMIN, "POST", "/api/3.0/mlflow/workspaces", { name: ws })).status,
        201,
      );
    }
    for (const u of ["erin", "finn"]) await s.users.createUser(u, PASSWORD);
    await setWorkspaceGrant(s.users, "erin", "team-a", "USE");
    await setWorkspaceGrant(s.users, "erin", "team-b", "USE");
    await setWorkspaceGrant(s.users, "finn", "team-b", "USE");

    const erinA = client(s, as("erin"), "team-a");
    const erinB = client(s, as("erin"), "team-b");
    const finnA = client(s, as("finn"), "team-a");
    const finnB = client(s, as("finn"), "team-b");
    // Creating a secret needs membership of the request's workspace.
    assert.equal((await finnA("POST", "secrets/create", secretBody("k"))).status, 403);
    const a = await erinA("POST", "secrets/create", secretBody("k"));
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const A = (a.body.secret as Json).secret_id as string;
    // The same name in another workspace is another secret.
    const b = await finnB("POST", "secrets/create", secretBody("k"));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    // A member reads (default READ) what its workspace holds, nothing of another workspace.
    assert.equal((await erinA("GET", "secrets/get", { secret_id: A })).status, 200);
    assert.equal((await erinB("GET", "secrets/get", { secret_id: A })).status, 403);
    assert.equal((await finnA("GET", "secrets/get", { secret_id: A })).status, 403);
    assert.deepEqual(ids((await erinB("GET", "secrets/list")).body.secrets, "secret_name"), ["k"]);
    assert.notEqual(
      ids((await erinB("GET", "secrets/list")).body.secrets, "secret_id")[0],
      A,
    );
    // An endpoint naming no model definition needs membership (MLflow); one naming another
    // workspace's definition is denied.
    const bare = { name: "bare", model_configs: [], usage_tracking: false };
    assert.equal((await finnA("POST", "endpoints/create", bare)).status, 403);
    assert.notEqual((await erinA("POST", "endpoints/create", bare)).status, 403);
    const finnDef = await finnB("POST", "model-definitions/create", {
      name: "d",
      secret_id: (b.body.secret as Json).secret_id,
      provider: "openai",
      model_name: "m",
    });
    assert.equal(finnDef.status, 200, JSON.stringify(finnDef.body));
    const crossEp = await erinA("POST", "endpoints/create", {
      name: "cross",
      model_configs: [{
        model_definition_id: (finnDef.body.model_definition as Json).model_definition_id,
        linkage_type: "PRIMARY",
      }],
      usage_tracking: false,
    });
    assert.equal(crossEp.status, 403);
    // The admin sees another workspace's secret as absent (the keys are per workspace).
    const admin = client(s, ADMIN, "team-b");
    const missing = await admin("GET", "secrets/get", { secret_id: A });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, `GatewaySecret not found (secret_id='${A}')`);
  } finally {
    await s.close();
  }
});

Deno.test("gateway invocation routes: the endpoint a route names needs USE; the model list keeps the endpoints the caller may USE", async () => {
  const ini = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 0\n";
  const s = await authApp({ ini });
  try {
    await s.users.createUser("gus", PASSWORD);
    const admin = client(s, ADMIN);
    const secret = (await admin("POST", "secrets/create", secretBody("k"))).body.secret as Json;
    const def = (await admin("POST", "model-definitions/create", {
      name: "d",
      secret_id: secret.secret_id,
      provider: "openai",
      model_name: "m",
    })).body.model_definition as Json;
    const endpoint = async (name: string) =>
      ((await admin("POST", "endpoints/create", {
        name,
        model_configs: [{ model_definition_id: def.model_definition_id, linkage_type: "PRIMARY" }],
        usage_tracking: false,
      })).body.endpoint as Json).endpoint_id as string;
    const chat = await endpoint("chat");
    const other = await endpoint("other");
    await grant(s, "gus", "gateway_endpoint", chat, "USE");
    await grant(s, "gus", "gateway_endpoint", other, "READ");

    // What the guard finds on each invocation route (MLflow's `_extract_gateway_endpoint_name`).
    const locator = new Locator(s.stores, 0);
    const at = (path: string, params: Json = {}) =>
      locator.locate("gateway_endpoint_name", params, path);
    const one = [{ type: "gateway_endpoint", id: chat }];
    assert.deepEqual(await at("/gateway/chat/mlflow/invocations"), one);
    assert.deepEqual(await at("/gateway/proxy/chat/v1/chat/completions"), one);
    assert.deepEqual(await at("/gateway/gemini/v1beta/models/chat:generateContent"), one);
    assert.deepEqual(await at("/gateway/openai/v1/chat/completions", { model: "chat" }), one);
    assert.deepEqual(await at("/gateway/unknown/mlflow/invocations"), undefined);
    await assert.rejects(() => at("/gateway/openai/v1/chat/completions"), /No endpoint name/);
    assert.equal(invokedEndpointName("/gateway/other/path", {}), undefined);

    // USE on `chat` invokes it; READ on `other` does not.
    const config = authConfigFrom(ini, {});
    const access = new Access(new UserStore(s.stores.db), config, new RoleStore(s.stores.db));
    const gus = (await s.users.authenticate("gus", PASSWORD))!;
    const can = async (path: string) => {
      for (const t of (await at(path)) ?? []) {
        if (!(await access.can(gus, t.type, t.id, "USE"))) return false;
      }
      return (await at(path)) !== undefined;
    };
    assert.equal(await can("/gateway/chat/mlflow/invocations"), true);
    assert.equal(await can("/gateway/other/mlflow/invocations"), false);

    // The OpenAI-compatible model list keeps the endpoints gus may invoke.
    const app = new Hono();
    app.use(async (c, next) => {
      await next();
      await afterGateway(
        c,
        access,
        gus,
        "/gateway/mlflow/v1/models",
        {},
        (name) => locator.gatewayEndpointId(name),
      );
    });
    app.get(
      "/models",
      (c) => c.json({ object: "list", data: [{ id: "chat" }, { id: "other" }, { id: "gone" }] }),
    );
    const listed = await (await app.request("/models")).json();
    assert.deepEqual(listed, { object: "list", data: [{ id: "chat" }] });
  } finally {
    await s.close();
  }
});

Deno.test("gateway guardrails: attaching needs EDIT on the endpoint and no DENY on the scorer; the scorer is answered only to who reads it", async () => {
  const s = await authApp({
    ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
  });
  try {
    await s.users.createUser("hal", PASSWORD);
    const admin = client(s, ADMIN);
    const exp = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "g" });
    const E = (exp.body as Json).experiment_id as string;
    const serialized = JSON.stringify({
      name: "safe",
      aggregations: [],
      mlflow_version: "3.17.2",
      serialization_version: 1,
      builtin_scorer_class: "Safety",
      builtin_scorer_pydantic_data: { name: "safe", required_columns: ["outputs"] },
    });
    const scorer = await s.call(ADMIN, "POST", "/api/3.0/mlflow/scorers/register", {
      experiment_id: E,
      name: "safe",
      serialized_scorer: serialized,
    });
    const secret = (await admin("POST", "secrets/create", secretBody("k"))).body.secret as Json;
    const def = (await admin("POST", "model-definitions/create", {
      name: "d",
      secret_id: secret.secret_id,
      provider: "openai",
      model_name: "m",
    })).body.model_definition as Json;
    const EP = ((await admin("POST", "endpoints/create", {
      name: "e",
      model_configs: [{ model_definition_id: def.model_definition_id, linkage_type: "PRIMARY" }],
      usage_tracking: false,
    })).body.endpoint as Json).endpoint_id as string;
    const gr = await admin("POST", "guardrails/create", {
      name: "g",
      scorer_id: (scorer.body as Json).scorer_id,
      scorer_version: 1,
      stage: "BEFORE",
      action: "VALIDATION",
    });
    const G = (gr.body.guardrail as Json).guardrail_id as string;
    const hal = client(s, as("hal"));
    const attach = { endpoint_id: EP, guardrail_id: G };

    assert.equal((await hal("POST", "guardrails/add-to-endpoint", attach)).status, 403);
    await grant(s, "hal", "gateway_endpoint", EP, "EDIT");
    // An unknown guardrail is denied, not a 404 (MLflow's validator answers False).
    assert.equal(
      (await hal("POST", "guardrails/add-to-endpoint", { endpoint_id: EP, guardrail_id: "gr-x" }))
        .status,
      403,
    );
    const added = await hal("POST", "guardrails/add-to-endpoint", attach);
    assert.equal(added.status, 200, JSON.stringify(added.body));
    // hal reads neither the experiment nor the scorer: the scorer is withheld.
    const config = added.body.config as Json;
    assert.equal((config.guardrail as Json).guardrail_id, G);
    assert.equal((config.guardrail as Json).scorer, undefined);
    const listed = await hal("GET", "guardrails/list-for-endpoint", { endpoint_id: EP });
    assert.equal((((listed.body.configs as Json[])[0]!).guardrail as Json).scorer, undefined);
    const full = await admin("GET", "guardrails/list-for-endpoint", { endpoint_id: EP });
    assert.equal(
      ((((full.body.configs as Json[])[0]!).guardrail as Json).scorer as Json).scorer_name,
      "safe",
    );
    await grant(s, "hal", "experiment", E, "READ");
    await grant(s, "hal", "scorer", `${E}/safe`, "READ");
    const seen = await hal("GET", "guardrails/list-for-endpoint", { endpoint_id: EP });
    assert.equal(
      ((((seen.body.configs as Json[])[0]!).guardrail as Json).scorer as Json).scorer_name,
      "safe",
    );
    // A DENY on the scorer vetoes attaching or re-ordering it.
    await grant(s, "hal", "scorer", `${E}/safe`, "DENY", true);
    assert.equal(
      (await hal("PATCH", "guardrails/update-config", { ...attach, execution_order: 1 })).status,
      403,
    );
    assert.equal((await hal("DELETE", "guardrails/remove-from-endpoint", attach)).status, 200);
  } finally {
    await s.close();
  }
});
