/**
 * THE table of what every route needs when basic-auth is on: the resource a route touches, how to
 * find it in the request, and the least permission on it. `src/http/auth/` enforces it; a route
 * the app serves without an entry here is denied to everyone but admins, and
 * `tests/http/auth_matrix_test.ts` fails when the app serves a route this table lacks.
 *
 * Paths are written without the static prefix and without the `/api/<v>` or `/ajax-api/<v>` part
 * (`/mlflow/runs/get` covers `/api/2.0/mlflow/runs/get` and `/ajax-api/2.0/mlflow/runs/get`);
 * `:name` matches one path segment and `*` the rest. Adding a route group (traces, `/graphql`, UI
 * routes) is one line per route here; a new way to find a resource is one {@link Via} and one
 * resolver in `src/http/auth/locate.ts`.
 *
 * @module
 */
import { admin, anyUser, dropping, fromQuery, on, pub, req, roles } from "./rule_builders.ts";
import { GATEWAY_ROUTE_PERMISSIONS } from "./gateway_route_permissions.ts";
import type { Need } from "./permissions.ts";

/**
 * Where a route's resource is named:
 * - `experiment_id` / `experiment_ids` / `experiment_name`: the request parameter;
 * - `run_id` / `run_ids`: the run(s), through their experiment;
 * - `model_id`: a logged model (path or body), through its experiment;
 * - `artifact_path`: a proxied artifact path `<experiment_id>/...` (path or `path` parameter);
 * - `name`: a registered model's `name`;
 * - `grant_target`: the `resource_type`/`resource_id` parameters of the grant API;
 * - `run_id_list`: every repeated `run_id` parameter (`get-history-bulk`), through their experiments;
 * - `trace_id`: a trace (`:trace_id`/`:request_id` in the path, else the `trace_id`/`request_id`
 *   parameter), through its experiment; an unknown trace is denied (as MLflow);
 * - `trace_ids`: every `trace_ids` entry, through their experiments; none or an unknown one denies;
 * - `trace_experiments`: the experiments a trace search or analytics call names (`experiment_ids`,
 *   `locations[].mlflow_experiment.experiment_id`); none denies (as MLflow);
 * - `new_trace`: every experiment a trace start names (`experiment_id`, and v3's
 *   `trace.trace_info.trace_location.mlflow_experiment.experiment_id`);
 * - `existing_trace`: v3 start's `trace.trace_info.trace_id` when that trace exists already (a
 *   start would move it), through its current experiment;
 * - `otlp_experiment` / `otlp_run`: the `x-mlflow-experiment-id` / `x-mlflow-run-id` header of OTLP
 *   export (no run header: nothing to check);
 * - `dataset`: an evaluation dataset (`:dataset_id`), through every experiment it is linked to;
 *   one linked to none is for admins (as MLflow);
 * - `scoped_experiments`: every `experiment_ids` entry; none is for admins (dataset create and
 *   search must be scoped, as MLflow).
 * - `scorer`: a registered scorer (`experiment_id` + `name`), as MLflow 3.17.2 keys scorer grants
 *   (`<experiment_id>/<url-quoted name>`); `scorer_whole`: the same, but nothing to check when
 *   the request names a `version` (deleting one version needs only READ on the scorer);
 * - `optional_experiment_id`: `experiment_id` when given, else nothing to check (a scorer list
 *   across experiments is filtered row by row instead).
 * - `issue`: a GenAI issue (`:issue_id`), through its experiment; an unknown issue is denied (as
 *   MLflow).
 * - AI Gateway (resource types `gateway_secret`, `gateway_model_definition`, `gateway_endpoint`,
 *   keyed by id as MLflow 3.17.2): `gateway_secret` (`secret_id`),
 *   `gateway_model_definition` (`model_definition_id`), `gateway_endpoint` (`endpoint_id`, or
 *   `name` resolved); `…_if_named`: the same when the parameter is given, else nothing to check;
 *   `gateway_endpoint_or_admin`: `endpoint_id` when given, else admins only (a bindings list
 *   across endpoints); `gateway_model_configs`: every `model_definition_id` of `model_configs` and
 *   `model_config`; `gateway_endpoint_experiment`: the experiment an endpoint create or update
 *   names (`*` when usage tracking would create one); `gateway_guardrail_scorer`: the scorer of
 *   `guardrail_id` (an unknown guardrail is denied); `new_gateway_*`: the type's `*` (a DENY
 *   there vetoes creating one); `gateway_endpoint_name`: the endpoint an invocation route names
 *   (`/gateway/<name>/...`, `/gateway/proxy/<name>/...`, Gemini's `models/<name>:…`, else the
 *   body's `model`), an unknown one denied. With workspaces on, a gateway resource that is not
 *   in the request's workspace is denied (MLflow's `NO_PERMISSIONS`).
 */
