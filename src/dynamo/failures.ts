/**
 * What a failed DynamoDB call means for the caller: worth another attempt or not, possibly
 * applied or certainly not, and what the client is told once retries run out.
 *
 * - `throttle`: throttling; nothing was applied. Retried; when retries run out the client gets
 *   429 `REQUEST_LIMIT_EXCEEDED`, which the MLflow client retries itself.
 * - `conflict`: an in-flight transaction held an item (`TransactionConflictException` for a
 *   single-item write, a `TransactionConflict` cancellation reason for a transaction) or the same
 *   idempotency token is still being processed; nothing was applied. Retried.
 * - `server`: a 5xx from DynamoDB; the write may or may not have been applied. Retried.
 * - `transport`: a timeout or a network failure; the write may or may not have been applied.
 *   Retried fewer times (a stalled backend must not hold a request for minutes).
 *
 * When `server` or `transport` failures exhaust their retries the client gets 503
 * `TEMPORARILY_UNAVAILABLE` ({@link BackendUnavailableError}): the message names the kind of
 * failure and never the backend's address or a file path; the cause is logged.
 *
 * @module
 */
import { MlflowError } from "../errors.ts";

/** The kinds of failure worth another attempt (`other` is not). */
export type FailureKind = "throttle" | "conflict" | "server" | "transport" | "other";

const THROTTLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);
const CONFLICT = new Set(["TransactionConflictException", "TransactionInProgressException"]);
const SERVER = new Set(["InternalServerError", "InternalFailure", "ServiceUnavailable"]);
const TRANSPORT_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
]);
const TRANSPORT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
]);

/** Classifies a failure of a DynamoDB call. */
export function failureKind(e: unknown): FailureKind {
  if (!(e instanceof Error)) return "other";
  if (THROTTLE.has(e.name)) return "throttle";
  if (CONFLICT.has(e.name)) return "conflict";
  if (e.name === "TransactionCanceledException") {
    const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    if (reasons.some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "ValidationError")) {
      return "other";
    }
    if (reasons.some((r) => r.Code === "ThrottlingError")) return "throttle";
    if (reasons.some((r) => r.Code === "TransactionConflict")) return "conflict";
    return "other";
  }
  if (SERVER.has(e.name)) return "server";
  const code = (e as { code?: unknown }).code;
  if (TRANSPORT_NAMES.has(e.name) || (typeof code === "string" && TRANSPORT_CODES.has(code))) {
    return "transport";
  }
  if (/socket hang up|network|connection (closed|reset)/i.test(e.message)) return "transport";
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 500 ? "server" : "other";
}

/** True when the call may have been applied although it failed (its answer was lost). */
export function isAmbiguous(e: unknown): boolean {
  const kind = failureKind(e);
  return kind === "server" || kind === "transport";
}

/** The backend did not answer in time or at all: 503 `TEMPORARILY_UNAVAILABLE`. */
export class BackendUnavailableError extends MlflowError {
  override name = "BackendUnavailableError";
  constructor(reason: string, options?: ErrorOptions) {
    super(
      "TEMPORARILY_UNAVAILABLE",
      `The backend store is temporarily unavailable (${reason}); retry later`,
      options,
    );
  }
}

function transportReason(e: Error): string {
  const code = (e as { code?: unknown }).code;
  if (TRANSPORT_NAMES.has(e.name) || code === "ETIMEDOUT") return "request timed out";
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  return "connection failed";
}

/**
 * The error a client sees once retries of `e` have run out: {@link BackendUnavailableError}
 * for server and transport failures, 429 for throttling, `e` itself otherwise.
 */
export function exhaustedError(e: unknown): unknown {
  const kind = failureKind(e);
  if (kind === "server" || kind === "transport") {
    const reason = kind === "server" ? "DynamoDB internal error" : transportReason(e as Error);
    console.error(
      `DynamoDB call failed after retries: ${(e as Error).name}: ${(e as Error).message}`,
    );
    return new BackendUnavailableError(reason, { cause: e });
  }
  if (kind === "throttle") {
    return new MlflowError(
      "REQUEST_LIMIT_EXCEEDED",
      "The backend store is throttling requests; retry later",
      { cause: e },
    );
  }
  return e;
}
