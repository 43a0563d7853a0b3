/**
 * Model version stage transitions: a version moves to a stage, and with `archive_existing_versions`
 * every other version in that stage moves to Archived (the first 98 in the transition's own
 * transaction, the rest in further transactions of 100; docs/registry.md).
 *
 * @module
 */
import { batchGetAll } from "../../dynamo/batch.ts";
import { modelVersionKey, registeredModelKey } from "../../keys/key_schema.ts";
import { MlflowError } from "../../errors.ts";
import { type Db, failedConditions, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";
import { toModelVersion, type VersionRecord, versionRecordFromItem } from "./items.ts";
import { LIVE, MAX_ATTEMPTS, TRANSACTION_LIMIT } from "./model_versions.ts";
import { findUid, readPartition, versionNotFound } from "./partition.ts";
import { type ModelVersion, STAGE_ARCHIVED, STAGE_DELETED_INTERNAL } from "./types.ts";
import {
  canonicalStage,
  validateArchiveExisting,
  validateModelName,
  validateVersion,
} from "./validation.ts";

/**
 * Moves a version to `stage`; with `archiveExisting`, every other version in that stage moves to
 * Archived: in the same transaction as the transition for the first 98 of them, the rest in
 * further transactions of 100 ({@link archiveRest}; not atomic with the transition, see
 * docs/registry.md).
 */
export async function transitionModelVersionStage(
  db: Db,
  name: string | undefined,
  version: string | number | undefined,
  stage: string,
  archiveExisting: boolean,
): Promise<ModelVersion> {
  validateArchiveExisting(stage, archiveExisting);
  validateModelName(name);
  const v = validateVersion(version);
  const uid = await findUid(db, name!);
  if (uid === undefined) throw versionNotFound(name!, v);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const partition = await readPartition(db, uid);
    const record = partition?.versions.find((r) => r.version === v);
    if (!partition || !record || record.current_stage === STAGE_DELETED_INTERNAL) {
      throw versionNotFound(name!, v);
    }
    const model = partition.model;
    const target = canonicalStage(stage);
    const now = nowMs();
    const toArchive = archiveExisting
      ? partition.versions.filter((r) => r.version !== v && r.current_stage === target)
      : [];
    const stageUpdate = (r: VersionRecord, to: string, condition: string) => ({
      Update: {
        TableName: db.table,
        Key: rawKey(modelVersionKey(model.uid, r.version)),
        UpdateExpression: "SET current_stage = :s, last_updated_time = :t",
        ConditionExpression: condition,
        ExpressionAttributeValues: toItem({
          ":s": to,
          ":t": now,
          ...(condition === LIVE ? { ":deleted": STAGE_DELETED_INTERNAL } : { ":from": target }),
        }),
      },
    });
    const items = [
      stageUpdate(record, target, LIVE),
      {
        Update: {
          TableName: db.table,
          Key: rawKey(registeredModelKey(model.uid)),
          UpdateExpression: "SET last_updated_time = :t",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: toItem({ ":t": now }),
        },
      },
      ...toArchive.map((r) => stageUpdate(r, STAGE_ARCHIVED, "current_stage = :from")),
    ];
    try {
      await db.port.transactWriteItems({ TransactItems: items.slice(0, TRANSACTION_LIMIT) });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const failed = failedConditions(e);
      if (failed[0]) throw versionNotFound(model.name, v);
      if (failed[1]) throw versionNotFound(model.name, v);
      continue; // another version changed stage meanwhile: look again
    }
    await archiveRest(db, model.uid, toArchive.slice(TRANSACTION_LIMIT - 2), target, now);
    return toModelVersion(model, { ...record, current_stage: target, last_updated_time: now });
  }
  throw new MlflowError(
    "ABORTED",
    `Model version (name=${name}, version=${v}) changed concurrently; retry`,
  );
}

/**
 * Archives the versions that did not fit the transition's transaction, 100 per transaction, each
 * conditioned on still being in `from`. When a version left `from` meanwhile (another writer),
 * its chunk is cancelled as a whole: the chunk's versions are read again and those still in
 * `from` are archived in a new attempt, so one concurrent change never leaves the rest behind.
 */
async function archiveRest(
  db: Db,
  uid: string,
  versions: VersionRecord[],
  from: string,
  now: number,
): Promise<void> {
  for (let i = 0; i < versions.length; i += TRANSACTION_LIMIT) {
    let chunk = versions.slice(i, i + TRANSACTION_LIMIT).map((r) => r.version);
    for (let attempt = 0; chunk.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) {
        throw new MlflowError(
          "ABORTED",
          `Archiving the other versions in stage '${from}' kept meeting concurrent changes; retry`,
        );
      }
      try {
        await db.port.transactWriteItems({
          TransactItems: chunk.map((v) => ({
            Update: {
              TableName: db.table,
              Key: rawKey(modelVersionKey(uid, v)),
              UpdateExpression: "SET current_stage = :s, last_updated_time = :t",
              ConditionExpression: "current_stage = :from",
              ExpressionAttributeValues: toItem({ ":s": STAGE_ARCHIVED, ":t": now, ":from": from }),
            },
          })),
        });
        break;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        const fresh = await batchGetAll(
          db.port,
          db.table,
          chunk.map((v) => rawKey(modelVersionKey(uid, v))),
          true,
        );
        chunk = fresh.map(versionRecordFromItem).filter((r) => r.current_stage === from)
          .map((r) => r.version);
      }
    }
  }
}