export type Via =
  | "experiment_id"
  | "experiment_ids"
  | "experiment_name"
  | "run_id"
  | "run_ids"
  | "model_id"
  | "artifact_path"
  | "name"
  | "grant_target"
  | "run_id_list"
  | "trace_id"
  | "trace_ids"
  | "trace_experiments"
  | "new_trace"
  | "existing_trace"
  | "otlp_experiment"
  | "otlp_run"
  | "dataset"
  | "scoped_experiments"
  | "scorer"
  | "scorer_whole"
  | "optional_experiment_id"
  | "issue"
  | "gateway_secret"
  | "gateway_secret_if_named"
  | "gateway_model_definition"
  | "gateway_model_definition_if_named"
  | "gateway_model_configs"
  | "gateway_endpoint"
  | "gateway_endpoint_or_admin"
  | "gateway_endpoint_name"
  | "gateway_endpoint_experiment"
  | "gateway_guardrail_scorer"
  | "new_gateway_secret"
  | "new_gateway_model_definition"
  | "new_gateway_endpoint";

/** One resource requirement. */
export interface Requirement {
  via: Via;
  need: Need;
}

/** What a route needs. */
export type Rule =
  /** No authentication (liveness, version). */
  | { kind: "public" }
  /** Any authenticated user (creation; searches, whose answers are filtered to readable items). */
  | { kind: "authenticated"; filter?: "experiments" | "registered_models" | "model_versions" }
  /** Admins only. */
  | { kind: "admin" }
  /** The user named by the `username` parameter, or an admin. */
  | { kind: "self" }
  /** A role (RBAC) route: admins, or by the role's workspace (`src/http/auth/role_guard.ts`). */
  | { kind: "roles"; check: "manage" | "view" | "list" | "user_roles" }
  /**
   * A level on a resource; `orSelf`: also the user named by `username`; `and`: further
   * requirements that must hold too; `query`: the parameters are the query string only (the body
   * is an upload, never read by the guard); `drop`: never refused, the resources (of
   * `experiment_ids`) below the level leave the request instead (MLflow's run search).
   */
  | {
    kind: "resource";
    via: Via;
    need: Need;
    orSelf?: boolean;
    and?: readonly Requirement[];
    query?: boolean;
    drop?: true;
  };

/** Every requirement of a rule (the main one first). */
export function requirements(rule: Rule): Requirement[] {
  if (rule.kind !== "resource") return [];
  return [{ via: rule.via, need: rule.need }, ...rule.and ?? []];
}

