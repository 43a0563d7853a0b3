/**
 * Finds the resources a request touches, as the route table's {@link Via} names them: from the
 * request parameters (query for GET, JSON body otherwise, both merged), the path, or a lookup
 * (run → experiment, logged model → experiment, trace → experiment, experiment name → id). A
 * missing parameter is MLflow's 400; a run or model that does not exist is the store's 404, a trace
 * that does not exist is denied (as MLflow's validators deny it). Lookups of immutable relations
 * (a run's, a model's experiment) are cached for an hour; a trace's experiment (a trace id can be
 * deleted and used again) for the auth cache TTL.
 *
 * @module
 */
import { invalidParameter, missingParameter, MlflowError, notFound } from "../../errors.ts";
import { runKey } from "../../keys/key_schema.ts";
import { rawKey } from "../../store/db.ts";
import { validateRunId } from "../../store/validation.ts";
import type { ResourceType } from "../../auth/permissions.ts";
import { RESOURCE_TYPES, scorerPattern } from "../../auth/permissions.ts";
import type { Via } from "../../auth/route_permissions.ts";
import type { Stores } from "../../store/stores.ts";
import { LoggedModelStore } from "../../store/logged_models/logged_model_store.ts";
import { TraceStore } from "../../store/traces/trace_store.ts";
import { DatasetStore } from "../../store/datasets/dataset_store.ts";
import { IssueStore } from "../../store/issues/issue_store.ts";
import { TtlCache } from "../../util/ttl_cache.ts";
import {
  currentWorkspace,
  DEFAULT_WORKSPACE,
  workspacesActive,
} from "../../util/workspace_context.ts";
import { findUid, readModel } from "../../store/registry/partition.ts";
import { isPromptTags } from "../../store/registry/types.ts";
import { pooledMap } from "../../util/pool.ts";
import { GatewayLocator } from "./locate_gateway.ts";

/** Request parameters: strings, or arrays of them for repeated query keys and JSON lists. */
export type Params = Record<string, unknown>;

/** One resource a request touches. */
export interface Target {
  type: ResourceType;
  id: string;
}

/** `undefined` means: no resource can be named, only an admin may go on. */
export type Located = Target[] | undefined;

const ONE_HOUR = 3_600_000;

function str(params: Params, name: string): string {
  const v = params[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === null || s === "") throw invalidParameter(missingParameter(name));
  return String(s);
}

