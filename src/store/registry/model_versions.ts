/**
 * Model versions: create (atomic numbering), get, update, soft delete, tags, download URI. Stage
 * transitions are in `version_stages.ts`.
 *
 * Version numbers: `UpdateItem ADD last_version :1` on the model record returns the next number
 * atomically (no read-then-write); a transaction then puts the version on the condition that the
 * model still exists. Concurrent creates get distinct numbers; a number is skipped only when the
 * model disappears between the two steps, and then there is no model left to notice.
 *
 * @module
 */
import { batchGetAll } from "../../dynamo/batch.ts";
import { modelVersionKey, registeredModelKey } from "../../keys/key_schema.ts";
import { MlflowError } from "../../errors.ts";
import { type Db, failedConditions, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";
import { mapWriteError } from "./errors.ts";
import {
  isModelItem,
  type ModelRecord,
  modelRecordFromItem,
  toModelVersion,
  versionItem,
  type VersionRecord,
  versionRecordFromItem,
} from "./items.ts";
import { findUid, modelNotFound, requireUid, versionNotFound } from "./partition.ts";
import type { TagInput } from "./registered_models.ts";
import {
  type ModelVersion,
  REDACTED_RUN_ID,
  REDACTED_RUN_LINK,
  REDACTED_SOURCE,
  STAGE_DELETED_INTERNAL,
  STAGE_NONE,
} from "./types.ts";
import { parseModelUri, urlSplit } from "./uri.ts";
import {
  MAX_REGISTRY_TAG_KEY_LENGTH,
  pyLen,
  validateModelName,
  validateModelVersionTag,
  validateTagName,
  validateVersion,
} from "./validation.ts";

/** What the registry needs to know about a logged model (MLflow 3). */
export interface LoggedModelInfo {
  artifactLocation: string;
  sourceRunId?: string;
}

/** Looks up logged models (404 `MlflowError` when absent). */
export type LoggedModelLookup = (modelId: string) => Promise<LoggedModelInfo>;

/** Inputs of {@link createModelVersion}. */
export interface CreateModelVersionInput {
  name: string | undefined;
  source: string;
  runId?: string;
  tags?: TagInput[];
  runLink?: string;
  description?: string;
  modelId?: string;
}

/** Attempts of an optimistic write before it gives up with `ABORTED`. */
export const MAX_ATTEMPTS = 8;

/** Versions outside 1..2^53 can never exist (and do not fit a key). */
const storableVersion = (v: number) => Number.isSafeInteger(v) && v >= 1;
/** Items in one DynamoDB transaction. */
export const TRANSACTION_LIMIT = 100;

/** Where a `models:/` source really points (MLflow resolves it once, at creation). */
async function resolveStorage(
  db: Db,
  source: string,
  runId: string | undefined,
  lookup: LoggedModelLookup | undefined,
): Promise<{ storageLocation: string; runId: string | undefined }> {
  if (urlSplit(source).scheme !== "models") return { storageLocation: source, runId };
  const parsed = parseModelUri(source);
  try {
    if (parsed.modelId !== undefined) {
      if (!lookup) throw new Error("logged models are not available");
      const model = await lookup(parsed.modelId);
      return { storageLocation: model.artifactLocation, runId: runId || model.sourceRunId };
    }
    if (parsed.version === undefined) {
      throw new Error(
        `int() argument must be a string, a bytes-like object or a real number, not 'NoneType'`,
      );
    }
    return { storageLocation: await getDownloadUri(db, parsed.name, parsed.version), runId };
  } catch (e) {
    throw new MlflowError(
      "INTERNAL_ERROR",
      `Unable to fetch model from model URI source artifact location '${source}'.Error: ${
        e instanceof MlflowError
          ? `${e.code}: ${e.message}`
          : e instanceof Error
          ? e.message
          : String(e)
      }`,
    );
  }
}

/** Creates the next version of a model, stage `None`, status `READY`. */
export async function createModelVersion(
  db: Db,
  input: CreateModelVersionInput,
  lookup?: LoggedModelLookup,
): Promise<ModelVersion> {
  const name = validateModelName(input.name);
  const tags: Record<string, string> = {};
  for (const t of input.tags ?? []) {
    validateModelVersionTag(t.key, t.value);
    tags[t.key!] = t.value!;
  }
  let { storageLocation, runId } = await resolveStorage(db, input.source, input.runId, lookup);
  if (!runId && input.modelId) {
    if (!lookup) throw new MlflowError("INTERNAL_ERROR", "Logged models are not available");
    runId = (await lookup(input.modelId)).sourceRunId;
  }
  const uid = await requireUid(db, name);
  const now = nowMs();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let version: number;
    try {
      const res = await db.port.updateItem({
        TableName: db.table,
        Key: rawKey(registeredModelKey(uid)),
        UpdateExpression: "SET last_updated_time = :t ADD last_version :one",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":t": { N: String(now) }, ":one": { N: "1" } },
        ReturnValues: "UPDATED_NEW",
      });
      version = Number(res.Attributes!.last_version!.N);
    } catch (e) {
      if (isConditionFailure(e)) throw modelNotFound(name);
      throw e;
    }
    const record: VersionRecord = {
      model_uid: uid,
      version,
      creation_time: now,
      last_updated_time: now,
      ...(input.description !== undefined ? { description: input.description } : {}),
      current_stage: STAGE_NONE,
      source: input.source,
      ...(storageLocation !== input.source ? { storage_location: storageLocation } : {}),
      ...(runId !== undefined ? { run_id: runId } : {}),
      ...(input.runLink !== undefined ? { run_link: input.runLink } : {}),
      status: "READY",
      tags,
      ...(input.modelId ? { model_id: input.modelId } : {}),
    };
    try {
      await db.port.transactWriteItems({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: db.table,
              Key: rawKey(registeredModelKey(uid)),
              ConditionExpression: "attribute_exists(pk)",
            },
          },
          {
            Put: {
              TableName: db.table,
              Item: versionItem(record),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw mapWriteError(e);
      if (failedConditions(e)[0]) throw modelNotFound(name);
      continue; // the number is taken (a restored backup?): draw another
    }
    return {
      ...toModelVersion({ name } as ModelRecord, record, false),
      ...(storageLocation !== input.source ? { storageLocation } : {}),
    };
  }
  throw new MlflowError(
    "INTERNAL_ERROR",
    `Model Version creation error (name=${name}). Giving up after ${MAX_ATTEMPTS} attempts.`,
  );
}

/** A live version with its model record; 404 (MLflow's version message) otherwise. */
export async function loadVersion(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
): Promise<{ model: ModelRecord; record: VersionRecord }> {
  validateModelName(name);
  const v = validateVersion(version);
  const uid = await findUid(db, name!);
  if (uid === undefined || !storableVersion(v)) throw versionNotFound(name!, v);
  const items = await batchGetAll(
    db.port,
    db.table,
    [rawKey(registeredModelKey(uid)), rawKey(modelVersionKey(uid, v))],
    true,
  );
  const modelItem = items.find(isModelItem);
  const versionItem = items.find((i) => !isModelItem(i));
  if (!modelItem || !versionItem) throw versionNotFound(name!, v);
  const record = versionRecordFromItem(versionItem);
  if (record.current_stage === STAGE_DELETED_INTERNAL) throw versionNotFound(name!, v);
  return { model: modelRecordFromItem(modelItem), record };
}

/** Reads a live version, with the aliases pointing at it. */
export async function getModelVersion(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
): Promise<ModelVersion> {
  const { model, record } = await loadVersion(db, name, version);
  return toModelVersion(model, record);
}

/** `storage_location or source` of a live version. */
export async function getDownloadUri(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
): Promise<string> {
  const { record } = await loadVersion(db, name, version);
  return record.storage_location || record.source;
}

/** The condition of a write to a live (not soft-deleted) version. */
export const LIVE = "attribute_exists(pk) AND current_stage <> :deleted";

/** Sets (or clears, with `undefined`) a version's description. */
export async function updateModelVersion(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
  description: string | undefined,
): Promise<ModelVersion> {
  const { model, record } = await loadVersion(db, name, version);
  try {
    const res = await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(modelVersionKey(model.uid, record.version)),
      UpdateExpression: description === undefined
        ? "SET last_updated_time = :t REMOVE description"
        : "SET last_updated_time = :t, description = :d",
      ConditionExpression: LIVE,
      ExpressionAttributeValues: toItem({
        ":t": nowMs(),
        ":deleted": STAGE_DELETED_INTERNAL,
        ...(description === undefined ? {} : { ":d": description }),
      }),
      ReturnValues: "ALL_NEW",
    });
    return toModelVersion(model, versionRecordFromItem(res.Attributes!));
  } catch (e) {
    if (isConditionFailure(e)) throw versionNotFound(model.name, record.version);
    throw mapWriteError(e);
  }
}

