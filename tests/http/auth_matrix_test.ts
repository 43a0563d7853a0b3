/**
 * The permission matrix, generated from the route table (`src/auth/route_permissions.ts`): every
 * route × {anonymous, user without grant, READ, EDIT, MANAGE, admin} gets the status its rule
 * says (401, 403, or through to the handler), on fresh resources per route. And the table is
 * complete: a route the app serves without an entry fails here, and is denied at runtime.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";
import {
  normalizePath,
  requirements,
  ROUTE_PERMISSIONS,
  type Rule,
} from "../../src/auth/route_permissions.ts";
import { pooledMap } from "../../src/util/pool.ts";
import { allows, type PermissionName } from "../../src/auth/permissions.ts";

// Gateway secrets are sealed with this passphrase (read when the app is built).
Deno.env.set("MLFLOW_CRYPTO_KEK_PASSPHRASE", "matrix-passphrase-0123456789");
// The fixture's provider is a closed loopback port: invocations that pass auth fail the same way
// with or without a network (never a real provider's answer).
Deno.env.set("MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS", "true");
Deno.env.set("MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES", "http,https");

const PASSWORD = "matrix-password-1";
const PER_ROLE_FIXTURE = new Set(["POST /mlflow/registered-models/rename"]);
const ROLES = ["anonymous", "nobody", "reader", "editor", "manager", "admin"] as const;
type Role = typeof ROLES[number];
const LEVEL: Record<string, PermissionName> = {
  nobody: "NO_PERMISSIONS",
  reader: "READ",
  editor: "EDIT",
  manager: "MANAGE",
};
const V3 = new Set([
  "/mlflow/users/current/permissions",
  "/mlflow/users/permissions/list",
  "/mlflow/users/permissions/grant",
  "/mlflow/users/permissions/revoke",
  "/mlflow/users/permissions/get",
  "/mlflow/traces/search",
  "/mlflow/traces/get",
  "/mlflow/traces/batchGet",
  "/mlflow/traces/batchGetInfos",
  "/mlflow/traces/metrics",
  "/mlflow/traces/calculate-filter-correlation",
  "/mlflow/traces/:trace_id",
  "/mlflow/traces/:trace_id/assessments",
  "/mlflow/traces/:trace_id/assessments/:assessment_id",
  "/mlflow/server-info",
  "/mlflow/ui-telemetry",
  "/mlflow/assistant/config",
  "/mlflow/assistant/providers",
  "/mlflow/datasets/create",
  "/mlflow/datasets/search",
  "/mlflow/datasets/:dataset_id",
  "/mlflow/datasets/:dataset_id/tags",
  "/mlflow/datasets/:dataset_id/tags/:key",
  "/mlflow/datasets/:dataset_id/records",
  "/mlflow/datasets/:dataset_id/experiment-ids",
  "/mlflow/datasets/:dataset_id/add-experiments",
  "/mlflow/datasets/:dataset_id/remove-experiments",
  "/mlflow/scorers/register",
  "/mlflow/scorers/list",
  "/mlflow/scorers/versions",
  "/mlflow/scorers/get",
  "/mlflow/scorers/delete",
  "/mlflow/scorers/online-configs",
  "/mlflow/roles/create",
  "/mlflow/roles/get",
  "/mlflow/roles/list",
  "/mlflow/roles/update",
  "/mlflow/roles/delete",
  "/mlflow/roles/permissions/add",
  "/mlflow/roles/permissions/remove",
  "/mlflow/roles/permissions/list",
  "/mlflow/roles/permissions/update",
  "/mlflow/roles/assign",
  "/mlflow/roles/unassign",
  "/mlflow/users/roles/list",
  "/mlflow/roles/users/list",
  "/mlflow/scorers/online-config",
  "/mlflow/gateway/guardrails/create",
  "/mlflow/gateway/guardrails/get",
  "/mlflow/gateway/guardrails/delete",
  "/mlflow/gateway/guardrails/list",
  "/mlflow/gateway/guardrails/add-to-endpoint",
  "/mlflow/gateway/guardrails/remove-from-endpoint",
  "/mlflow/gateway/guardrails/list-for-endpoint",
  "/mlflow/gateway/guardrails/update-config",
  "/mlflow/gateway/secrets/create",
  "/mlflow/gateway/secrets/get",
  "/mlflow/gateway/secrets/update",
  "/mlflow/gateway/secrets/delete",
  "/mlflow/gateway/secrets/list",
  "/mlflow/gateway/model-definitions/create",
  "/mlflow/gateway/model-definitions/get",
  "/mlflow/gateway/model-definitions/list",
  "/mlflow/gateway/model-definitions/update",
  "/mlflow/gateway/model-definitions/delete",
  "/mlflow/gateway/endpoints/create",
  "/mlflow/gateway/endpoints/get",
  "/mlflow/gateway/endpoints/update",
  "/mlflow/gateway/endpoints/delete",
  "/mlflow/gateway/endpoints/list",
  "/mlflow/gateway/endpoints/models/attach",
  "/mlflow/gateway/endpoints/models/detach",
  "/mlflow/gateway/endpoints/bindings/create",
  "/mlflow/gateway/endpoints/bindings/delete",
  "/mlflow/gateway/endpoints/bindings/list",
  "/mlflow/gateway/endpoints/set-tag",
  "/mlflow/gateway/endpoints/delete-tag",
  "/mlflow/gateway/budgets/create",
  "/mlflow/gateway/budgets/get",
  "/mlflow/gateway/budgets/update",
  "/mlflow/gateway/budgets/delete",
  "/mlflow/gateway/budgets/list",
  "/mlflow/gateway/budgets/windows",
  "/mlflow/gateway/secrets/config",
  "/mlflow/gateway/supported-providers",
  "/mlflow/gateway/supported-models",
  "/mlflow/gateway/provider-config",
  "/mlflow/issues",
  "/mlflow/issues/search",
  "/mlflow/issues/:issue_id",
]);
/** Routes served only under `/ajax-api/`. */
const AJAX_ONLY = new Set([
  "/mlflow/ui-telemetry",
  "/mlflow/assistant/config",
  "/mlflow/assistant/providers",
  "/mlflow/gateway-proxy",
  "/mlflow/experiments/search-datasets",
  "/mlflow/metrics/get-history-bulk",
  "/mlflow/upload-artifact",
  "/mlflow/gateway/secrets/config",
  "/mlflow/gateway/supported-providers",
  "/mlflow/gateway/supported-models",
  "/mlflow/gateway/provider-config",
  "/mlflow/runs/create-promptlab-run",
]);

