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
 * (`_filter_experiment_ids`) and answers for the rest. The guard does the same by rewriting the
 * request before the handler reads it: those ids leave `experiment_ids` (and a trace search's
 * `locations`); when none is left, one id that no experiment has ({@link NO_EXPERIMENT}) stands
 * in, so the handler answers as for an unknown experiment (an empty page), never as for a
 * search that names no experiment (which would list every dataset of the workspace).
 *
 * An experiment's workspace is cached for a few seconds per replica: one Query per experiment,
 * not per request.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
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
import { readJsonText, replaceJsonText } from "../middleware/body_limit.ts";
import { readGate, setReadGate } from "../read_gate.ts";
import { Locator, type Params } from "../auth/locate.ts";

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

/**
 * An experiment id no experiment ever gets (int64's largest; the id counter starts at 0): it
 * stands in for a list whose every id belonged to another workspace.
 */
export const NO_EXPERIMENT = "9223372036854775807";

/** Searches whose experiment ids of other workspaces are dropped (MLflow), not refused. */
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

function locationId(l: unknown): string | undefined {
  const e = (l as { mlflow_experiment?: { experiment_id?: unknown } } | null)?.mlflow_experiment;
  return e && typeof e.experiment_id === "string" ? e.experiment_id : undefined;
}

/**
 * Drops the experiment ids in `foreign` from the request's `experiment_ids` and `locations`
 * (query string for GET, JSON body otherwise), standing {@link NO_EXPERIMENT} in for an
 * emptied list.
 */
async function dropForeign(c: Context, foreign: Set<string>): Promise<void> {
  if (c.req.method === "GET") {
    const url = new URL(c.req.url);
    const ids = url.searchParams.getAll("experiment_ids");
    const kept = ids.filter((id) => !foreign.has(id));
    url.searchParams.delete("experiment_ids");
    for (const id of kept.length > 0 ? kept : [NO_EXPERIMENT]) {
      url.searchParams.append("experiment_ids", id);
    }
    c.req.raw = new Request(url, { method: "GET", headers: c.req.raw.headers });
    return;
  }
  let parsed: unknown = JSON.parse(await readJsonText(c));
  if (typeof parsed === "string") parsed = JSON.parse(parsed); // encoded twice (MLflow takes it)
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return;
  const body = parsed as Record<string, unknown>;
  let emptied = false;
  if (Array.isArray(body.experiment_ids)) {
    const kept = body.experiment_ids.filter((id) => !foreign.has(String(id)));
    emptied ||= kept.length === 0 && body.experiment_ids.length > 0;
    body.experiment_ids = kept.length > 0 ? kept : [NO_EXPERIMENT];
  }
  if (Array.isArray(body.locations)) {
    const before = body.locations.length;
    const kept = body.locations.filter((l) => !foreign.has(locationId(l) ?? ""));
    emptied ||= kept.length === 0 && before > 0;
    body.locations = kept.length > 0 || !emptied ? kept : [{
      type: "MLFLOW_EXPERIMENT",
      mlflow_experiment: { experiment_id: NO_EXPERIMENT },
    }];
  }
  replaceJsonText(c, JSON.stringify(body));
}

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
    // Another workspace's experiment or run looks missing: MLflow's store raises its not-found
    // error, which `/graphql` reports (the UI then shows "Experiment not found").
    setReadGate(c, {
      experiment: async (id) => {
        if (!(await sameWorkspace(id))) throw notFound(`No Experiment with id=${id} exists`);
        return prev ? await prev.experiment(id) : true;
      },
      run: async (id) => {
        if (!(await runInWorkspace(id))) throw notFound(`Run with id=${id} not found`);
        return prev ? await prev.run(id) : true;
      },
      registeredModel: (name) => prev ? prev.registeredModel(name) : Promise.resolve(true),
    });
    const path = normalizePath(c.req.path, staticPrefix);
    const route = findRoute(c.req.method, path);
    const rule = route?.rule;
    if (rule?.kind !== "resource") return await next();
    if (FILTERED_BY_HANDLER.has(`${c.req.method} ${route!.pattern}`)) return await next();
    const queryOnly = rule.via === "artifact_path" || rule.query === true;
    let params: Params;
    try {
      params = queryOnly ? c.req.query() : await rawMessage(c);
    } catch (e) {
      if (e instanceof MlflowError) return await next(); // the handler answers the bad input
      throw e;
    }
    const here = currentWorkspace();
    // The experiments of other workspaces the request names, and the first of them with its via.
    const foreignIn = async (message: Params) => {
      const ids = new Set<string>();
      let first: { via: Via; id: string } | undefined;
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
          ids.add(t.id);
          first ??= { via, id: t.id };
        }
      }
      return { ids, first };
    };
    const found = await foreignIn(params);
    if (found.first) {
      const refuse = hidden(found.first.via, params, path, found.first.id);
      if (!SEARCHES.has(`${c.req.method === "HEAD" ? "GET" : c.req.method} ${path}`)) throw refuse;
      await dropForeign(c, found.ids);
      // Whatever the rewrite could not reach (ids given another way) is refused as before.
      const again = await foreignIn(queryOnly ? c.req.query() : await rawMessage(c));
      if (again.first) throw refuse;
    }
    await next();
  };
}