/**
 * Soft-deletes a version as MLflow does: stage `Deleted_Internal`, fields redacted, aliases that
 * point at it removed, hidden from every read. The alias removal is conditioned on the model's
 * `alias_rev`, so an alias set concurrently is never left pointing at a deleted version.
 */
export async function deleteModelVersion(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { model, record } = await loadVersion(db, name, version);
    const now = nowMs();
    const stale = Object.entries(model.aliases).filter(([, v]) => v === record.version).map(([a]) =>
      a
    );
    const aliasNames = Object.fromEntries(stale.map((a, i) => [`#a${i}`, a]));
    const removeAliases = stale.length > 0
      ? ` REMOVE ${stale.map((_, i) => `aliases.#a${i}`).join(", ")}`
      : "";
    try {
      await db.port.transactWriteItems({
        TransactItems: [
          {
            Update: {
              TableName: db.table,
              Key: rawKey(modelVersionKey(model.uid, record.version)),
              UpdateExpression:
                "SET current_stage = :deleted, last_updated_time = :t, #src = :src, run_id = :rid, " +
                "run_link = :rlink REMOVE description, user_id, status_message, gsi1pk, gsi1sk",
              ConditionExpression: LIVE,
              ExpressionAttributeNames: { "#src": "source" },
              ExpressionAttributeValues: toItem({
                ":deleted": STAGE_DELETED_INTERNAL,
                ":t": now,
                ":src": REDACTED_SOURCE,
                ":rid": REDACTED_RUN_ID,
                ":rlink": REDACTED_RUN_LINK,
              }),
            },
          },
          {
            Update: {
              TableName: db.table,
              Key: rawKey(registeredModelKey(model.uid)),
              UpdateExpression: `SET last_updated_time = :t, alias_rev = :next${removeAliases}`,
              ConditionExpression: "alias_rev = :rev",
              ...(stale.length > 0 ? { ExpressionAttributeNames: aliasNames } : {}),
              ExpressionAttributeValues: toItem({
                ":t": now,
                ":rev": model.alias_rev,
                ":next": model.alias_rev + 1,
              }),
            },
          },
        ],
      });
      return;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (failedConditions(e)[0]) throw versionNotFound(model.name, record.version);
      // The model's aliases changed (or it is gone): read again.
    }
  }
  throw new MlflowError(
    "ABORTED",
    `Model version (name=${name}, version=${version}) changed concurrently; retry`,
  );
}