function who(role: Role) {
  if (role === "anonymous") return undefined;
  if (role === "admin") return ADMIN;
  return { username: role, password: PASSWORD };
}

/** What the rule says `role` gets: 401, 403, or "through" to the handler. */
function expected(rule: Rule, role: Role): 401 | 403 | "through" {
  if (rule.kind === "public") return "through";
  if (role === "anonymous") return 401;
  if (role === "admin" || rule.kind === "authenticated") return "through";
  // Role routes: the fixture's users hold no role, so only admins (and oneself) pass.
  if (rule.kind === "admin" || rule.kind === "self" || rule.kind === "roles") return 403;
  // Searches that drop what the caller cannot read are never refused.
  if (rule.kind === "resource" && rule.drop) return "through";
  // Every requirement of a rule names the fixture's one experiment (or its run or trace).
  return requirements(rule).every((r) => allows(LEVEL[role]!, r.need)) ? "through" : 403;
}

interface Fixture {
  /** An evaluation dataset linked to E. */
  D: string;
  /** A GenAI issue of E. */
  I: string;
  E: string;
  R: string;
  M: string;
  name: string;
  experimentName: string;
  T: string;
  /** AI Gateway: a secret, a model definition on it, an endpoint on that, a guardrail. */
  S: string;
  MD: string;
  EP: string;
  /** The endpoint's name (invocation routes name their endpoint: `:endpoint_name`, `model`). */
  EPN: string;
  G: string;
}

