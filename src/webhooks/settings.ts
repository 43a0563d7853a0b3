/**
 * Webhook settings from the environment, under the names MLflow reads
 * (`mlflow/environment_variables.py`), plus `--webhooks-allow-private` and two of ours.
 *
 * @module
 */
import type { AddressPolicy } from "./address_policy.ts";

/** How webhooks are validated and delivered. */
export interface WebhookSettings {
  policy: AddressPolicy;
  /** `MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY`: seals webhook secrets (none → no secrets). */
  encryptionKey?: string;
  /** `MLFLOW_WEBHOOK_REQUEST_TIMEOUT` (seconds → ms), default 30 s. */
  timeoutMs: number;
  /** `MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES`, default 3 (attempts = retries + 1). */
  maxRetries: number;
  /** `MLFLOW_WEBHOOK_CACHE_TTL` (seconds → ms), default 60 s. */
  cacheTtlMs: number;
  /** `MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS`, default 10: deliveries sent at once per process. */
  concurrency: number;
  /** Ours: `MLFLOW_WEBHOOK_RETRY_BACKOFF_SECONDS`, first retry delay (doubles, ≤ 60 s), default 1. */
  backoffBaseMs: number;
  /** Ours: `MLFLOW_WEBHOOK_POLL_SECONDS`, how often the worker looks for due deliveries, default 1. */
  pollMs: number;
}

function num(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`${name} must be a number ≥ 0, got '${raw}'`);
  }
  return n;
}

function truthy(value: string | undefined): boolean {
  return /^(1|true|yes|on)$/i.test(value?.trim() ?? "");
}

/** Reads the settings; `allowPrivateFlag` is `--webhooks-allow-private`. */
export function webhookSettings(
  env: Record<string, string | undefined>,
  allowPrivateFlag = false,
): WebhookSettings {
  const schemes = (env.MLFLOW_WEBHOOK_ALLOWED_SCHEMES ?? "https").split(",")
    .map((s) => s.trim().toLowerCase()).filter(Boolean);
  return {
    policy: {
      allowedSchemes: schemes.length > 0 ? schemes : ["https"],
      allowPrivate: allowPrivateFlag || truthy(env.MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS),
    },
    ...(env.MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY
      ? { encryptionKey: env.MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY }
      : {}),
    timeoutMs: num(env, "MLFLOW_WEBHOOK_REQUEST_TIMEOUT", 30) * 1000,
    maxRetries: Math.trunc(num(env, "MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES", 3)),
    cacheTtlMs: num(env, "MLFLOW_WEBHOOK_CACHE_TTL", 60) * 1000,
    concurrency: Math.max(1, Math.trunc(num(env, "MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS", 10))),
    backoffBaseMs: num(env, "MLFLOW_WEBHOOK_RETRY_BACKOFF_SECONDS", 1) * 1000,
    pollMs: Math.max(10, num(env, "MLFLOW_WEBHOOK_POLL_SECONDS", 1) * 1000),
  };
}
