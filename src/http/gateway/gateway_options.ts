/**
 * The AI Gateway settings, read from MLflow's environment variables: whether the feature is on
 * (`MLFLOW_ENABLE_AI_GATEWAY`, default true), the secrets' passphrase
 * (`MLFLOW_CRYPTO_KEK_PASSPHRASE`; MLflow's public default only when the operator opts in with
 * `MLFLOW_GATEWAY_ALLOW_DEFAULT_PASSPHRASE=true`), the `api_base` policy and the deployments target of
 * `gateway-proxy` (`MLFLOW_DEPLOYMENTS_TARGET`).
 *
 * @module
 */
import { MlflowError } from "../../errors.ts";
import {
  KEK_PASSPHRASE_ENV_VAR,
  MLFLOW_DEFAULT_KEK_PASSPHRASE,
} from "../../store/gateway/secret_crypto.ts";
import { type ApiBasePolicy, apiBasePolicyFromEnv } from "../../store/gateway/secret_rules.ts";

/** MLflow's `GATEWAY_DISABLED_MESSAGE`. */
export const GATEWAY_DISABLED_MESSAGE =
  "The AI Gateway feature is disabled. Set MLFLOW_ENABLE_AI_GATEWAY=true to enable it.";

/** The opt-in to store secrets under MLflow's public default passphrase (development only). */
export const ALLOW_DEFAULT_PASSPHRASE_ENV_VAR = "MLFLOW_GATEWAY_ALLOW_DEFAULT_PASSPHRASE";

/** What the gateway routes need to know. */
export interface GatewayOptions {
  enabled: boolean;
  passphrase?: string;
  /** No `MLFLOW_CRYPTO_KEK_PASSPHRASE` set: what MLflow's `secrets/config` reports. */
  usingDefaultPassphrase?: boolean;
  apiBase: ApiBasePolicy;
  /** `MLFLOW_DEPLOYMENTS_TARGET`: where `gateway-proxy` forwards; unset → no deployments. */
  deploymentsTarget?: string;
  /** `--app-name basic-auth`: USER-scoped budgets need a user to attribute spend to. */
  authEnabled?: boolean;
  /** Provider call timeout; unset: `MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS` (default 300 s). */
  routeTimeoutMs?: number;
  /** The traffic split's random source (tests pin it); unset: `Math.random`. */
  random?: () => number;
}

/** MLflow's boolean environment parsing (`true`/`1` and `false`/`0`). */
function envBool(name: string, fallback: boolean): boolean {
  const v = Deno.env.get(name)?.toLowerCase();
  if (v === undefined || v === "") return fallback;
  return v === "true" || v === "1";
}

/** The options from the environment. */
export function gatewayOptionsFromEnv(authEnabled = false): GatewayOptions {
  const passphrase = Deno.env.get(KEK_PASSPHRASE_ENV_VAR);
  return {
    authEnabled,
    enabled: envBool("MLFLOW_ENABLE_AI_GATEWAY", true),
    passphrase: passphrase ||
      (envBool(ALLOW_DEFAULT_PASSPHRASE_ENV_VAR, false)
        ? MLFLOW_DEFAULT_KEK_PASSPHRASE
        : undefined),
    usingDefaultPassphrase: !passphrase,
    apiBase: apiBasePolicyFromEnv(),
    deploymentsTarget: Deno.env.get("MLFLOW_DEPLOYMENTS_TARGET") || undefined,
  };
}

/** The error every gateway route answers when the feature is off. */
export function gatewayDisabled(): MlflowError {
  return new MlflowError("NOT_IMPLEMENTED", GATEWAY_DISABLED_MESSAGE);
}
