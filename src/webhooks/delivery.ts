/**
 * What one webhook request looks like, as MLflow's `mlflow/webhooks/delivery.py` builds it: the
 * JSON envelope (`entity`, `action`, `timestamp`, `data`, serialised as Python's `json.dumps`),
 * and the headers `Content-Type`, `X-MLflow-Delivery-Id`, `X-MLflow-Timestamp` (unix seconds)
 * and, when the webhook has a secret, `X-MLflow-Signature: v1,<base64 HMAC-SHA256 of
 * "<delivery id>.<timestamp>.<body>">`.
 *
 * @module
 */
import { pythonJsonDumps } from "../util/python_json.ts";
import type { WebhookEventName, WebhookPayload } from "./events.ts";

export const SIGNATURE_HEADER = "X-MLflow-Signature";
export const TIMESTAMP_HEADER = "X-MLflow-Timestamp";
export const DELIVERY_ID_HEADER = "X-MLflow-Delivery-Id";

/** Python's `datetime.now(timezone.utc).isoformat()` (microseconds, `+00:00`). */
export function pythonUtcIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

/**
 * The body MLflow sends for `event` with `data`; with workspaces on, MLflow adds the webhook's
 * `workspace` after `data`.
 */
export function envelope(
  event: WebhookEventName,
  data: WebhookPayload,
  atMs: number,
  workspace?: string,
): string {
  const [entity, action] = event.split(".");
  return pythonJsonDumps({
    entity,
    action,
    timestamp: pythonUtcIso(atMs),
    data,
    ...(workspace !== undefined ? { workspace } : {}),
  });
}

/** MLflow's signature: `v1,` + base64(HMAC-SHA256(secret, "<id>.<timestamp>.<body>")). */
export async function sign(
  secret: string,
  deliveryId: string,
  timestamp: string,
  body: string,
): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, enc.encode(`${deliveryId}.${timestamp}.${body}`)),
  );
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

/** The headers of one attempt. */
export async function deliveryHeaders(
  deliveryId: string,
  body: string,
  secret: string | undefined,
  nowMs: number,
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    "Content-Type": "application/json",
    [DELIVERY_ID_HEADER]: deliveryId,
    [TIMESTAMP_HEADER]: timestamp,
    "User-Agent": "mlflow-dynamodb-server-webhooks",
    ...(secret ? { [SIGNATURE_HEADER]: await sign(secret, deliveryId, timestamp, body) } : {}),
  };
}