/** `"METHOD /path"` → rule. Keep it sorted by area; one line per route. */
export const ROUTE_PERMISSIONS: Readonly<Record<string, Rule>> = {
  // Liveness and version: public, as MLflow's unprotected paths.
  "GET /health": pub,
  "GET /ready": pub,
  "GET /version": pub,

  // Experiments
  "POST /mlflow/experiments/create": anyUser,
  "GET /mlflow/experiments/get": on("experiment_id", "READ"),
  "GET /mlflow/experiments/get-by-name": on("experiment_name", "READ"),
  "GET /mlflow/experiments/search": { kind: "authenticated", filter: "experiments" },
  "POST /mlflow/experiments/search": { kind: "authenticated", filter: "experiments" },
  "POST /mlflow/experiments/update": on("experiment_id", "EDIT"),
  "POST /mlflow/experiments/set-experiment-tag": on("experiment_id", "EDIT"),
  "POST /mlflow/experiments/delete-experiment-tag": on("experiment_id", "EDIT"),
  "POST /mlflow/experiments/delete": on("experiment_id", "MANAGE"),
  "POST /mlflow/experiments/restore": on("experiment_id", "MANAGE"),

  // Runs and metrics
  "POST /mlflow/runs/create": on("experiment_id", "EDIT"),
  "GET /mlflow/runs/get": on("run_id", "READ"),
  // MLflow 3.17.2 refuses neither: unreadable experiments leave the search (`filter_experiment_ids`
  // for runs; logged-model rows are filtered after the fact, the same set).
  "POST /mlflow/runs/search": dropping(on("experiment_ids", "READ")),
  "POST /mlflow/runs/update": on("run_id", "EDIT"),
  "POST /mlflow/runs/log-metric": on("run_id", "EDIT"),
  "POST /mlflow/runs/log-batch": on("run_id", "EDIT"),
  "POST /mlflow/runs/log-parameter": on("run_id", "EDIT"),
  "POST /mlflow/runs/log-inputs": on("run_id", "EDIT"),
  "POST /mlflow/runs/outputs": on("run_id", "EDIT"),
  "POST /mlflow/runs/log-model": on("run_id", "EDIT"),
  "POST /mlflow/runs/set-tag": on("run_id", "EDIT"),
  "POST /mlflow/runs/delete-tag": on("run_id", "EDIT"),
  "POST /mlflow/runs/delete": on("run_id", "MANAGE"),
  "POST /mlflow/runs/restore": on("run_id", "MANAGE"),
  "GET /mlflow/metrics/get-history": on("run_id", "READ"),
  "GET /mlflow/metrics/get-history-bulk-interval": on("run_ids", "READ"),
  "GET /mlflow/metrics/get-history-bulk": on("run_id_list", "READ"),

  // Run artifacts
  "GET /mlflow/artifacts/list": on("run_id", "READ"),
  "GET /get-artifact": on("run_id", "READ"),
  "POST /mlflow/upload-artifact": fromQuery(on("run_id", "EDIT")),
  // Prompt-lab runs: a new run in the experiment (MLflow: EDIT on experiment_id).
  "POST /mlflow/runs/create-promptlab-run": on("experiment_id", "EDIT"),

  // Proxied artifacts (`mlflow-artifacts:/<experiment_id>/...`)
  "GET /mlflow-artifacts/artifacts": on("artifact_path", "READ"),
  "GET /mlflow-artifacts/artifacts/*": on("artifact_path", "READ"),
  "PUT /mlflow-artifacts/artifacts/*": on("artifact_path", "EDIT"),
  "DELETE /mlflow-artifacts/artifacts/*": on("artifact_path", "MANAGE"),
  "GET /mlflow-artifacts/presigned/*": on("artifact_path", "READ"),
  "POST /mlflow-artifacts/mpu/create/*": on("artifact_path", "EDIT"),
  "POST /mlflow-artifacts/mpu/complete/*": on("artifact_path", "EDIT"),
  "POST /mlflow-artifacts/mpu/abort/*": on("artifact_path", "EDIT"),

  // Logged models
  "POST /mlflow/logged-models": on("experiment_id", "EDIT"),
  "POST /mlflow/logged-models/search": dropping(on("experiment_ids", "READ")),
  "GET /mlflow/logged-models/:model_id": on("model_id", "READ"),
  "PATCH /mlflow/logged-models/:model_id": on("model_id", "EDIT"),
  "DELETE /mlflow/logged-models/:model_id": on("model_id", "MANAGE"),
  "POST /mlflow/logged-models/:model_id/params": on("model_id", "EDIT"),
  "PATCH /mlflow/logged-models/:model_id/tags": on("model_id", "EDIT"),
  "DELETE /mlflow/logged-models/:model_id/tags/:tag_key": on("model_id", "EDIT"),
  "GET /mlflow/logged-models/:model_id/artifacts/directories": on("model_id", "READ"),
  "GET /mlflow/logged-models/:model_id/artifacts/files": on("model_id", "READ"),

  // Registered models and versions
  "POST /mlflow/registered-models/create": anyUser,
  "GET /mlflow/registered-models/get": on("name", "READ"),
  "GET /mlflow/registered-models/search": { kind: "authenticated", filter: "registered_models" },
  "POST /mlflow/registered-models/search": { kind: "authenticated", filter: "registered_models" },
  "PATCH /mlflow/registered-models/update": on("name", "EDIT"),
  "POST /mlflow/registered-models/rename": on("name", "EDIT"),
  "DELETE /mlflow/registered-models/delete": on("name", "MANAGE"),
  "POST /mlflow/registered-models/set-tag": on("name", "EDIT"),
  "DELETE /mlflow/registered-models/delete-tag": on("name", "EDIT"),
  "GET /mlflow/registered-models/get-latest-versions": on("name", "READ"),
  "POST /mlflow/registered-models/get-latest-versions": on("name", "READ"),
  "POST /mlflow/registered-models/alias": on("name", "EDIT"),
  "DELETE /mlflow/registered-models/alias": on("name", "MANAGE"),
  "GET /mlflow/registered-models/alias": on("name", "READ"),
  "POST /mlflow/model-versions/create": on("name", "EDIT"),
  "GET /mlflow/model-versions/get": on("name", "READ"),
  "GET /mlflow/model-versions/get-download-uri": on("name", "READ"),
  "GET /mlflow/model-versions/search": { kind: "authenticated", filter: "model_versions" },
  "POST /mlflow/model-versions/search": { kind: "authenticated", filter: "model_versions" },
  "PATCH /mlflow/model-versions/update": on("name", "EDIT"),
  "POST /mlflow/model-versions/transition-stage": on("name", "EDIT"),
  "POST /mlflow/model-versions/set-tag": on("name", "EDIT"),
  "DELETE /mlflow/model-versions/delete-tag": on("name", "MANAGE"),
  "DELETE /mlflow/model-versions/delete": on("name", "MANAGE"),
  "GET /model-versions/get-artifact": fromQuery(on("name", "READ")),

  // Traces (v3, the 2.0 paths and the legacy v2 API share these). Static paths come before
  // `:trace_id` ones: the first matching entry wins, as Hono's first registered route does.
  "POST /mlflow/traces": on("new_trace", "EDIT", req("existing_trace", "EDIT")),
  "POST /v1/traces": fromQuery(on("otlp_experiment", "EDIT", req("otlp_run", "EDIT"))),
  "POST /mlflow/traces/search": on("trace_experiments", "READ"),
  "GET /mlflow/traces": on("trace_experiments", "READ"),
  "GET /mlflow/traces/get": on("trace_id", "READ"),
  "GET /mlflow/traces/batchGet": on("trace_ids", "READ"),
  "POST /mlflow/traces/batchGetInfos": on("trace_ids", "READ"),
  "POST /mlflow/traces/delete-traces": on("experiment_id", "MANAGE"),
  "POST /mlflow/traces/link-to-run": on("run_id", "EDIT", req("trace_ids", "READ")),
  "POST /mlflow/traces/link-prompts": on("trace_id", "EDIT"),
  "POST /mlflow/traces/metrics": on("trace_experiments", "READ"),
  "POST /mlflow/traces/calculate-filter-correlation": on("trace_experiments", "READ"),
  "GET /mlflow/get-trace-artifact": fromQuery(on("trace_id", "READ")),
  "GET /mlflow/traces/:trace_id": on("trace_id", "READ"),
  "GET /mlflow/traces/:request_id/info": on("trace_id", "READ"),
  "PATCH /mlflow/traces/:request_id": on("trace_id", "EDIT"),
  "PATCH /mlflow/traces/:trace_id/tags": on("trace_id", "EDIT"),
  "DELETE /mlflow/traces/:trace_id/tags": on("trace_id", "EDIT"),
  "POST /mlflow/traces/:trace_id/assessments": on("trace_id", "EDIT"),
  "GET /mlflow/traces/:trace_id/assessments/:assessment_id": on("trace_id", "READ"),
  "PATCH /mlflow/traces/:trace_id/assessments/:assessment_id": on("trace_id", "EDIT"),
  "DELETE /mlflow/traces/:trace_id/assessments/:assessment_id": on("trace_id", "EDIT"),

  // The web UI's routes. `/graphql` checks each operation's experiments, runs and models in
  // its resolvers (`src/http/graphql/gate.ts`); server-info is public, as in MLflow 3.17.2.
  "GET /graphql": anyUser,
  "POST /graphql": anyUser,
  "GET /mlflow/server-info": pub,
  "GET /mlflow/ui-telemetry": anyUser,
  "POST /mlflow/ui-telemetry": anyUser,
  "GET /mlflow/gateway-proxy": anyUser,
  "POST /mlflow/gateway-proxy": anyUser,
  // Flask's 405 for the methods the proxy rule does not allow (nothing is read or forwarded).
  "PUT /mlflow/gateway-proxy": anyUser,
  "DELETE /mlflow/gateway-proxy": anyUser,
  "PATCH /mlflow/gateway-proxy": anyUser,
  "GET /mlflow/assistant/config": anyUser,
  "GET /mlflow/assistant/providers": anyUser,
  "POST /mlflow/experiments/search-datasets": on("experiment_ids", "READ"),
  "GET /metrics": anyUser,

  // Evaluation datasets (MLflow 3.17.2: a dataset is guarded by every experiment it is linked
  // to; one linked to none is for admins; create and search must name experiments).
  "POST /mlflow/datasets/create": on("scoped_experiments", "EDIT"),
  "POST /mlflow/datasets/search": on("scoped_experiments", "READ"),
  "GET /mlflow/datasets/search": on("scoped_experiments", "READ"),
  "GET /mlflow/datasets/:dataset_id": on("dataset", "READ"),
  "DELETE /mlflow/datasets/:dataset_id": on("dataset", "MANAGE"),
  "PATCH /mlflow/datasets/:dataset_id/tags": on("dataset", "EDIT"),
  "DELETE /mlflow/datasets/:dataset_id/tags/:key": on("dataset", "EDIT"),
  "POST /mlflow/datasets/:dataset_id/records": on("dataset", "EDIT"),
  "GET /mlflow/datasets/:dataset_id/records": on("dataset", "READ"),
  "DELETE /mlflow/datasets/:dataset_id/records": on("dataset", "EDIT"),
  "GET /mlflow/datasets/:dataset_id/experiment-ids": on("dataset", "READ"),
  "POST /mlflow/datasets/:dataset_id/add-experiments": on(
    "dataset",
    "EDIT",
    req("scoped_experiments", "EDIT"),
  ),
  "POST /mlflow/datasets/:dataset_id/remove-experiments": on("dataset", "EDIT"),

  // GenAI issues (MLflow 3.17.2: create needs EDIT on the experiment, search READ on it, an
  // issue's own routes its experiment's READ/EDIT).
  "POST /mlflow/issues": on("experiment_id", "EDIT"),
  "POST /mlflow/issues/search": on("experiment_id", "READ"),
  "GET /mlflow/issues/:issue_id": on("issue", "READ"),
  "PATCH /mlflow/issues/:issue_id": on("issue", "EDIT"),
  // Issue detection (ajax only): it creates a run in the experiment (EDIT, as create-run); a
  // `secret_id` needs USE on that secret, which here means an admin (gateway secrets carry no
  // grants on this server; the handler checks). Jobs have no experiment: their creator or an
  // admin (the handler checks, as MLflow's `validate_is_job_owner`).
  "POST /mlflow/issues/invoke": on("experiment_id", "EDIT"),
  "GET /mlflow/jobs/:job_id": anyUser,
  "PATCH /mlflow/jobs/cancel/:job_id": anyUser,
  // MLflow's internal job API (`/ajax-api/3.0/jobs`): the same ownership; a search lists the
  // caller's jobs only (the handler filters).
  "POST /jobs": anyUser,
  "POST /jobs/": anyUser,
  "POST /jobs/search": anyUser,
  "GET /jobs/:job_id": anyUser,
  "PATCH /jobs/cancel/:job_id": anyUser,
  // Registered scorers, as MLflow 3.17.2: per-scorer grants (resource type `scorer`; no grant
  // means default_permission, not the experiment's level); registering needs EDIT on the
  // experiment and no DENY on the scorer; its registrant gets MANAGE on it; a list keeps the
  // rows whose experiment and scorer the caller reads.
  "POST /mlflow/scorers/register": on("experiment_id", "EDIT", req("scorer", "NOT_DENIED")),
  "GET /mlflow/scorers/list": on("optional_experiment_id", "READ"),
  "GET /mlflow/scorers/versions": on("scorer", "READ"),
  "GET /mlflow/scorers/get": on("scorer", "READ"),
  "DELETE /mlflow/scorers/delete": on("scorer", "READ", req("scorer_whole", "MANAGE")),
  "GET /mlflow/scorers/online-configs": anyUser,
  "PUT /mlflow/scorers/online-config": on("experiment_id", "EDIT"),

  // AI Gateway configuration and invocation (`gateway_route_permissions.ts`).
  ...GATEWAY_ROUTE_PERMISSIONS,

  // Webhooks: admins only (MLflow 3.17.2 `WEBHOOK_BEFORE_REQUEST_HANDLERS`: `sender_is_admin`).
  "POST /mlflow/webhooks": admin,
  "GET /mlflow/webhooks": admin,
  "GET /mlflow/webhooks/:webhook_id": admin,
  "PATCH /mlflow/webhooks/:webhook_id": admin,
  "DELETE /mlflow/webhooks/:webhook_id": admin,
  "POST /mlflow/webhooks/:webhook_id/test": admin,
  // Workspaces (MLflow 3.17.2: create, update and delete for admins; list and get for any user,
  // narrowed to the workspaces the user may see by `src/http/workspaces/access.ts`).
  "GET /mlflow/workspaces": anyUser,
  "POST /mlflow/workspaces": admin,
  "GET /mlflow/workspaces/:workspace_name": anyUser,
  "PATCH /mlflow/workspaces/:workspace_name": admin,
  "DELETE /mlflow/workspaces/:workspace_name": admin,

  // The auth API itself (MLflow 3.17.2 `mlflow/server/auth/routes.py`)
  "POST /mlflow/users/create": admin,
  "GET /mlflow/users/get": { kind: "self" },
  "GET /mlflow/users/list": anyUser,
  "GET /mlflow/users/current": anyUser,
  "GET /mlflow/users/current/permissions": anyUser,
  "GET /mlflow/users/permissions/list": { kind: "self" },
  "PATCH /mlflow/users/update-password": { kind: "self" },
  "PATCH /mlflow/users/update-admin": admin,
  "DELETE /mlflow/users/delete": admin,
  "POST /mlflow/users/permissions/grant": on("grant_target", "MANAGE"),
  "POST /mlflow/users/permissions/revoke": on("grant_target", "MANAGE"),
  "GET /mlflow/users/permissions/get": { ...on("grant_target", "MANAGE"), orSelf: true } as Rule,

  // Roles (RBAC, MLflow 3.17.2): admins, workspace admins of the role's workspace (manage), or
  // holders of a role in it (view).
  "POST /mlflow/roles/create": roles("manage"),
  "GET /mlflow/roles/get": roles("view"),
  "GET /mlflow/roles/list": roles("list"),
  "PATCH /mlflow/roles/update": roles("manage"),
  "DELETE /mlflow/roles/delete": roles("manage"),
  "POST /mlflow/roles/permissions/add": roles("manage"),
  "DELETE /mlflow/roles/permissions/remove": roles("manage"),
  "GET /mlflow/roles/permissions/list": roles("view"),
  "PATCH /mlflow/roles/permissions/update": roles("manage"),
  "POST /mlflow/roles/assign": roles("manage"),
  "DELETE /mlflow/roles/unassign": roles("manage"),
  "GET /mlflow/users/roles/list": roles("user_roles"),
  "GET /mlflow/roles/users/list": roles("manage"),
};

