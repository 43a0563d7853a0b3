/**
 * Registered models (and prompts, which are registered models with a tag): create, get, rename,
 * update, delete, tags, latest versions.
 *
 * Names are unique across models and prompts through the guard item `RMNAME#<name>`, written in
 * the same transaction as the record with `attribute_not_exists(pk)`; rename swaps guards and
 * updates the record in one transaction. Versions are keyed by the model's uid, so a rename never
 * touches them.
 *
 * @module
 */
import { batchWriteAll, queryAll } from "../../dynamo/batch.ts";
import {
  registeredModelGsi1,
  registeredModelKey,
  registeredModelNameKey,
} from "../../keys/key_schema.ts";
import { currentWorkspace } from "../../util/workspace_context.ts";
import { alreadyExists, MlflowError } from "../../errors.ts";
import { type Db, failedConditions, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";
import { mapWriteError } from "./errors.ts";
import {
  modelItem,
  type ModelRecord,
  nameGuardItem,
  toModelVersion,
  toRegisteredModel,
} from "./items.ts";
import {
  findUid,
  latestPerStage,
  modelNotFound,
  readModel,
  readPartition,
  requirePartition,
  requireUid,
} from "./partition.ts";
import { IS_PROMPT_TAG_KEY, type ModelVersion, type RegisteredModel } from "./types.ts";
import {
  canonicalStage,
  MAX_REGISTRY_TAG_KEY_LENGTH,
  pyLen,
  validateModelName,
  validateNewModelName,
  validateRegisteredModelTag,
  validateTagName,
} from "./validation.ts";
import { ALL_STAGES } from "./types.ts";

/** A key/value pair as requests carry tags. */
export interface TagInput {
  key?: string;
  value?: string;
}

/** Inputs of {@link createRegisteredModel}. */
export interface CreateRegisteredModelInput {
  name: string | undefined;
  tags?: TagInput[];
  description?: string;
}

/** `handle_resource_already_exist_error`: a special message when a model meets a prompt. */
function nameTakenError(
  name: string,
  existingIsPrompt: boolean,
  newIsPrompt: boolean,
): MlflowError {
  const oldEntity = existingIsPrompt ? "Prompt" : "Registered Model";
  const newEntity = newIsPrompt ? "Prompt" : "Registered Model";
  if (oldEntity !== newEntity) {
    return alreadyExists(
      `Tried to create a ${newEntity.toLowerCase()} with name '${name}', but the name is already taken by a ` +
        `${oldEntity.toLowerCase()}. MLflow does not allow creating a model and a prompt with the same name.`,
    );
  }
  return alreadyExists(`${newEntity} (name=${name}) already exists.`);
}

/** Creates a model; `RESOURCE_ALREADY_EXISTS` when a model or prompt holds the name. */
export async function createRegisteredModel(
  db: Db,
  input: CreateRegisteredModelInput,
): Promise<RegisteredModel> {
  const name = validateModelName(input.name);
  const tags: Record<string, string> = {};
  for (const t of input.tags ?? []) {
    validateRegisteredModelTag(t.key, t.value);
    tags[t.key!] = t.value ?? "";
  }
  const now = nowMs();
  const record: ModelRecord = {
    uid: crypto.randomUUID().replaceAll("-", ""),
    name,
    creation_time: now,
    last_updated_time: now,
    ...(input.description !== undefined ? { description: input.description } : {}),
    tags,
    aliases: {},
    alias_rev: 0,
    last_version: 0,
  };
  try {
    await db.port.transactWriteItems({
      TransactItems: [
        {
          Put: {
            TableName: db.table,
            Item: nameGuardItem(name, record.uid),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Put: {
            TableName: db.table,
            Item: modelItem(record),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    });
  } catch (e) {
    if (!isConditionFailure(e)) throw mapWriteError(e);
    const uid = await findUid(db, name);
    const existing = uid === undefined ? undefined : await readModel(db, uid);
    const newIsPrompt = (input.tags ?? []).some((t) => t.key === IS_PROMPT_TAG_KEY);
    throw nameTakenError(name, existing ? IS_PROMPT_TAG_KEY in existing.tags : false, newIsPrompt);
  }
  return toRegisteredModel(record, []);
}

/** Reads a model with its latest version per stage. */
export async function getRegisteredModel(
  db: Db,
  name: string | undefined,
): Promise<RegisteredModel> {
  validateModelName(name);
  const { model, versions } = await requirePartition(db, name!);
  return toRegisteredModel(model, latestPerStage(model, versions));
}

async function reread(db: Db, uid: string, name: string): Promise<RegisteredModel> {
  const partition = await readPartition(db, uid);
  if (!partition) throw modelNotFound(name);
  return toRegisteredModel(partition.model, latestPerStage(partition.model, partition.versions));
}

/** Renames a model: one transaction swaps the name guards and updates the record. */
export async function renameRegisteredModel(
  db: Db,
  name: string | undefined,
  newName: string | undefined,
): Promise<RegisteredModel> {
  validateNewModelName(newName);
  validateModelName(name);
  const uid = await requireUid(db, name!);
  const now = nowMs();
  const update = {
    Update: {
      TableName: db.table,
      Key: rawKey(registeredModelKey(uid)),
      UpdateExpression: "SET #n = :n, gsi1sk = :gsk, last_updated_time = :t",
      ConditionExpression: "#n = :old",
      ExpressionAttributeNames: { "#n": "name" },
      ExpressionAttributeValues: toItem({
        ":n": newName,
        ":gsk": registeredModelGsi1(newName!).gsi1sk,
        ":t": now,
        ":old": name,
      }),
    },
  };
  try {
    if (newName === name) {
      await db.port.updateItem(update.Update);
    } else {
      await db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: db.table,
              Item: nameGuardItem(newName!, uid),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Delete: {
              TableName: db.table,
              Key: rawKey(registeredModelNameKey(name!, currentWorkspace())),
              ConditionExpression: "uid = :uid",
              ExpressionAttributeValues: { ":uid": { S: uid } },
            },
          },
          update,
        ],
      });
    }
  } catch (e) {
    if (!isConditionFailure(e)) throw mapWriteError(e);
    if (newName !== name && failedConditions(e)[0]) {
      throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    }
    throw modelNotFound(name!);
  }
  return await reread(db, uid, newName!);
}

/** Sets (or clears, with `undefined`) a model's description. */
export async function updateRegisteredModel(
  db: Db,
  name: string | undefined,
  description: string | undefined,
): Promise<RegisteredModel> {
  validateModelName(name);
  const uid = await requireUid(db, name!);
  try {
    await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(registeredModelKey(uid)),
      UpdateExpression: description === undefined
        ? "SET last_updated_time = :t REMOVE description"
        : "SET last_updated_time = :t, description = :d",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: toItem(
        description === undefined ? { ":t": nowMs() } : { ":t": nowMs(), ":d": description },
      ),
    });
  } catch (e) {
    if (isConditionFailure(e)) throw modelNotFound(name!);
    throw mapWriteError(e);
  }
  return await reread(db, uid, name!);
}

