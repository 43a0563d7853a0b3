/**
 * What an invocation needs to know about an endpoint, resolved from the configuration stores as
 * MLflow's `get_endpoint_config` does: the endpoint by name, each attached model definition with
 * its decrypted secret and auth config (a definition whose secret was deleted is skipped), the
 * routing strategy and the fallback configuration. Server-side only: the result holds secret
 * values and never goes to a client.
 *
 * @module
 */
import type { GatewayStores } from "../gateway_store.ts";
import type { FallbackConfig } from "../endpoint_store.ts";

/** One attached model, ready for a provider call (MLflow's `GatewayModelConfig`). */
export interface ModelCallConfig {
  model_definition_id: string;
  provider: string;
  model_name: string;
  secret_value: Record<string, string>;
  auth_config?: Record<string, string>;
  weight: number;
  linkage_type: "PRIMARY" | "FALLBACK";
  fallback_order?: number;
}

/** MLflow's `GatewayEndpointConfig`. */
export interface EndpointCallConfig {
  endpoint_id: string;
  endpoint_name: string;
  created_at: number;
  models: ModelCallConfig[];
  routing_strategy?: string;
  fallback_config?: FallbackConfig;
  experiment_id?: string;
  usage_tracking: boolean;
  /** How many guardrails are attached. */
  guardrail_count: number;
}

/** The endpoint named `name` with its models and their secrets; MLflow's not-found error. */
export async function resolveEndpointConfig(
  gw: GatewayStores,
  name: string,
): Promise<EndpointCallConfig> {
  const e = await gw.endpoints.items.getByName(name);
  const models: ModelCallConfig[] = [];
  for (const m of e.mappings) {
    const def = await gw.defs.get(m.model_definition_id);
    if (def.secret_id === undefined) continue;
    const secret = await gw.secrets.open(def.secret_id);
    models.push({
      model_definition_id: def.model_definition_id,
      provider: def.provider,
      model_name: def.model_name,
      secret_value: secret.value,
      ...(secret.info.auth_config ? { auth_config: secret.info.auth_config } : {}),
      weight: m.weight,
      linkage_type: m.linkage_type,
      ...(m.fallback_order !== undefined ? { fallback_order: m.fallback_order } : {}),
    });
  }
  return {
    endpoint_id: e.id,
    endpoint_name: e.name,
    created_at: e.created_at,
    models,
    ...(e.routing_strategy ? { routing_strategy: e.routing_strategy } : {}),
    ...(e.fallback
      ? {
        fallback_config: {
          ...(e.fallback.strategy ? { strategy: e.fallback.strategy } : {}),
          ...(e.fallback.max_attempts != null ? { max_attempts: e.fallback.max_attempts } : {}),
        },
      }
      : {}),
    ...(e.experiment_id !== undefined ? { experiment_id: e.experiment_id } : {}),
    usage_tracking: e.usage_tracking && e.experiment_id !== undefined,
    guardrail_count: e.guardrails?.length ?? 0,
  };
}
