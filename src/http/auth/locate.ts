/**
 * Finds the resources a request touches, as the route table's {@link Via} names them: from the
 * request parameters (query for GET, JSON body otherwise, both merged), the path, or a lookup
 * (run → experiment, logged model → experiment, experiment name → id). A missing parameter is
 * MLflow's 400; a run or model that does not exist is the store's 404. Lookups of immutable
 * relations (a run's experiment) are cached.
 *
 * @module
 */
import { invalidParameter, missingParameter } from "../../errors.ts";
import type { ResourceType } from "../../auth/permissions.ts";
import { RESOURCE_TYPES } from "../../auth/permissions.ts";
import type { Via } from "../../auth/route_permissions.ts";
import type { Stores } from "../../store/stores.ts";
import { LoggedModelStore } from "../../store/logged_models/logged_model_store.ts";
import { TtlCache } from "../../util/ttl_cache.ts";
import { pooledMap } from "../../util/pool.ts";

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
  private readonly loggedModels: LoggedModelStore;

  constructor(private readonly stores: Stores) {
    this.loggedModels = new LoggedModelStore(stores.db, stores.experiments);
  }

  private experimentOfRun(runId: string): Promise<string> {
    return this.runExperiment.getOr(
      runId,
      async () => (await this.stores.runs.load(runId)).record.experiment_id,
    );
  }

  private experimentOfModel(modelId: string): Promise<string> {
    return this.modelExperiment.getOr(
      modelId,
      async () => (await this.loggedModels.get(modelId, true)).experimentId,
    );
  }

  /** The resources the request touches. `path` is the normalized path. */
  async locate(via: Via, params: Params, path: string): Promise<Located> {
    const experiment = (id: string): Target => ({ type: "experiment", id });
    switch (via) {
      case "experiment_id":
        return [experiment(str(params, "experiment_id"))];
      case "experiment_ids":
        return list(params, "experiment_ids").map(experiment);
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
        return (await pooledMap(ids, (id) => this.experimentOfRun(id))).map(experiment);
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
        const first = decoded.replace(/^\/+/, "").split("/")[0] ?? "";
        // Only `<experiment_id>/...` names an owner; anything else is for admins.
        return /^[0-9]+$/.test(first) ? [experiment(first)] : undefined;
      }
      case "name":
        return [{ type: "registered_model", id: str(params, "name") }];
      case "grant_target": {
        const type = str(params, "resource_type");
        if (!(RESOURCE_TYPES as readonly string[]).includes(type)) {
          throw invalidParameter(
            `Invalid resource type '${type}'. Valid resource types are: ${`(${
              [...RESOURCE_TYPES].sort().map((t) => `'${t}'`).join(", ")
            })`}`,
          );
        }
        const asChecked = type === "prompt" ? "registered_model" : type as ResourceType;
        return [{ type: asChecked, id: str(params, "resource_id") }];
      }
    }
  }
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
