/**
 * The `mlflow.log-model.history` tag: a JSON list that every `runs/log-model` call appends to.
 *
 * MLflow stores the whole list (never truncated), so the tag is kept whole: at 8,000 characters
 * it moves to a long-value item like any long tag. Appends are conditional, so concurrent calls
 * lose nothing: read the record's current (marker or inline) value, append, write the new value
 * item, then set the tag only if it still holds what was read; on a lost race, re-read and retry.
 *
 * The entry is appended to the stored text (Python's `json.dumps` separators), so earlier entries
 * keep their exact bytes and nothing is parsed that a Python writer could have written with
 * `NaN`. A stored value that is not a list (a history cut at 8,000 characters by an older
 * version) is replaced by a fresh list.
 *
 * The value a replaced history pointed at is retired with a TTL (an hour), not deleted: a reader
 * that has just read the old marker can still resolve it. A history is bounded by one item:
 * about 700 sklearn-size entries; past that the call is refused with `INVALID_PARAMETER_VALUE`.
 *
 * @module
 */
import { runKey, runValueKey, TTL_ATTRIBUTE } from "../../keys/key_schema.ts";
import { invalidParameter, MlflowError } from "../../errors.ts";
import { backoffDelay, sleep } from "../../dynamo/retry.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { type Db, isConditionFailure, rawKey } from "../db.ts";
import { inlineValue, markerHash, resolveLongValues, writeValueItems } from "./long_values.ts";
import type { RunRecord } from "./run_item.ts";

export const LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history";

/** Largest history kept (UTF-8 bytes): one value item, under DynamoDB's 400 KB. */
const MAX_HISTORY_BYTES = 380_000;
const MAX_ATTEMPTS = 60;
const RETIRE_AFTER_S = 3600;

function isList(text: string): boolean {
  const t = text.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) return false;
  try {
    return Array.isArray(JSON.parse(t));
  } catch {
    return true; // Python's json.dumps may write NaN or Infinity, which JSON.parse refuses
  }
}

/** The history text after appending `entry` to `stored`. */
export function appendedHistory(stored: string | undefined, entry: unknown): string {
  const item = pythonJsonDumps(entry);
  if (stored === undefined || !isList(stored)) return `[${item}]`;
  const t = stored.trim();
  return /^\[\s*\]$/.test(t) ? `[${item}]` : `${t.slice(0, -1)}, ${item}]`;
}

/**
 * Appends `entry` to the run's history. `read` reads the run record strongly (the caller has
 * checked that the run is active).
 */
export async function appendHistory(
  db: Db,
  runId: string,
  entry: unknown,
  read: () => Promise<RunRecord>,
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    const record = await read();
    const raw = record.tags[LOG_MODEL_HISTORY_TAG];
    const others = Object.entries(record.tags).filter(([k]) => k !== LOG_MODEL_HISTORY_TAG)
      .map(([, v]) => v);
    await resolveLongValues(db, [record]);
    const value = appendedHistory(record.tags[LOG_MODEL_HISTORY_TAG], entry);
    if (new TextEncoder().encode(value).length > MAX_HISTORY_BYTES) {
      throw invalidParameter(
        `The ${LOG_MODEL_HISTORY_TAG} tag of run ${runId} cannot grow past ${MAX_HISTORY_BYTES} bytes`,
      );
    }
    const { inline, item } = inlineValue(runId, value);
    if (item) await writeValueItems(db, [item]);
    try {
      await db.port.updateItem({
        TableName: db.table,
        Key: rawKey(runKey(runId)),
        UpdateExpression: "SET tags.#h = :new",
        ConditionExpression: raw === undefined
          ? "attribute_exists(pk) AND attribute_not_exists(tags.#h)"
          : "attribute_exists(pk) AND tags.#h = :old",
        ExpressionAttributeNames: { "#h": LOG_MODEL_HISTORY_TAG },
        ExpressionAttributeValues: {
          ":new": { S: inline },
          ...(raw === undefined ? {} : { ":old": { S: raw } }),
        },
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (attempt >= MAX_ATTEMPTS) {
        throw new MlflowError("ABORTED", `Run ${runId} is being written concurrently; retry`);
      }
      await sleep(backoffDelay(Math.min(attempt, 6)));
      continue;
    }
    const oldHash = raw === undefined ? undefined : markerHash(raw);
    if (oldHash !== undefined && raw !== inline && !others.includes(raw!)) {
      await retire(db, runId, oldHash);
    }
    return;
  }
}

async function retire(db: Db, runId: string, hash: string): Promise<void> {
  try {
    await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(runValueKey(runId, hash)),
      UpdateExpression: "SET #ttl = :t",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":t": { N: String(Math.floor(Date.now() / 1000) + RETIRE_AFTER_S) },
      },
    });
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
}
