/**
 * Nothing is readable or writable across workspaces. Names are scoped by the keys themselves
 * (experiment and registered-model names resolve in the request's workspace only); what is
 * addressed by id (experiments, runs, traces, logged models, datasets, scorers, proxied artifacts)
 * is checked here, with the route table of `src/auth/route_permissions.ts`: every experiment a
 * route touches must belong to the request's workspace, else the answer is MLflow's 404
 * (`RESOURCE_DOES_NOT_EXIST`), as if it did not exist. An experiment that does not exist at all
 * passes, so the handler answers as it does without workspaces (e.g. an empty search).
 *
 * Searches over several experiments (runs, logged models, traces, trace metrics, datasets) are
 * not refused: MLflow's workspace-aware store drops the ids of other workspaces
 * (`_filter_experiment_ids`) and answers for the rest. The guard leaves them to the handler and
 * only sets the request's workspace test (`src/http/visibility.ts`), which the search stores
 * apply to the ids they were given before reading anything (`src/store/visible_experiments.ts`).
 *
 * With basic-auth on, a non-admin gets 403 `Permission denied` there instead, whatever their
 * grants in the request's workspace: MLflow 3.17.2's validators look the resource up through the
 * workspace-aware store (`_get_experiment_permission`, `_run_requirement`, `_authorize_trace`,
 * `_authorize_logged_model_id`), find nothing, and resolve `NO_PERMISSIONS`; `/graphql` resolves
 * such an experiment or run to null (its middleware's answer). `get-history-bulk(-interval)` keep
 * the 404 (MLflow's validator looks the runs up before any check and lets the store's error
 * out): the locator's look-up of their runs answers it (`src/http/auth/locate.ts`).
 * Admins skip the validators and get the handler's not-found.
 *
 * An experiment's workspace is cached for a few seconds per replica: one Query per experiment,
 * not per request.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { MlflowError, notFound } from "../../errors.ts";
import { findRoute, normalizePath, requirements, type Via } from "../../auth/route_permissions.ts";
import type { Stores } from "../../store/stores.ts";
import { TtlCache } from "../../util/ttl_cache.ts";
import {
  currentWorkspace,
  DEFAULT_WORKSPACE,
  workspacesActive,
} from "../../util/workspace_context.ts";
import { rawMessage } from "../request.ts";
import { limitVisibility } from "../visibility.ts";
import { readGate, setReadGate } from "../read_gate.ts";
import { Locator, type Params } from "../auth/locate.ts";
import { authUser, forbidden } from "../auth/middleware.ts";

/**
 * Routes whose handler lists the request's workspace's items only, as MLflow filters them (an
 * issue search naming another workspace's experiment finds nothing; it is not a 404).
 */
const FILTERED_BY_HANDLER: ReadonlySet<string> = new Set(["POST /mlflow/issues/search"]);

/**
 * Resource kinds whose names are scoped by their keys, never by this guard (AI Gateway resources
 * live in per-workspace partitions: another workspace's are not found).
 */
const SCOPED_BY_KEY: ReadonlySet<Via> = new Set([
  "name",
  "grant_target",
  "experiment_name",
  "gateway_secret",
  "gateway_secret_if_named",
  "gateway_model_definition",
  "gateway_model_definition_if_named",
  "gateway_model_configs",
  "gateway_endpoint",
  "gateway_endpoint_or_admin",
  "gateway_endpoint_name",
  "gateway_guardrail_scorer",
  "new_gateway_secret",
  "new_gateway_model_definition",
  "new_gateway_endpoint",
]);

function firstOf(params: Params, ...names: string[]): string {
  for (const n of names) {
    const v = params[n];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== null && s !== "") return String(s);
  }
  return "";
}

/** MLflow's not-found message for what the route names. */
function hidden(via: Via, params: Params, path: string, experimentId: string): MlflowError {
  switch (via) {
    case "run_id":
    case "run_ids":
    case "run_id_list":
    case "otlp_run":
      return notFound(`Run with id=${firstOf(params, "run_id", "run_uuid", "run_ids")} not found`);
    case "trace_id":
    case "trace_ids":
    case "existing_trace": {
      const m = /^\/mlflow\/traces\/(?!get$|link-prompts$)([^/]+)/.exec(path);
      const id = m ? decodeURIComponent(m[1]!) : firstOf(params, "trace_id", "request_id");
      return notFound(`Trace with ID '${id}' not found.`);
    }
    case "model_id": {
      const m = /^\/mlflow\/logged-models\/([^/]+)/.exec(path);
      const id = m ? decodeURIComponent(m[1]!) : firstOf(params, "model_id");
      return notFound(`Logged model with ID '${id}' not found.`);
    }
    case "issue": {
      const m = /^\/mlflow\/issues\/([^/]+)/.exec(path);
      return notFound(`Issue with ID '${decodeURIComponent(m?.[1] ?? "")}' not found`);
    }
    case "dataset": {
      const m = /^\/mlflow\/datasets\/([^/]+)/.exec(path);
      return notFound(`Evaluation dataset with id '${decodeURIComponent(m?.[1] ?? "")}' not found`);
    }
    default:
      return notFound(`No Experiment with id=${experimentId} exists`);
  }
}

