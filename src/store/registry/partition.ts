/**
 * Reading a model: name guard → uid, then one Query of the model's partition (the model record
 * and every version record), from which `latest_versions` is computed.
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import {
  MODEL_VERSION_PREFIX,
  registeredModelKey,
  registeredModelNameKey,
} from "../../keys/key_schema.ts";
import { currentWorkspace } from "../../util/workspace_context.ts";
import { notFound } from "../../errors.ts";
import { type Db, rawKey } from "../db.ts";
import {
  isModelItem,
  isVersionItem,
  type ModelRecord,
  modelRecordFromItem,
  toModelVersion,
  type VersionRecord,
  versionRecordFromItem,
} from "./items.ts";
import { type ModelVersion, STAGE_DELETED_INTERNAL } from "./types.ts";

/** MLflow's message for an absent registered model. */
export const modelNotFound = (name: string) =>
  notFound(`Registered Model with name=${name} not found`);

/** MLflow's message for an absent (or soft-deleted) model version. */
export const versionNotFound = (name: string, version: number | string) =>
  notFound(`Model Version (name=${name}, version=${version}) not found`);

/** A model record with every version record of its partition (deleted ones included). */
export interface ModelPartition {
  model: ModelRecord;
  versions: VersionRecord[];
}

/** The uid of the model holding `name`, or undefined. */
export async function findUid(db: Db, name: string): Promise<string | undefined> {
  const { Item } = await db.port.getItem({
    TableName: db.table,
    Key: rawKey(registeredModelNameKey(name, currentWorkspace())),
    ConsistentRead: true,
  });
  return Item?.uid?.S;
}

/** The uid of the model holding `name`; 404 when there is none. */
export async function requireUid(db: Db, name: string): Promise<string> {
  const uid = await findUid(db, name);
  if (uid === undefined) throw modelNotFound(name);
  return uid;
}

/** Reads the model record of `uid`, or undefined. */
export async function readModel(db: Db, uid: string): Promise<ModelRecord | undefined> {
  const { Item } = await db.port.getItem({
    TableName: db.table,
    Key: rawKey(registeredModelKey(uid)),
    ConsistentRead: true,
  });
  return Item ? modelRecordFromItem(Item) : undefined;
}

/** Reads the model holding `name`; 404 when absent. */
export async function requireModel(db: Db, name: string): Promise<ModelRecord> {
  const model = await readModel(db, await requireUid(db, name));
  if (!model) throw modelNotFound(name);
  return model;
}

/** Reads the model's partition (record and versions) with one paged Query. */
export async function readPartition(
  db: Db,
  uid: string,
  consistent = true,
): Promise<ModelPartition | undefined> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: registeredModelKey(uid).pk } },
    ConsistentRead: consistent,
  });
  const modelItem = items.find(isModelItem);
  if (!modelItem) return undefined;
  return {
    model: modelRecordFromItem(modelItem),
    versions: items.filter(isVersionItem).map(versionRecordFromItem),
  };
}

/** Reads the version records of a model (one paged Query of the `MV#` range). */
export async function readVersions(
  db: Db,
  uid: string,
  consistent = true,
): Promise<VersionRecord[]> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :mv)",
    ExpressionAttributeValues: {
      ":pk": { S: registeredModelKey(uid).pk },
      ":mv": { S: MODEL_VERSION_PREFIX },
    },
    ConsistentRead: consistent,
  });
  return items.map(versionRecordFromItem);
}

/** Reads the partition of the model holding `name`; 404 when absent. */
export async function requirePartition(db: Db, name: string): Promise<ModelPartition> {
  const partition = await readPartition(db, await requireUid(db, name));
  if (!partition) throw modelNotFound(name);
  return partition;
}

/**
 * The newest live version of each stage. Order: stages as first met walking versions upwards,
 * which is the order MLflow's SQL store yields. Versions carry no aliases here (as in MLflow).
 */
export function latestPerStage(model: ModelRecord, versions: VersionRecord[]): ModelVersion[] {
  const latest = new Map<string, VersionRecord>();
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    if (v.current_stage === STAGE_DELETED_INTERNAL) continue;
    latest.set(v.current_stage, v);
  }
  return [...latest.values()].map((v) => toModelVersion(model, v, false));
}
