/**
 * Aliases: a map `alias → version` on the model record. Setting one is a transaction that checks
 * the version is live and writes the map entry; every change bumps `alias_rev`, which version
 * deletion checks so that an alias never ends up pointing at a deleted version.
 *
 * @module
 */
import { modelVersionKey, registeredModelKey } from "../../keys/key_schema.ts";
import { invalidParameter, notFound } from "../../errors.ts";
import { type Db, isConditionFailure, rawKey, toItem } from "../db.ts";
import { toModelVersion, versionRecordFromItem } from "./items.ts";
import { getLatestVersions } from "./registered_models.ts";
import { findUid, modelNotFound, requireModel, requireUid, versionNotFound } from "./partition.ts";
import { type ModelVersion, STAGE_DELETED_INTERNAL } from "./types.ts";
import {
  validateAliasName,
  validateAliasNotReserved,
  validateModelName,
  validateVersion,
} from "./validation.ts";

/** Points `alias` at a live version (moving it if it pointed elsewhere). */
export async function setRegisteredModelAlias(
  db: Db,
  name: string | undefined,
  alias: string | undefined,
  version: string | number | undefined,
): Promise<void> {
  validateModelName(name);
  validateAliasName(alias);
  validateAliasNotReserved(alias!);
  const v = validateVersion(version);
  const uid = await findUid(db, name!);
  if (uid === undefined || !Number.isSafeInteger(v) || v < 1) throw versionNotFound(name!, v);
  try {
    await db.port.transactWriteItems({
      TransactItems: [
        {
          ConditionCheck: {
            TableName: db.table,
            Key: rawKey(modelVersionKey(uid, v)),
            ConditionExpression: "attribute_exists(pk) AND current_stage <> :deleted",
            ExpressionAttributeValues: { ":deleted": { S: STAGE_DELETED_INTERNAL } },
          },
        },
        {
          Update: {
            TableName: db.table,
            Key: rawKey(registeredModelKey(uid)),
            UpdateExpression: "SET aliases.#a = :v ADD alias_rev :one",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#a": alias! },
            ExpressionAttributeValues: toItem({ ":v": v, ":one": 1 }),
          },
        },
      ],
    });
  } catch (e) {
    if (isConditionFailure(e)) throw versionNotFound(name!, v);
    throw e;
  }
}

/** Removes an alias; a missing alias is a no-op (the model must exist). */
export async function deleteRegisteredModelAlias(
  db: Db,
  name: string | undefined,
  alias: string | undefined,
): Promise<void> {
  validateModelName(name);
  validateAliasName(alias);
  const uid = await requireUid(db, name!);
  try {
    await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(registeredModelKey(uid)),
      UpdateExpression: "REMOVE aliases.#a ADD alias_rev :one",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#a": alias! },
      ExpressionAttributeValues: { ":one": { N: "1" } },
    });
  } catch (e) {
    if (isConditionFailure(e)) throw modelNotFound(name!);
    throw e;
  }
}

/**
 * The version an alias points at. `latest` (any case) is the newest live version. An unknown
 * alias is a 400 `INVALID_PARAMETER_VALUE`, as in MLflow.
 */
export async function getModelVersionByAlias(
  db: Db,
  name: string | undefined,
  alias: string | undefined,
): Promise<ModelVersion> {
  validateModelName(name);
  validateAliasName(alias);
  if (alias!.toLowerCase() === "latest") {
    const latest = await getLatestVersions(db, name, undefined);
    if (latest.length === 0) throw notFound(`Latest version not found for model ${name}.`);
    return latest.reduce((a, b) => (b.version > a.version ? b : a));
  }
  const model = await requireModel(db, name!);
  const version = model.aliases[alias!];
  if (version === undefined) throw invalidParameter(`Registered model alias ${alias} not found.`);
  const { Item } = await db.port.getItem({
    TableName: db.table,
    Key: rawKey(modelVersionKey(model.uid, version)),
    ConsistentRead: true,
  });
  const record = Item ? versionRecordFromItem(Item) : undefined;
  if (!record || record.current_stage === STAGE_DELETED_INTERNAL) {
    throw versionNotFound(name!, version);
  }
  return toModelVersion(model, record);
}