/** Searches whose experiment ids of other workspaces their stores drop (MLflow), not refused. */
const SEARCHES = new Set([
  "POST /mlflow/runs/search",
  "POST /mlflow/logged-models/search",
  "POST /mlflow/traces/search",
  "GET /mlflow/traces",
  "POST /mlflow/traces/metrics",
  "POST /mlflow/traces/calculate-filter-correlation",
  "POST /mlflow/experiments/search-datasets",
  "POST /mlflow/datasets/search",
  "GET /mlflow/datasets/search",
]);

/** The guard; a no-op unless the request runs with workspaces on. */
export function workspaceScopeGuard(stores: Stores, staticPrefix: string): MiddlewareHandler {
  const locator = new Locator(stores, 5_000);
  const workspaceOf = new TtlCache<string | null>(5_000);
  const experimentWorkspace = (id: string) =>
    workspaceOf.getOr(id, async () => {
      const e = await stores.experiments.findInAnyWorkspace(id, false);
      return e ? e.workspace ?? DEFAULT_WORKSPACE : null;
    });
  // `/graphql` names its resources inside the query: its resolvers ask the request's read gate,
  // which throws not-found for another workspace's experiment or run (and still asks the auth
  // gate).
  const sameWorkspace = async (experimentId: string) => {
    const ws = await experimentWorkspace(experimentId);
    return ws === null || ws === currentWorkspace();
  };
  const runInWorkspace = async (runId: string) => {
    try {
      const targets = await locator.locate("run_id", { run_id: runId }, "");
      for (const t of targets ?? []) if (!(await sameWorkspace(t.id))) return false;
      return true;
    } catch (e) {
      if (e instanceof MlflowError) return true; // unknown: the resolver answers as usual
      throw e;
    }
  };
  return async (c, next) => {
    if (!workspacesActive() || c.req.method === "OPTIONS") return await next();
    const prev = readGate(c);
    const user = authUser(c);
    // A non-admin under basic-auth: MLflow's validators deny what they cannot find.
    const denies = user !== undefined && !user.is_admin;
    // Another workspace's experiment or run looks missing: MLflow's store raises its not-found
    // error, which `/graphql` reports (the UI then shows "Experiment not found"); its GraphQL
    // authorization middleware resolves the field to null for a non-admin instead.
    setReadGate(c, {
      experiment: async (id) => {
        if (!(await sameWorkspace(id))) {
          if (denies) return false;
          throw notFound(`No Experiment with id=${id} exists`);
        }
        return prev ? await prev.experiment(id) : true;
      },
      // A search keeps another workspace's id for its store to drop (`limitVisibility` below).
      searchable: (id) => prev ? prev.searchable(id) : Promise.resolve(true),
      run: async (id) => {
        if (!(await runInWorkspace(id))) {
          if (denies) return false;
          throw notFound(`Run with id=${id} not found`);
        }
        return prev ? await prev.run(id) : true;
      },
      registeredModel: (name) => prev ? prev.registeredModel(name) : Promise.resolve(true),
    });
    // A search reads only the request's workspace's experiments (unknown ids pass: not found).
    const here = currentWorkspace();
    limitVisibility(c, "workspace", async (id) => {
      const ws = await experimentWorkspace(id);
      return ws === null || ws === here;
    });
    const path = normalizePath(c.req.path, staticPrefix);
    const route = findRoute(c.req.method, path);
    const rule = route?.rule;
    if (rule?.kind !== "resource") return await next();
    if (FILTERED_BY_HANDLER.has(`${c.req.method} ${route!.pattern}`)) return await next();
    if (SEARCHES.has(`${c.req.method === "HEAD" ? "GET" : c.req.method} ${path}`)) {
      return await next();
    }
    const queryOnly = rule.via === "artifact_path" || rule.query === true;
    let params: Params;
    try {
      params = queryOnly ? c.req.query() : await rawMessage(c);
    } catch (e) {
      if (e instanceof MlflowError) return await next(); // the handler answers the bad input
      throw e;
    }
    // The first experiment of another workspace the request names, with its via.
    const foreignIn = async (message: Params) => {
      for (const { via } of requirements(rule)) {
        if (SCOPED_BY_KEY.has(via)) continue;
        let targets;
        try {
          targets = await locator.locate(via, message, path, c.req.raw.headers);
        } catch (e) {
          if (e instanceof MlflowError) continue; // missing or unknown: the handler's own answer
          throw e;
        }
        for (const t of targets ?? []) {
          if (t.type !== "experiment" || t.id === "*") continue;
          const ws = await experimentWorkspace(t.id);
          if (ws === null || ws === here) continue;
          return { via, id: t.id };
        }
      }
      return undefined;
    };
    const found = await foreignIn(params);
    if (found) {
      if (denies) return forbidden();
      throw hidden(found.via, params, path, found.id);
    }
    await next();
  };
}
