/**
 * The `mlflow.modelVersions` tag that links a logged model to the registered model versions made
 * from it. The registry calls {@link appendModelVersionTag} when it creates a version with a
 * `model_id` (MLflow's `AbstractStore.set_model_versions_tags`).
 *
 * The value is a Python `json.dumps` list such as `[{"name": "m", "version": 1}]`, which clients
 * and tests compare byte for byte. Read-modify-write, guarded by a condition on the old value and
 * retried, so concurrent registrations of one model never lose an entry.
 *
 * @module
 */
import { loggedModelKey } from "../../keys/key_schema.ts";
import { MlflowError } from "../../errors.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { type Db, isConditionFailure, rawKey, toItem } from "../db.ts";
import { loggedModelRecordFromItem } from "./logged_model_item.ts";
import { modelNotFound } from "./logged_model_store.ts";

/** The tag key MLflow uses (`mlflow.utils.mlflow_tags.MLFLOW_MODEL_VERSIONS`). */
export const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

const MAX_ATTEMPTS = 8;

interface VersionRef {
  name: unknown;
  version: unknown;
}

function parseList(value: string | undefined): VersionRef[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * Adds `{"name": name, "version": version}` to the model's `mlflow.modelVersions` tag unless it
 * is already there. 404 when the model is absent or deleted (as MLflow's `get_logged_model`).
 */
export async function appendModelVersionTag(
  db: Db,
  modelId: string,
  name: string,
  version: number | string,
): Promise<void> {
  const key = rawKey(loggedModelKey(modelId));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { Item } = await db.port.getItem({ TableName: db.table, Key: key, ConsistentRead: true });
    if (!Item) throw modelNotFound(modelId);
    const record = loggedModelRecordFromItem(Item);
    if (record.lifecycle_stage === "deleted") throw modelNotFound(modelId);
    const old = record.tags[MODEL_VERSIONS_TAG];
    const list = parseList(old);
    if (list.some((v) => v.name === name && v.version === version)) return;
    const value = pythonJsonDumps([...list, { name, version }]);
    try {
      await db.port.updateItem({
        TableName: db.table,
        Key: key,
        UpdateExpression: "SET tags.#k = :v",
        ConditionExpression: old === undefined
          ? "attribute_exists(pk) AND attribute_not_exists(tags.#k)"
          : "tags.#k = :old",
        ExpressionAttributeNames: { "#k": MODEL_VERSIONS_TAG },
        ExpressionAttributeValues: toItem(
          old === undefined ? { ":v": value } : { ":v": value, ":old": old },
        ),
      });
      return;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
  throw new MlflowError("ABORTED", `Logged model ${modelId} changed concurrently; retry`);
}
