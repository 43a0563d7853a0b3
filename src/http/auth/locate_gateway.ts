/**
 * Finds the AI Gateway resources a request touches, for the basic-auth guard (the `gateway_*`
 * and `new_gateway_*` {@link Via}s of `src/auth/route_permissions.ts`). MLflow 3.17.2 keys
 * gateway grants by id (`gateway_secret`, `gateway_model_definition`, `gateway_endpoint`), so a
 * route naming a resource by name (`endpoints/get?name=`, the invocation routes) is resolved to its id first; an unknown name is the store's 404, except on
 * invocation routes, which MLflow denies. With workspaces on, a resource that is not in the
 * request's workspace is denied, as MLflow's resolver answers `NO_PERMISSIONS` when the
 * resource's workspace cannot be found.
 *
 * @module
 */
import { invalidParameter, missingParameter, MlflowError } from "../../errors.ts";
import type { ResourceType } from "../../auth/permissions.ts";
import type { Via } from "../../auth/route_permissions.ts";
import type { Stores } from "../../store/stores.ts";
import { createGatewayStores, type GatewayStores } from "../../store/gateway/gateway_store.ts";
import { workspacesActive } from "../../util/workspace_context.ts";

type Params = Record<string, unknown>;
type Target = { type: ResourceType; id: string };

/** The OpenAI-/Anthropic-compatible invocation routes that name the endpoint in `model`. */
const BODY_NAMED = new Set([
  "/gateway/mlflow/v1/chat/completions",
  "/gateway/openai/v1/chat/completions",
  "/gateway/openai/v1/embeddings",
  "/gateway/openai/v1/responses",
  "/gateway/anthropic/v1/messages",
  "/gateway/typesafe/v1/systemone",
]);

function first(params: Params, name: string): string | undefined {
  const v = params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === null || s === "" ? undefined : String(s);
}

function required(params: Params, name: string): string {
  const s = first(params, name);
  if (s === undefined) throw invalidParameter(missingParameter(name));
  return s;
}

/** The endpoint name an invocation route names (MLflow's `_extract_gateway_endpoint_name`). */
export function invokedEndpointName(path: string, params: Params): string | undefined {
  const m = /^\/gateway\/([^/]+)\/mlflow\/invocations$/.exec(path) ??
    /^\/gateway\/gemini\/v1beta\/models\/([^/:]+):(?:stream)?[gG]enerateContent$/.exec(path) ??
    /^\/gateway\/proxy\/([^/]+)\//.exec(path);
  if (m) return decodeURIComponent(m[1]!);
  if (BODY_NAMED.has(path)) return first(params, "model");
  return undefined;
}

/** Resolves gateway resources against the gateway stores. */
export class GatewayLocator {
  private gw?: GatewayStores;

  constructor(private readonly stores: Stores) {}

  private get g(): GatewayStores {
    // Reads only: no passphrase needed (secret values are never decrypted here).
    this.gw ??= createGatewayStores(this.stores.db, this.stores.experiments, undefined);
    return this.gw;
  }

  /** With workspaces on, the resource must be in the request's workspace (else: denied). */
  private async target(type: ResourceType, id: string): Promise<Target[] | undefined> {
    if (workspacesActive()) {
      const items = type === "gateway_secret"
        ? this.g.secrets.items
        : type === "gateway_model_definition"
        ? this.g.defs.items
        : this.g.endpoints.items;
      if (!(await items.find(id))) return undefined;
    }
    return [{ type, id }];
  }

  /** The id of the endpoint named `name` in the request's workspace, or `undefined`. */
  async endpointIdByName(name: string): Promise<string | undefined> {
    try {
      return (await this.g.endpoints.items.getByName(name)).id;
    } catch (e) {
      if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw e;
    }
  }

  /** The scorer a guardrail runs (`undefined`: no such guardrail; `null`: its scorer is gone). */
  async guardrailScorer(
    guardrailId: string,
  ): Promise<{ experimentId: string; name: string } | null | undefined> {
    try {
      const g = await this.g.guardrails.get(guardrailId);
      return g.scorer
        ? { experimentId: String(g.scorer.experiment_id), name: g.scorer.scorer_name }
        : null;
    } catch (e) {
      if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw e;
    }
  }

  /** The resources a gateway {@link Via} names (`undefined`: only an admin may go on). */
  async locate(via: Via, params: Params, path: string): Promise<Target[] | undefined> {
    switch (via) {
      case "new_gateway_secret":
        return [{ type: "gateway_secret", id: "*" }];
      case "new_gateway_model_definition":
        return [{ type: "gateway_model_definition", id: "*" }];
      case "new_gateway_endpoint":
        return [{ type: "gateway_endpoint", id: "*" }];
      case "gateway_secret":
        return await this.target("gateway_secret", required(params, "secret_id"));
      case "gateway_secret_if_named": {
        const id = first(params, "secret_id");
        return id === undefined ? [] : await this.target("gateway_secret", id);
      }
      case "gateway_model_definition":
        return await this.target(
          "gateway_model_definition",
          required(params, "model_definition_id"),
        );
      case "gateway_model_definition_if_named": {
        const id = first(params, "model_definition_id");
        return id === undefined ? [] : await this.target("gateway_model_definition", id);
      }
      case "gateway_model_configs": {
        const configs = [
          ...(Array.isArray(params.model_configs) ? params.model_configs : []),
          params.model_config,
        ];
        const ids = new Set<string>();
        for (const c of configs) {
          const id = c && typeof c === "object" ? (c as Params).model_definition_id : undefined;
          if (typeof id === "string" && id !== "") ids.add(id);
        }
        const out: Target[] = [];
        for (const id of ids) {
          const t = await this.target("gateway_model_definition", id);
          if (!t) return undefined;
          out.push(...t);
        }
        return out;
      }
      case "gateway_endpoint": {
        const id = first(params, "endpoint_id");
        if (id !== undefined) return await this.target("gateway_endpoint", id);
        const name = first(params, "name");
        if (name === undefined) throw invalidParameter(missingParameter("endpoint_id"));
        return [{
          type: "gateway_endpoint",
          id: (await this.g.endpoints.items.getByName(name)).id,
        }];
      }
      case "gateway_endpoint_or_admin": {
        const id = first(params, "endpoint_id");
        return id === undefined ? undefined : await this.target("gateway_endpoint", id);
      }
      case "gateway_endpoint_name": {
        const name = invokedEndpointName(path, params);
        if (name === undefined) throw new MlflowError("BAD_REQUEST", "No endpoint name found");
        const id = await this.endpointIdByName(name);
        return id === undefined ? undefined : [{ type: "gateway_endpoint", id }];
      }
      case "gateway_endpoint_experiment": {
        // MLflow: the experiment named vetoes (DENY); with usage tracking on (a create's default)
        // and none named, one will be created: the experiment tier's `*` vetoes.
        const id = first(params, "experiment_id");
        if (id !== undefined) return [{ type: "experiment", id }];
        const creating = path.endsWith("/endpoints/create");
        const tracking = params.usage_tracking;
        const on = tracking === true || tracking === "true" ||
          (creating && (tracking === undefined || tracking === null));
        return on ? [{ type: "experiment", id: "*" }] : [];
      }
      default:
        throw new Error(`not a gateway via: ${via}`);
    }
  }
}