function list(params: Params, name: string): string[] {
  const v = params[name];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Resolves route resources against the stores. */
export class Locator {
  private readonly runExperiment = new TtlCache<string>(ONE_HOUR);
  private readonly modelExperiment = new TtlCache<string>(ONE_HOUR);
  /** A trace id can be deleted and started again elsewhere: cached only for the grant TTL. */
  private readonly traceExperiment: TtlCache<string>;
  /** Whether a registry name is a prompt (a name can be deleted and created again as the other). */
  private readonly promptNames: TtlCache<boolean>;
  private readonly loggedModels: LoggedModelStore;
  private readonly traces: TraceStore;
  private readonly datasets: DatasetStore;
  private readonly issues: IssueStore;
  private readonly gateway: GatewayLocator;

  constructor(private readonly stores: Stores, traceTtlMs = 10_000) {
    this.traceExperiment = new TtlCache<string>(traceTtlMs);
    this.promptNames = new TtlCache<boolean>(traceTtlMs);
    this.loggedModels = new LoggedModelStore(stores.db, stores.experiments);
    this.traces = new TraceStore(stores.db, stores.experiments);
    this.datasets = new DatasetStore(stores.db, stores.experiments);
    this.issues = new IssueStore(stores.db, stores.experiments);
    this.gateway = new GatewayLocator(stores);
  }

  /** The experiments of the traces, or `undefined` when one of them does not exist. */
  private async experimentsOfTraces(traceIds: string[]): Promise<string[] | undefined> {
    const ids = [...new Set(traceIds)];
    const known = new Map<string, string>();
    for (const id of ids) {
      const hit = this.traceExperiment.get(id);
      if (hit !== undefined) known.set(id, hit);
    }
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) {
      for (const r of await this.traces.getRecords(missing)) {
        known.set(r.trace_id, r.experiment_id);
        this.traceExperiment.set(r.trace_id, r.experiment_id);
      }
    }
    const out: string[] = [];
    for (const id of ids) {
      const e = known.get(id);
      if (e === undefined) return undefined;
      out.push(e);
    }
    return out;
  }

  /** The id of the gateway endpoint named `name` in the request's workspace, or `undefined`. */
  gatewayEndpointId(name: string): Promise<string | undefined> {
    return this.gateway.endpointIdByName(name);
  }

  /** True when the registered model `name` exists and is a prompt (cached for the auth TTL). */
  isPrompt(name: string): Promise<boolean> {
    return this.promptNames.getOr(name, async () => {
      const uid = await findUid(this.stores.db, name);
      const model = uid === undefined ? undefined : await readModel(this.stores.db, uid);
      return model !== undefined && isPromptTags(model.tags);
    });
  }

  /**
   * The experiment of a run, in whichever workspace it lives (the workspace guards decide what a
   * run of another workspace answers); 404 when there is no such run.
   */
  private experimentOfRun(runId: string): Promise<string> {
    return this.runExperiment.getOr(runId, async () => {
      validateRunId(runId);
      const { db } = this.stores;
      const { Item } = await db.port.getItem({
        TableName: db.table,
        Key: rawKey(runKey(runId)),
        ProjectionExpression: "experiment_id",
        ConsistentRead: true,
      });
      const experimentId = Item?.experiment_id?.S;
      if (experimentId === undefined) throw notFound(`Run with id=${runId} not found`);
      return experimentId;
    });
  }

  /**
   * A run's experiment as MLflow's bulk metric validators find it: they look the runs up in the
   * request's workspace before any permission check, so a run of another workspace is the
   * store's 404 for everyone.
   */
  private async experimentOfRunHere(runId: string): Promise<string> {
    const experimentId = await this.experimentOfRun(runId);
    if (workspacesActive()) {
      const e = await this.stores.experiments.findInAnyWorkspace(experimentId, false);
      if (e && (e.workspace ?? DEFAULT_WORKSPACE) !== currentWorkspace()) {
        throw notFound(`Run with id=${runId} not found`);
      }
    }
    return experimentId;
  }

  private experimentOfModel(modelId: string): Promise<string> {
    return this.modelExperiment.getOr(
      modelId,
      async () => (await this.loggedModels.get(modelId, true)).experimentId,
    );
  }

  /** The resources the request touches. `path` is the normalized path. */
  async locate(via: Via, params: Params, path: string, headers?: Headers): Promise<Located> {
    const experiment = (id: string): Target => ({ type: "experiment", id });
    const ofTraces = async (ids: string[]): Promise<Located> => {
      if (ids.length === 0) return undefined;
      return (await this.experimentsOfTraces(ids))?.map(experiment);
    };
    switch (via) {
      case "gateway_guardrail_scorer": {
        // MLflow: attaching a guardrail serves its scorer through the endpoint; a DENY on the
        // scorer vetoes, an unknown guardrail is denied.
        const scorer = await this.gateway.guardrailScorer(str(params, "guardrail_id"));
        if (scorer === undefined) return undefined;
        return scorer === null ? [] : [scorerTarget(scorer.experimentId, scorer.name)];
      }
      case "gateway_secret":
      case "gateway_secret_if_named":
      case "gateway_model_definition":
      case "gateway_model_definition_if_named":
      case "gateway_model_configs":
      case "gateway_endpoint":
      case "gateway_endpoint_or_admin":
      case "gateway_endpoint_name":
      case "gateway_endpoint_experiment":
      case "new_gateway_secret":
      case "new_gateway_model_definition":
      case "new_gateway_endpoint":
        return await this.gateway.locate(via, params, path);
      case "run_id_list": {
        const ids = [...new Set(list(params, "run_id"))];
        if (ids.length === 0) {
          throw invalidParameter("GetMetricHistoryBulk request must specify at least one run_id.");
        }
        return (await pooledMap(ids, (id) => this.experimentOfRunHere(id))).map(experiment);
      }
      case "trace_id": {
        // The path's trace id wins (the handler acts on it); `traces/get` and `traces/link-prompts`
        // name theirs in the parameters.
        const m = /^\/mlflow\/traces\/(?!get$|link-prompts$)([^/]+)/.exec(path);
        const fromParams = list(params, "trace_id")[0] ?? list(params, "request_id")[0];
        const id = m ? decodeURIComponent(m[1]!) : fromParams;
        return id ? await ofTraces([id]) : undefined;
      }
      case "trace_ids":
        return await ofTraces(list(params, "trace_ids"));
      case "trace_experiments": {
        const locations = Array.isArray(params.locations) ? params.locations : [];
        const ids = [
          ...list(params, "experiment_ids"),
          ...locations.map((l) => nested(l, "mlflow_experiment", "experiment_id"))
            .filter((id): id is string => typeof id === "string" && id !== ""),
        ];
        return ids.length === 0 ? undefined : [...new Set(ids)].map(experiment);
      }
      case "new_trace": {
        const ids = [
          ...list(params, "experiment_id"),
          nested(
            params,
            "trace",
            "trace_info",
            "trace_location",
            "mlflow_experiment",
            "experiment_id",
          ),
        ].filter((id): id is string => typeof id === "string" && id !== "");
        if (ids.length === 0) throw invalidParameter(missingParameter("experiment_id"));
        return [...new Set(ids)].map(experiment);
      }
      case "existing_trace": {
        const id = nested(params, "trace", "trace_info", "trace_id");
        if (typeof id !== "string" || id === "") return [];
        return (await this.experimentsOfTraces([id]))?.map(experiment) ?? [];
      }
      case "otlp_experiment": {
        const id = headers?.get("x-mlflow-experiment-id");
        if (!id) {
          throw new MlflowError("BAD_REQUEST", "Missing required header: X-Mlflow-Experiment-Id");
        }
        return [experiment(id)];
      }
      case "otlp_run": {
        const id = headers?.get("x-mlflow-run-id");
        return id ? [experiment(await this.experimentOfRun(id))] : [];
      }
      case "experiment_id":
        return [experiment(str(params, "experiment_id"))];
      case "experiment_ids":
        return list(params, "experiment_ids").map(experiment);
      case "scoped_experiments": {
        // A request that names no experiment could reach every dataset: admins only.
        const ids = [...new Set(list(params, "experiment_ids"))];
        return ids.length === 0 ? undefined : ids.map(experiment);
      }
      case "dataset": {
        const m = /^\/mlflow\/datasets\/([^/]+)/.exec(path);
        if (!m) return undefined;
        const ids = await this.datasets.experimentIds(decodeURIComponent(m[1]!));
        return ids.length === 0 ? undefined : ids.map(experiment);
      }
      case "issue": {
        const m = /^\/mlflow\/issues\/([^/]+)/.exec(path);
        if (!m) return undefined;
        try {
          return [experiment((await this.issues.get(decodeURIComponent(m[1]!))).experiment_id)];
        } catch (e) {
          if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
          throw e;
        }
      }
      case "experiment_name": {
        const e = await this.stores.experiments.getByName(str(params, "experiment_name"));
        return [experiment(e.experimentId)];
      }
      case "run_id": {
        const runId = params.run_id !== undefined && params.run_id !== ""
          ? str(params, "run_id")
          : str(params, "run_uuid");
        return [experiment(await this.experimentOfRun(runId))];
      }
      case "run_ids": {
        const ids = [...new Set(list(params, "run_ids"))];
        if (ids.length === 0) throw invalidParameter(missingParameter("run_ids"));
        return (await pooledMap(ids, (id) => this.experimentOfRunHere(id))).map(experiment);
      }
      case "model_id": {
        const m = /^\/mlflow\/logged-models\/([^/]+)/.exec(path);
        const modelId = m ? decodeURIComponent(m[1]!) : str(params, "model_id");
        return [experiment(await this.experimentOfModel(modelId))];
      }
      case "artifact_path": {
        const m =
          /^\/mlflow-artifacts\/(?:artifacts|presigned|mpu\/(?:create|complete|abort))\/(.*)$/
            .exec(path);
        const rel = m ? m[1]! : String(params.path ?? "");
        const decoded = decodeFully(rel);
        if (decoded.split(/[\\/]/).includes("..")) return undefined;
        // `workspaces/<ws>/<experiment_id>/...` is the same layout inside a workspace.
        const first = decoded.replace(/^\/+/, "").replace(/^workspaces\/[^/]+\//, "")
          .split("/")[0] ?? "";
        // Only `<experiment_id>/...` names an owner; anything else is for admins.
        return /^[0-9]+$/.test(first) ? [experiment(first)] : undefined;
      }
      case "scorer":
        return [scorerTarget(str(params, "experiment_id"), str(params, "name"))];
      case "scorer_whole": {
        const version = params.version;
        if (version !== undefined && version !== null && version !== "") return [];
        return [scorerTarget(str(params, "experiment_id"), str(params, "name"))];
      }
      case "optional_experiment_id": {
        const id = list(params, "experiment_id")[0];
        return id ? [experiment(id)] : [];
      }
      case "name": {
        // A prompt is a registered model marked by its stored tag: its grants are `prompt` ones
        // (as MLflow 3.17.2; never the request's tags, which a caller could forge).
        const name = str(params, "name");
        return [{ type: await this.isPrompt(name) ? "prompt" : "registered_model", id: name }];
      }
      case "grant_target": {
        const type = str(params, "resource_type");
        if (!(RESOURCE_TYPES as readonly string[]).includes(type)) {
          throw invalidParameter(
            `Invalid resource type '${type}'. Valid resource types are: ${`(${
              [...RESOURCE_TYPES].sort().map((t) => `'${t}'`).join(", ")
            })`}`,
          );
        }
        return [{ type: type as ResourceType, id: str(params, "resource_id") }];
      }
    }
  }
}

export { scorerPattern };

function scorerTarget(experimentId: string, name: string): Target {
  return { type: "scorer", id: scorerPattern(experimentId, name) };
}

/** The value at `keys` inside nested objects, or `undefined`. */
function nested(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Percent-decodes until the text stops changing (`%252e` is `.` too), as the artifact guard does. */
function decodeFully(s: string): string {
  let cur = s;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      return cur;
    }
    if (next === cur) return cur;
    cur = next;
  }
  return cur;
}