async function fixture(s: AuthApp, i: number): Promise<Fixture> {
  const experimentName = `matrix-${i}`;
  const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", {
    name: experimentName,
  });
  const E = (e.body as { experiment_id: string }).experiment_id;
  const r = await s.call(ADMIN, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: E });
  const R = (r.body as { run: { info: { run_id: string } } }).run.info.run_id;
  const m = await s.call(ADMIN, "POST", "/api/2.0/mlflow/logged-models", {
    experiment_id: E,
    name: "lm",
  });
  const M = (m.body as { model: { info: { model_id: string } } }).model.info.model_id;
  const t = await s.call(ADMIN, "POST", "/api/2.0/mlflow/traces", { experiment_id: E });
  const T = (t.body as { trace_info: { request_id: string } }).trace_info.request_id;
  const d = await s.call(ADMIN, "POST", "/api/3.0/mlflow/datasets/create", {
    name: `ds-${i}`,
    experiment_ids: [E],
  });
  const D = (d.body as { dataset: { dataset_id: string } }).dataset.dataset_id;
  const iss = await s.call(ADMIN, "POST", "/api/3.0/mlflow/issues", {
    experiment_id: E,
    name: `issue-${i}`,
    description: "d",
  });
  const I = (iss.body as { issue: { issue_id: string } }).issue.issue_id;
  const name = `rm-${i}`;
  await s.call(ADMIN, "POST", "/api/2.0/mlflow/registered-models/create", { name });
  // A registered scorer of the same name in E (scorer routes are checked on scorer grants).
  const sc = await s.call(ADMIN, "POST", "/api/3.0/mlflow/scorers/register", {
    experiment_id: E,
    name,
    serialized_scorer: JSON.stringify({
      name,
      aggregations: [],
      mlflow_version: "3.17.2",
      serialization_version: 1,
      builtin_scorer_class: "Safety",
      builtin_scorer_pydantic_data: { name, required_columns: ["outputs"] },
    }),
  });
  const gw = async (route: string, body: unknown, field: string, id: string) => {
    const res = await s.call(ADMIN, "POST", `/api/3.0/mlflow/gateway/${route}`, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return ((res.body as Record<string, Record<string, string>>)[field])![id]!;
  };
  const S = await gw(
    "secrets/create",
    {
      secret_name: `sec-${i}`,
      secret_value: { api_key: "sk-1234567890" },
      auth_config: { api_base: "http://127.0.0.1:9/v1" },
      provider: "openai",
    },
    "secret",
    "secret_id",
  );
  const MD = await gw(
    "model-definitions/create",
    {
      name: `md-${i}`,
      secret_id: S,
      provider: "openai",
      model_name: "gpt-4o",
    },
    "model_definition",
    "model_definition_id",
  );
  const EP = await gw(
    "endpoints/create",
    {
      name: `ep-${i}`,
      model_configs: [{ model_definition_id: MD, linkage_type: "PRIMARY", weight: 1 }],
      usage_tracking: false,
    },
    "endpoint",
    "endpoint_id",
  );
  const G = await gw(
    "guardrails/create",
    {
      name: `gr-${i}`,
      scorer_id: (sc.body as { scorer_id: string }).scorer_id,
      scorer_version: 1,
      stage: "BEFORE",
      action: "VALIDATION",
    },
    "guardrail",
    "guardrail_id",
  );
  for (const [role, level] of Object.entries(LEVEL)) {
    if (level === "NO_PERMISSIONS") continue;
    // Through the server (which drops its cached grants), never behind its back: a concurrent
    // route's search as `role` may already have cached "no grant" on these fresh resources.
    for (
      const [resource_type, resource_id] of [
        ["experiment", E],
        ["registered_model", name],
        ["scorer", `${E}/${name}`],
        ["gateway_secret", S],
        ["gateway_model_definition", MD],
        ["gateway_endpoint", EP],
      ]
    ) {
      const g = await s.call(ADMIN, "POST", "/api/3.0/mlflow/users/permissions/grant", {
        username: role,
        resource_type,
        resource_id,
        permission: level,
      });
      assert.equal(g.status, 200, JSON.stringify(g.body));
    }
  }
  return { E, R, M, name, experimentName, T, D, I, S, MD, EP, EPN: `ep-${i}`, G };
}

function request(method: string, pattern: string, fx: Fixture): { path: string; body?: unknown } {
  const p = pattern.replace(":model_id", fx.M).replace(":tag_key", "k")
    .replace(":trace_id", fx.T).replace(":request_id", fx.T).replace(":assessment_id", "a-1")
    .replace(":dataset_id", fx.D).replace(":issue_id", fx.I).replace(":key", "k")
    .replace(":endpoint_name", fx.EPN)
    .replace("*", `${fx.E}/f.txt`);
  const api = AJAX_ONLY.has(pattern) ? "ajax-api" : "api";
  const path = p.startsWith("/mlflow") ? `/${api}/${V3.has(pattern) ? "3.0" : "2.0"}${p}` : p;
  const params: Record<string, unknown> = {
    experiment_id: fx.E,
    experiment_ids: [fx.E],
    experiment_name: fx.experimentName,
    run_id: fx.R,
    run_ids: [fx.R],
    name: fx.name,
    new_name: `${fx.name}-renamed`,
    version: "1",
    username: "victim",
    resource_type: "experiment",
    resource_id: fx.E,
    permission: "READ",
    path: fx.E,
    key: "k",
    value: "v",
    trace_id: fx.T,
    trace_ids: [fx.T],
    request_id: fx.T,
    run_uuid: fx.R,
    issue_id: fx.I,
    description: "d",
    locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: fx.E } }],
    role_id: "1",
    role_permission_id: "1",
    workspace: "default",
    resource_pattern: "*",
    secret_id: fx.S,
    model_definition_id: fx.MD,
    endpoint_id: fx.EP,
    guardrail_id: fx.G,
    model: fx.EPN,
    model_configs: [{ model_definition_id: fx.MD, linkage_type: "PRIMARY", weight: 1 }],
    model_config: { model_definition_id: fx.MD, linkage_type: "PRIMARY", weight: 1 },
  };
  // A whole-scorer delete (MANAGE); one naming a version needs only READ.
  if (pattern === "/mlflow/scorers/delete") delete params.version;
  // Unlinking the fixture's experiment would leave the dataset to admins for the next role.
  if (pattern.endsWith("/remove-experiments")) params.experiment_ids = ["999999"];
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (k === "locations" || k === "model_configs" || k === "model_config") continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  if (method === "GET") return { path: `${path}?${q}` };
  // Uploads name their run in the query and carry the file as the body.
  const rule = ROUTE_PERMISSIONS[`${method} ${pattern}`]!;
  if (rule.kind === "resource" && rule.query) return { path: `${path}?${q}`, body: params };
  return { path, body: params };
}

