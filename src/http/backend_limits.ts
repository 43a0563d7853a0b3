/**
 * A safety net for input that is too big for DynamoDB: a name too long for a key (2,048 bytes
 * for a partition key, 1,024 for a sort key), an attribute name over 64 KB, or an item over
 * 400 KB. The store should refuse or reshape such input before it reaches a write (issue #8
 * items 8 and 10); whatever still gets through answers MLflow's 400 `INVALID_PARAMETER_VALUE`
 * here instead of a 500, and the request has written nothing (DynamoDB refuses the whole call).
 *
 * @module
 */
import { MlflowError } from "../errors.ts";

// The messages of the engine, DynamoDB Local and DynamoDB for the same limits.
const KEY_TOO_LONG = new RegExp(
  [
    "Size of (hashkey|rangekey) has exceeded",
    "size of all range keys has exceeded",
    "primary key values must be under",
    "Attribute name is too large",
  ].join("|"),
  "i",
);
const ITEM_TOO_BIG = /Item size (to update )?has exceeded/i;

interface AwsLikeError {
  name?: string;
  message?: string;
  CancellationReasons?: { Code?: string; Message?: string }[];
}

function sizeRefusal(message: string): MlflowError | undefined {
  if (ITEM_TOO_BIG.test(message)) {
    return new MlflowError(
      "INVALID_PARAMETER_VALUE",
      "The request's values are too large to store together (DynamoDB item limit of 400 KB).",
    );
  }
  if (KEY_TOO_LONG.test(message)) {
    return new MlflowError(
      "INVALID_PARAMETER_VALUE",
      "A name, key or id in the request is too long to store.",
    );
  }
  return undefined;
}

/** The MLflow error for a DynamoDB refusal caused by the input's size, else `undefined`. */
export function backendLimitError(err: unknown): MlflowError | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as AwsLikeError;
  if (e.name === "ValidationException") return sizeRefusal(e.message ?? "");
  if (e.name === "TransactionCanceledException") {
    for (const r of e.CancellationReasons ?? []) {
      if (r.Code === "ValidationError") {
        const mapped = sizeRefusal(r.Message ?? "");
        if (mapped) return mapped;
      }
    }
    return sizeRefusal(e.message ?? "");
  }
  return undefined;
}