/**
 * Deletes a model with everything in its partition. The guard and the record go first, in one
 * transaction, so no version can be created afterwards; the versions follow in batches.
 */
export async function deleteRegisteredModel(db: Db, name: string | undefined): Promise<void> {
  validateModelName(name);
  const uid = await requireUid(db, name!);
  try {
    await db.port.transactWriteItems({
      TransactItems: [
        {
          Delete: {
            TableName: db.table,
            Key: rawKey(registeredModelNameKey(name!, currentWorkspace())),
            ConditionExpression: "uid = :uid",
            ExpressionAttributeValues: { ":uid": { S: uid } },
          },
        },
        {
          Delete: {
            TableName: db.table,
            Key: rawKey(registeredModelKey(uid)),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
      ],
    });
  } catch (e) {
    if (isConditionFailure(e)) throw modelNotFound(name!);
    throw e;
  }
  const rest = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: registeredModelKey(uid).pk } },
    ProjectionExpression: "pk, sk",
    ConsistentRead: true,
  });
  await batchWriteAll(
    db.port,
    db.table,
    rest.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })),
  );
}

/** Sets a tag on a model (upsert). */
export async function setRegisteredModelTag(
  db: Db,
  name: string | undefined,
  key: string | undefined,
  value: string,
): Promise<void> {
  validateModelName(name);
  validateRegisteredModelTag(key, value);
  await updateModel(db, name!, "SET tags.#k = :v", key!, { ":v": value });
}

/** Deletes a tag of a model; a missing tag is a no-op, as in MLflow. */
export async function deleteRegisteredModelTag(
  db: Db,
  name: string | undefined,
  key: string | undefined,
): Promise<void> {
  validateModelName(name);
  validateTagName(key);
  if (pyLen(key!) > MAX_REGISTRY_TAG_KEY_LENGTH) {
    // No such tag can exist (and DynamoDB refuses names over 64 KB): nothing to delete.
    await requireUid(db, name!);
    return;
  }
  await updateModel(db, name!, "REMOVE tags.#k", key!, {});
}

async function updateModel(
  db: Db,
  name: string,
  expression: string,
  key: string,
  values: Record<string, string>,
): Promise<void> {
  const uid = await requireUid(db, name);
  try {
    await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(registeredModelKey(uid)),
      UpdateExpression: expression,
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#k": key },
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: toItem(values) } : {}),
    });
  } catch (e) {
    if (isConditionFailure(e)) throw modelNotFound(name);
    throw mapWriteError(e);
  }
}

/** The newest version of each requested stage (every stage when `stages` is empty). */
export async function getLatestVersions(
  db: Db,
  name: string | undefined,
  stages: string[] | undefined,
): Promise<ModelVersion[]> {
  validateModelName(name);
  const { model, versions } = await requirePartition(db, name!);
  const wanted = new Set(
    stages && stages.length > 0 ? stages.map(canonicalStage) : ALL_STAGES.map(String),
  );
  const byVersion = new Map(versions.map((v) => [v.version, v]));
  return latestPerStage(model, versions)
    .filter((mv) => wanted.has(mv.currentStage))
    .map((mv) => toModelVersion(model, byVersion.get(mv.version)!));
}