/** A compiled entry. */
export interface CompiledRoute {
  method: string;
  pattern: string;
  regex: RegExp;
  rule: Rule;
}

/** Compiles a route pattern (`:param` one segment, `*` the rest) to an anchored regex. */
export function patternRegex(pattern: string): RegExp {
  const body = pattern.split("/").map((seg) => {
    if (seg === "*") return ".*";
    if (seg.startsWith(":")) return "[^/]+";
    return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("/");
  return new RegExp(`^${body}$`);
}

/** The table, compiled for matching. */
export const COMPILED_ROUTES: readonly CompiledRoute[] = Object.entries(ROUTE_PERMISSIONS).map(
  ([key, rule]) => {
    const [method, pattern] = key.split(" ") as [string, string];
    return { method, pattern, regex: patternRegex(pattern), rule };
  },
);

/** Strips the static prefix and the `/api/<v>` or `/ajax-api/<v>` part of a request path. */
export function normalizePath(path: string, staticPrefix = ""): string {
  let p = path;
  if (staticPrefix && (p === staticPrefix || p.startsWith(`${staticPrefix}/`))) {
    p = p.slice(staticPrefix.length) || "/";
  }
  return p.replace(/^\/(?:api|ajax-api)\/[0-9]+\.[0-9]+\//, "/");
}

/** The entry for a request (`HEAD` is checked as `GET`), or `undefined`. */
export function findRoute(method: string, normalizedPath: string): CompiledRoute | undefined {
  const m = method === "HEAD" ? "GET" : method;
  return COMPILED_ROUTES.find((r) => r.method === m && r.regex.test(normalizedPath));
}
