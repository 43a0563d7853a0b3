/**
 * DynamoDB write failures that are the client's doing.
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import { errorName } from "../db.ts";

/**
 * Maps DynamoDB's 400 KB item limit to a 400: a model or version keeps its tags in its own item,
 * so tags whose sum exceeds ~400 KB cannot be stored (MLflow's per-tag limit is 100,000 chars).
 */
export function mapWriteError(e: unknown): unknown {
  const reasons = (e as { CancellationReasons?: { Message?: string }[] }).CancellationReasons ?? [];
  const message = [e instanceof Error ? e.message : "", ...reasons.map((r) => r.Message ?? "")]
    .join(" ");
  const tooLarge = /item size|size has exceeded|exceeds? the maximum (allowed )?(item )?size/i.test(
    message,
  );
  if (
    (errorName(e) === "ValidationException" || errorName(e) === "TransactionCanceledException") &&
    tooLarge
  ) {
    return invalidParameter(
      "The tags of this registered model or model version exceed the 400 KB a DynamoDB item can hold.",
    );
  }
  return e;
}
