/**
 * Opens the configured backend: the in-process engine (embedded or memory) or a DynamoDB endpoint.
 *
 * @module
 */
import type { Backend } from "../config/backend_uri.ts";
import { createEngine } from "../engine/mod.ts";
import type { DynamoPort } from "../dynamo/port.ts";
import { DEFAULT_RETRY, retryingPort, type RetryOptions } from "../dynamo/retry.ts";
import { meteringPort } from "../dynamo/metering.ts";
import { addCost } from "../util/request_cost.ts";
import { sdkPort, timeoutsFromEnv } from "../dynamo/sdk_port.ts";
import { checkReadiness, type Readiness } from "../dynamo/readiness.ts";
import { checkTable, ensureTable } from "../dynamo/table.ts";
import type { Db } from "../store/db.ts";

/** An open table and how to close it. */
export interface OpenBackend {
  db: Db;
  /** One bounded read of the table, without retries (`GET /ready`). */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}

/** Builds the DynamoDB port for a backend (no table checks). */
export async function portFor(backend: Backend): Promise<DynamoPort> {
  switch (backend.kind) {
    case "memory":
      return createEngine();
    case "embedded":
      await Deno.mkdir(backend.path, { recursive: true });
      return createEngine({ path: backend.path });
    case "dynamodb": {
      const local = backend.endpoint !== undefined &&
        /^https?:\/\/(localhost|127\.|\[::1\])/.test(backend.endpoint);
      return sdkPort({
        ...(backend.endpoint ? { endpoint: backend.endpoint } : {}),
        region: backend.region ?? Deno.env.get("AWS_REGION") ??
          Deno.env.get("AWS_DEFAULT_REGION") ??
          "us-east-1",
        // DynamoDB Local accepts any credentials; don't make users configure fake ones.
        ...(local && !Deno.env.get("AWS_ACCESS_KEY_ID")
          ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } }
          : {}),
      }, timeoutsFromEnv(Deno.env.toObject()));
    }
  }
}

/**
 * The port the store uses: retries over metering, so every attempt is a billed call and every
 * retry is counted in the request's cost (`docs/operations.md`).
 */
export function measuredPort(raw: DynamoPort, retry: RetryOptions = DEFAULT_RETRY): DynamoPort {
  return retryingPort(meteringPort(raw), { ...retry, onRetry: () => addCost({ retries: 1 }) });
}

/**
 * Opens the backend. The embedded engine gets its table created on first use, like MLflow's
 * SQLite default; a DynamoDB table must already exist (`deno task table`) with our schema version.
 */
export async function openBackend(backend: Backend): Promise<OpenBackend> {
  const raw = await portFor(backend);
  const port = measuredPort(raw);
  try {
    if (backend.kind === "dynamodb") await checkTable(port, backend.tableName);
    else await ensureTable(port, backend.tableName);
  } catch (e) {
    await raw.close();
    throw e;
  }
  return {
    db: { port, table: backend.tableName },
    ready: () => checkReadiness(raw, backend.tableName),
    close: () => raw.close(),
  };
}