/** Sets a tag on a live version (upsert). */
export async function setModelVersionTag(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
  key: string | undefined,
  value: string | undefined,
): Promise<void> {
  validateModelName(name);
  const v = validateVersion(version);
  validateModelVersionTag(key, value);
  await updateVersion(db, name!, v, "SET tags.#k = :v", key!, { ":v": value! });
}

/** Deletes a tag of a live version; a missing tag is a no-op, as in MLflow. */
export async function deleteModelVersionTag(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
  key: string | undefined,
): Promise<void> {
  validateModelName(name);
  const v = validateVersion(version);
  validateTagName(key);
  if (pyLen(key!) > MAX_REGISTRY_TAG_KEY_LENGTH) {
    // No such tag can exist (and DynamoDB refuses names over 64 KB): nothing to delete.
    await getModelVersion(db, name, v);
    return;
  }
  await updateVersion(db, name!, v, "REMOVE tags.#k", key!, {});
}

async function updateVersion(
  db: Db,
  name: string,
  version: number,
  expression: string,
  key: string,
  values: Record<string, string>,
): Promise<void> {
  const uid = await findUid(db, name);
  if (uid === undefined || !storableVersion(version)) throw versionNotFound(name, version);
  try {
    await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(modelVersionKey(uid, version)),
      UpdateExpression: expression,
      ConditionExpression: LIVE,
      ExpressionAttributeNames: { "#k": key },
      ExpressionAttributeValues: toItem({ ...values, ":deleted": STAGE_DELETED_INTERNAL }),
    });
  } catch (e) {
    if (isConditionFailure(e)) throw versionNotFound(name, version);
    throw mapWriteError(e);
  }
}
