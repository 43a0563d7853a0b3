/**
 * The DynamoDB cost of the request being served: calls, consumed read and write capacity units,
 * throttled calls and retries. The HTTP layer opens one {@link RequestCost} per request
 * ({@link withRequestCost}); the metering port (`src/dynamo/metering.ts`) and the retry loop add
 * to whichever one is current, found through `AsyncLocalStorage`, so no store function has to
 * pass it along. Outside a request (start-up, `deno task gc`) nothing is recorded.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What one request cost in DynamoDB. */
export interface RequestCost {
  /** DynamoDB calls made, each attempt of a retried call counted. */
  calls: number;
  /** Read capacity units consumed, as DynamoDB reports them (`ConsumedCapacity`). */
  rcu: number;
  /** Write capacity units consumed. */
  wcu: number;
  /** Calls DynamoDB refused with a throttling error. */
  throttles: number;
  /** Attempts repeated after a retryable failure. */
  retries: number;
}

const storage = new AsyncLocalStorage<RequestCost>();

/** A zero cost. */
export function emptyCost(): RequestCost {
  return { calls: 0, rcu: 0, wcu: 0, throttles: 0, retries: 0 };
}

/** Runs `fn` with `cost` as the current request's cost. */
export function withRequestCost<T>(cost: RequestCost, fn: () => T): T {
  return storage.run(cost, fn);
}

/** Runs `fn` outside any request, so that background work started by a request (history
 * compaction) is not counted in that request's cost. */
export function outsideRequest<T>(fn: () => T): T {
  // Not `storage.exit`: in Deno 2.9 its context comes back after the first `await`.
  return storage.run(undefined as unknown as RequestCost, fn);
}

/** The current request's cost, or undefined outside a request. */
export function currentCost(): RequestCost | undefined {
  return storage.getStore();
}

/** Adds to the current request's cost (no-op outside a request). */
export function addCost(delta: Partial<RequestCost>): void {
  const cost = storage.getStore();
  if (!cost) return;
  cost.calls += delta.calls ?? 0;
  cost.rcu += delta.rcu ?? 0;
  cost.wcu += delta.wcu ?? 0;
  cost.throttles += delta.throttles ?? 0;
  cost.retries += delta.retries ?? 0;
}
