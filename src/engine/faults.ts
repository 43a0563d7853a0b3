/**
 * Fault injection for tests of retry and partial-failure handling.
 *
 * @example
 * ```ts
 * const engine = createEngine();
 * // The next two PutItem calls throw ProvisionedThroughputExceededException.
 * engine.faults.inject({ op: "putItem", error: "throttle", times: 2 });
 * // Any operation: InternalServerError once.
 * engine.faults.inject({ op: "*", error: "internal" });
 * // The next TransactWriteItems is cancelled with a TransactionConflict reason.
 * engine.faults.inject({ op: "transactWriteItems", error: "conflict" });
 * // The next PutItem is applied, then its answer is lost: the caller gets a TimeoutError.
 * engine.faults.inject({ op: "putItem", error: "timeout", after: true });
 * // The next BatchWriteItem applies only part of the request and returns the rest as
 * // UnprocessedItems (BatchGetItem: UnprocessedKeys).
 * engine.faults.unprocessed({ op: "batchWriteItem", times: 1 });
 * engine.faults.clear();
 * ```
 *
 * Errors by kind:
 * - `throttle`: `ProvisionedThroughputExceededException` (`ThrottlingException` for table operations);
 * - `internal`: `InternalServerError`;
 * - `conflict`: `TransactionCanceledException` whose first reason is `TransactionConflict` (one
 *   reason per action of a transaction, one reason otherwise);
 * - `transactionConflict`: `TransactionConflictException`, what DynamoDB raises when a single-item
 *   write meets an ongoing transaction;
 * - `timeout`: a `TimeoutError` (code `ETIMEDOUT`), what the SDK's HTTP handler raises when a
 *   request exceeds its `requestTimeout`.
 *
 * Faults fire before the operation does anything, so a faulted call changes nothing, unless the
 * spec says `after: true`: then the operation is applied and its answer replaced by the error
 * (a lost answer, as when a timeout strikes after DynamoDB committed).
 *
 * @module
 */
import { TransactionConflictException } from "@aws-sdk/client-dynamodb";
import {
  internalServerError,
  throttling,
  throughputExceeded,
  transactionCanceled,
} from "./errors.ts";

/** Operation names as on the port. */
export type OperationName =
  | "getItem"
  | "putItem"
  | "updateItem"
  | "deleteItem"
  | "query"
  | "scan"
  | "batchGetItem"
  | "batchWriteItem"
  | "transactWriteItems"
  | "transactGetItems"
  | "createTable"
  | "describeTable"
  | "deleteTable"
  | "updateTimeToLive";

/** An error to inject. */
export interface FaultSpec {
  /** Operation to fail, or `"*"` for any. */
  op: OperationName | "*";
  error: "throttle" | "internal" | "conflict" | "transactionConflict" | "timeout";
  /** How many calls fail (default 1). */
  times?: number;
  /** Fire after the operation was applied instead of before (default false). */
  after?: boolean;
}

/** A partial batch to inject. */
export interface UnprocessedSpec {
  op: "batchWriteItem" | "batchGetItem";
  /** How many calls are affected (default 1). */
  times?: number;
  /** Share of the requests returned unprocessed, rounded up, at least one (default 0.5). */
  fraction?: number;
}

const TABLE_OPS = new Set(["createTable", "describeTable", "deleteTable", "updateTimeToLive"]);

/** The injector behind `engine.faults`. */
export class Faults {
  #errors: (FaultSpec & { times: number })[] = [];
  #unprocessed: (UnprocessedSpec & { times: number })[] = [];

  /** Makes the next `times` calls of `op` throw. */
  inject(spec: FaultSpec): void {
    this.#errors.push({ ...spec, times: spec.times ?? 1 });
  }

  /** Makes the next `times` batch calls leave part of the request unprocessed. */
  unprocessed(spec: UnprocessedSpec): void {
    this.#unprocessed.push({ ...spec, times: spec.times ?? 1 });
  }

  /** Removes every pending fault. */
  clear(): void {
    this.#errors = [];
    this.#unprocessed = [];
  }

  /** Number of faulted calls still pending. */
  get pending(): number {
    return [...this.#errors, ...this.#unprocessed].reduce((n, f) => n + f.times, 0);
  }

  /** Throws the injected error for `op`, if one is pending. `actions` sizes cancellation reasons. */
  check(op: OperationName, actions = 1): void {
    this.#fire(op, actions, false);
  }

  /** Throws the injected `after: true` error for `op` (the operation was applied), if pending. */
  checkAfter(op: OperationName): void {
    this.#fire(op, 1, true);
  }

  #fire(op: OperationName, actions: number, after: boolean): void {
    const i = this.#errors.findIndex((f) =>
      (f.op === op || f.op === "*") && (f.after ?? false) === after
    );
    if (i < 0) return;
    const f = this.#errors[i]!;
    if (--f.times <= 0) this.#errors.splice(i, 1);
    switch (f.error) {
      case "throttle":
        throw TABLE_OPS.has(op) ? throttling() : throughputExceeded();
      case "internal":
        throw internalServerError();
      case "conflict":
        throw transactionCanceled(
          Array.from(
            { length: Math.max(1, actions) },
            (_, k) =>
              k === 0
                ? { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" }
                : { Code: "None" },
          ),
        );
      case "transactionConflict":
        throw new TransactionConflictException({
          message: "Transaction is ongoing for the item",
          $metadata: { httpStatusCode: 400 },
        });
      case "timeout":
        throw Object.assign(new Error("Request timed out (injected)"), {
          name: "TimeoutError",
          code: "ETIMEDOUT",
        });
    }
  }

  /** How many of `count` requests a pending unprocessed fault for `op` holds back (0 if none). */
  takeUnprocessed(op: "batchWriteItem" | "batchGetItem", count: number): number {
    const i = this.#unprocessed.findIndex((f) => f.op === op);
    if (i < 0 || count === 0) return 0;
    const f = this.#unprocessed[i]!;
    if (--f.times <= 0) this.#unprocessed.splice(i, 1);
    return Math.min(count, Math.max(1, Math.ceil(count * (f.fraction ?? 0.5))));
  }
}
