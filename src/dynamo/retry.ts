/**
 * Bounded retries with full-jitter backoff for throttling, transaction conflicts, transient 5xx
 * and timeouts (see {@link ./failures.ts} for the classification). The SDK's own retries are off
 * (`maxAttempts: 1`), so the engine and real DynamoDB take exactly the same path.
 *
 * A retried write must not answer differently from the attempt whose answer was lost:
 * - every `TransactWriteItems` carries a `ClientRequestToken` (the caller's, or one drawn once
 *   per call and reused by every attempt), so DynamoDB applies a retried transaction once and
 *   answers success to the retry of one that was applied (a timed-out experiment create never
 *   answers "already exists" to the request that created it);
 * - a conditional `PutItem` whose earlier attempt failed ambiguously (timeout, 5xx) and whose
 *   retry fails its condition is a success when the item stored is exactly the item put (the
 *   first attempt was applied); anything else is the condition failure it looks like.
 *
 * Not idempotent on retry, by design: `UpdateItem ... ADD` counters (an id or version number is
 * skipped when an applied attempt's answer is lost; nothing is duplicated).
 *
 * @module
 */
import type { AttributeValue, PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "./port.ts";
import { exhaustedError, failureKind, isAmbiguous } from "./failures.ts";
import { PK, SK } from "../keys/key_schema.ts";

/** Retry policy. */
export interface RetryOptions {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  /** Attempts in total when the failures are timeouts or network errors (a stalled backend). */
  maxTransportAttempts?: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (metrics: `src/util/request_cost.ts`). */
  onRetry?: (e: unknown) => void;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 8,
  maxTransportAttempts: 3,
  baseDelayMs: 20,
  maxDelayMs: 2000,
};

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Full-jitter exponential backoff before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, opts: RetryOptions = DEFAULT_RETRY): number {
  return Math.random() * Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
}

/**
 * Runs `fn`, retrying retryable failures at most `maxAttempts - 1` times (transport failures
 * `maxTransportAttempts - 1` times). `fn` learns whether an earlier attempt failed ambiguously.
 * When retries run out, server and transport failures become 503 and throttling 429
 * ({@link exhaustedError}).
 */
export async function withRetry<T>(
  fn: (ctx: { ambiguous: boolean }) => Promise<T>,
  opts: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  const wait = opts.sleep ?? sleep;
  const ctx = { ambiguous: false };
  let transport = 0;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(ctx);
    } catch (e) {
      const kind = failureKind(e);
      if (kind === "other") throw e;
      if (kind === "transport") transport++;
      if (isAmbiguous(e)) ctx.ambiguous = true;
      const limit = opts.maxTransportAttempts ?? opts.maxAttempts;
      if (attempt >= opts.maxAttempts || transport >= limit) throw exhaustedError(e);
      opts.onRetry?.(e);
      await wait(backoffDelay(attempt, opts));
    }
  }
}

/** Wraps every operation of `port` in {@link withRetry}, with idempotent transactions and puts. */
export function retryingPort(port: DynamoPort, opts: RetryOptions = DEFAULT_RETRY): DynamoPort {
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(port) as (keyof DynamoPort)[]) {
    const op = port[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = name === "close"
      ? () => port.close()
      : (input: unknown) => withRetry(() => op.call(port, input), opts);
  }
  const out = wrapped as unknown as DynamoPort;
  out.transactWriteItems = (input) => {
    const once = { ...input, ClientRequestToken: input.ClientRequestToken ?? newToken() };
    return withRetry(() => port.transactWriteItems(once), opts);
  };
  out.putItem = (input) =>
    withRetry(async (ctx) => {
      try {
        return await port.putItem(input);
      } catch (e) {
        if (ctx.ambiguous && await appliedEarlier(port, input, e)) return {};
        throw e;
      }
    }, opts);
  return out;
}

/** A fresh idempotency token (DynamoDB accepts 1 to 36 characters). */
const newToken = (): string => crypto.randomUUID();

// After an ambiguous failure, a conditional put that now fails its condition was applied by the
// earlier attempt if the stored item is exactly the item put.
async function appliedEarlier(
  port: DynamoPort,
  input: PutItemCommandInput,
  e: unknown,
): Promise<boolean> {
  if (!(e instanceof Error && e.name === "ConditionalCheckFailedException")) return false;
  const item = input.Item ?? {};
  if (!item[PK] || !item[SK]) return false;
  const { Item } = await withRetry(() =>
    port.getItem({
      TableName: input.TableName,
      Key: { [PK]: item[PK]!, [SK]: item[SK]! },
      ConsistentRead: true,
    })
  );
  return Item !== undefined && sameItem(Item, item);
}

/** Deep equality of two DynamoDB items (numbers by value, sets in any order). */
export function sameItem(
  a: Record<string, AttributeValue>,
  b: Record<string, AttributeValue>,
): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && sameValue(a[k]!, b[k]!));
}

function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  if (a.S !== undefined) return a.S === b.S;
  if (a.N !== undefined) return b.N !== undefined && Number(a.N) === Number(b.N);
  if (a.BOOL !== undefined) return a.BOOL === b.BOOL;
  if (a.NULL !== undefined) return b.NULL !== undefined;
  if (a.B !== undefined) return b.B !== undefined && sameBytes(a.B, b.B);
  if (a.M !== undefined) return b.M !== undefined && sameItem(a.M, b.M);
  if (a.L !== undefined) {
    return b.L !== undefined && a.L.length === b.L.length &&
      a.L.every((v, i) => sameValue(v, b.L![i]!));
  }
  if (a.SS !== undefined) return b.SS !== undefined && sameSet(a.SS, b.SS);
  if (a.NS !== undefined) {
    return b.NS !== undefined &&
      sameSet(a.NS.map((n) => String(Number(n))), b.NS.map((n) => String(Number(n))));
  }
  if (a.BS !== undefined) {
    const hex = (s: Uint8Array[]) => s.map((x) => Array.from(x).join(","));
    return b.BS !== undefined && sameSet(hex(a.BS), hex(b.BS));
  }
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}
