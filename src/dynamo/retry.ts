/**
 * Bounded retries with full-jitter backoff for throttling, transient 5xx and transaction
 * conflicts. The SDK's own retries are off (`maxAttempts: 1`), so the engine and real DynamoDB
 * take exactly the same path.
 *
 * @module
 */
import type { DynamoPort } from "./port.ts";

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "TimeoutError",
]);

/** True for errors worth another attempt. */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (RETRYABLE.has(e.name)) return true;
  if (e.name === "TransactionCanceledException") {
    const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === "TransactionConflict" || r.Code === "ThrottlingError");
  }
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Retry policy. */
export interface RetryOptions {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 2000 };

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Full-jitter exponential backoff before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, opts: RetryOptions = DEFAULT_RETRY): number {
  return Math.random() * Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
}

/** Runs `fn`, retrying retryable failures at most `maxAttempts - 1` times. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= opts.maxAttempts || !isRetryable(e)) throw e;
      await wait(backoffDelay(attempt, opts));
    }
  }
}

/** Wraps every operation of `port` in {@link withRetry}. */
export function retryingPort(port: DynamoPort, opts: RetryOptions = DEFAULT_RETRY): DynamoPort {
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(port) as (keyof DynamoPort)[]) {
    const op = port[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = name === "close"
      ? () => port.close()
      : (input: unknown) => withRetry(() => op.call(port, input), opts);
  }
  return wrapped as unknown as DynamoPort;
}