Deno.test("permission matrix: every route × anonymous, no grant, READ, EDIT, MANAGE, admin", async () => {
  const prometheus = await Deno.makeTempDir({ prefix: "auth-matrix-prom-" });
  const s = await authApp({
    ini: "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n",
    args: ["--expose-prometheus", prometheus],
  });
  try {
    for (const role of Object.keys(LEVEL)) {
      await s.users.createUser(role, PASSWORD);
    }
    const failures: string[] = [];
    let i = 0;
    // Routes are independent (fresh resources each), so a few run at once.
    await pooledMap(Object.entries(ROUTE_PERMISSIONS), async ([key, rule]) => {
      const [method, pattern] = key.split(" ") as [string, string];
      let fx = await fixture(s, i++);
      for (const role of ROLES) {
        // A rename moves every grant away from the old name: later roles need a fresh model.
        if (PER_ROLE_FIXTURE.has(key)) fx = await fixture(s, i++);
        const { path, body } = request(method, pattern, fx);
        const res = await s.call(who(role), method, path, body, {
          "x-mlflow-experiment-id": fx.E,
        });
        const want = expected(rule, role);
        const got = res.status === 401 || res.status === 403 ? res.status : "through";
        // 501: the local artifact store has no presigned or multipart upload; 500 INVALID_STATE:
        // MLflow's answer to deleting a model definition an endpoint uses; 500 "upstream request
        // failed": an invocation that passed auth and reached for the fixture's unreachable
        // provider, as MLflow lets the connection error escape (handler answers).
        const b = res.body as { error_code?: string; detail?: unknown } | undefined;
        const handlerAnswer = res.status === 501 ||
          (res.status === 500 && b?.error_code === "INVALID_STATE") ||
          (res.status === 500 && String(b?.detail).startsWith("Gateway upstream request failed"));
        if (got !== want || (res.status >= 500 && !handlerAnswer)) {
          failures.push(
            `${key} as ${role}: want ${want}, got ${res.status} ${
              JSON.stringify(res.body).slice(0, 300)
            }`,
          );
        }
      }
    }, 6);
    assert.deepEqual(failures.sort(), []);
  } finally {
    await s.close();
    await Deno.remove(prometheus, { recursive: true });
  }
});

function servedRoutes(app: Hono): string[] {
  return [
    ...new Set(
      app.routes
        .filter((r) => !(r.method === "ALL" && r.path.endsWith("*")))
        .map((r) => `${r.method} ${normalizePath(r.path)}`),
    ),
  ].sort();
}

Deno.test("the route table has an entry for every route the app serves, and no stale one", async () => {
  const prometheus = await Deno.makeTempDir({ prefix: "auth-routes-prom-" });
  const s = await authApp({ args: ["--expose-prometheus", prometheus] });
  try {
    const served = servedRoutes(s.app);
    assert.deepEqual(served.filter((r) => !(r in ROUTE_PERMISSIONS)), []);
    assert.deepEqual(Object.keys(ROUTE_PERMISSIONS).filter((r) => !served.includes(r)), []);
  } finally {
    await s.close();
    await Deno.remove(prometheus, { recursive: true });
  }
});

Deno.test("a served route without an entry is denied to non-admins", async () => {
  const s = await authApp({
    extraRoutes: [(app) => app.get("/api/2.0/mlflow/unlisted", (c) => c.json({ secret: 1 }))],
  });
  try {
    assert.ok(servedRoutes(s.app).includes("GET /mlflow/unlisted"));
    await s.users.createUser("plain", PASSWORD);
    const plain = { username: "plain", password: PASSWORD };
    assert.equal((await s.call(plain, "GET", "/api/2.0/mlflow/unlisted")).status, 403);
    assert.equal((await s.call(plain, "GET", "/ajax-api/2.0/mlflow/unlisted")).status, 403);
    assert.equal((await s.call(undefined, "GET", "/api/2.0/mlflow/unlisted")).status, 401);
    assert.equal((await s.call(ADMIN, "GET", "/api/2.0/mlflow/unlisted")).status, 200);
  } finally {
    await s.close();
  }
});
