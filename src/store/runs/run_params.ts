/**
 * Params of a run, one item each (`P#<key>` in the run's partition), so that a param batch costs
 * the same whatever the run already holds and concurrent writers never contend on the run record.
 *
 * Immutability is a per-item condition: a batch is one TransactWriteItems (MLflow allows at most
 * 100 params a batch, DynamoDB 100 actions a transaction) of Puts conditioned on
 * `attribute_not_exists(pk) OR v = :v` for a value of at most {@link INLINE_COMPARE_MAX}
 * characters (the value itself is as small as a hash: no sha256 per param on the hot path), and
 * on `attribute_not_exists(pk) OR h = :h` for a longer one (`h`: its sha256, stored only on
 * long values, so the condition payload stays small). Both conditions hold against any stored
 * item: a short and a long value differ in length, so a long value's `h` condition fails on a
 * short value's item (no `h`) and a short value's `v` condition fails on a long one, as they
 * should; items written before this split carry `h` for short values too, which is ignored.
 * Re-logging the same value passes; a different stored value cancels the whole batch,
 * and the failing action names the key for MLflow's message. Concurrent transactions on the same
 * param items are cancelled with `TransactionConflict`; they are retried with backoff until they
 * meet a committed value (then the condition decides).
 *
 * Each item carries the run's GSI1 listing key, so search reads params with the run records.
 * Runs written before this layout (schema 1, commit 6a8d938) hold params in the record's `params`
 * map; they are read and checked too, and never written there again.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { RUN_PARAM_PREFIX, runDetailGsi1, runParamKey } from "../../keys/key_schema.ts";
import { invalidParameter, MlflowError } from "../../errors.ts";
import { backoffDelay, sleep } from "../../dynamo/retry.ts";
import { failureKind } from "../../dynamo/failures.ts";
import { type Db, failedConditions, isConditionFailure, type RawItem, rawKey } from "../db.ts";
import type { Tag } from "../entities.ts";
import { resolveLongValues } from "./long_values.ts";
import type { RunRecord } from "./run_item.ts";

/** Attempts of a batch that keeps meeting concurrent transactions on its items. */
const MAX_CONFLICT_ATTEMPTS = 40;

/** GSI1 sort-key suffix of param items. */
export const PARAM_GSI_KIND = "P";

/** Values up to this many characters are compared as they are, longer ones by their hash. */
export const INLINE_COMPARE_MAX = 64;

const hashOf = (v: string): string => createHash("sha256").update(v).digest("base64");

/** The item attributes and condition that make a put of `value` pass only on the same value. */
function sameValueGuard(value: string): {
  attributes: RawItem;
  ConditionExpression: string;
  ExpressionAttributeValues: RawItem;
} {
  if (value.length <= INLINE_COMPARE_MAX) {
    return {
      attributes: {},
      ConditionExpression: "attribute_not_exists(pk) OR v = :v",
      ExpressionAttributeValues: { ":v": { S: value } },
    };
  }
  const h = { S: hashOf(value) };
  return {
    attributes: { h },
    ConditionExpression: "attribute_not_exists(pk) OR h = :h",
    ExpressionAttributeValues: { ":h": h },
  };
}

function conflictError(runId: string, key: string, stored: string, attempted: string) {
  return invalidParameter(
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${stored}' for run ID='${runId}'. Attempted logging new value '${attempted}'.`,
  );
}

/**
 * Writes `params` (keys unique, values already truncated) to an active run whose record is
 * `record`. All or nothing: a conflicting value writes no param.
 */
export async function writeParams(db: Db, record: RunRecord, params: Tag[]): Promise<void> {
  const runId = record.run_id;
  let fresh = params;
  // Legacy params on the record never change any more, so an in-memory check is race-free.
  if (params.some((p) => p.key in record.params)) {
    await resolveLongValues(db, [record]);
    for (const p of params) {
      const stored = record.params[p.key];
      if (stored !== undefined && stored !== p.value) {
        throw conflictError(runId, p.key, stored, p.value);
      }
    }
    fresh = params.filter((p) => !(p.key in record.params));
  }
  if (fresh.length === 0) return;
  const gsi = runDetailGsi1(record.experiment_id, runId, record.start_time, PARAM_GSI_KIND);
  const puts: TransactWriteItem[] = fresh.map((p) => {
    const { attributes, ConditionExpression, ExpressionAttributeValues } = sameValueGuard(p.value);
    return {
      Put: {
        TableName: db.table,
        Item: {
          ...rawKey(runParamKey(runId, p.key)),
          gsi1pk: { S: gsi.gsi1pk },
          gsi1sk: { S: gsi.gsi1sk },
          v: { S: p.value },
          ...attributes,
        },
        ConditionExpression,
        ExpressionAttributeValues,
      },
    };
  });
  for (let attempt = 1;; attempt++) {
    try {
      if (puts.length === 1) await db.port.putItem(puts[0]!.Put!);
      else await db.port.transactWriteItems({ TransactItems: puts });
      return;
    } catch (e) {
      if (isConditionFailure(e)) {
        const failed = puts.length === 1 ? 0 : failedConditions(e).indexOf(true);
        throw await conflictFor(db, runId, fresh[Math.max(0, failed)]!);
      }
      // The port already retried throttling and transport failures; conflicts between param
      // writers of one run are expected under load, so they get more (backed-off) attempts here.
      const retryable = failureKind(e) === "conflict";
      if (!retryable || attempt >= MAX_CONFLICT_ATTEMPTS) {
        if (retryable) {
          throw new MlflowError(
            "ABORTED",
            `Run ${runId} is being written concurrently; retry the request`,
          );
        }
        throw e;
      }
      await sleep(backoffDelay(Math.min(attempt, 7)));
    }
  }
}

async function conflictFor(db: Db, runId: string, p: Tag): Promise<MlflowError> {
  const { Item } = await db.port.getItem({
    TableName: db.table,
    Key: rawKey(runParamKey(runId, p.key)),
    ConsistentRead: true,
  });
  return conflictError(runId, p.key, Item?.v?.S ?? "", p.value);
}

/** Params held in their own items (sk `P#<key>`), from a partition or listing read. */
export function paramsFromItems(items: RawItem[], into: Record<string, string> = {}) {
  for (const item of items) {
    const sk = item.sk?.S ?? "";
    if (sk.startsWith(RUN_PARAM_PREFIX)) into[sk.slice(RUN_PARAM_PREFIX.length)] = item.v!.S!;
  }
  return into;
}
