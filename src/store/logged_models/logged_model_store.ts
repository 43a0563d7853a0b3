/**
 * Logged models (MLflow 3): create, get, finalize, soft delete, tags and params.
 * Search lives in `search_logged_models.ts`, the points logged with `model_id` in
 * `model_metrics.ts`, the registry's `mlflow.modelVersions` tag in `model_version_tag.ts`.
 *
 * Behaviour follows MLflow's SQL store: only `GetLoggedModel` (without `allow_deleted`) and search
 * hide deleted models; finalize, tags and params still work on them.
 *
 * @module
 */
import { loggedModelKey, loggedModelPartitionPk } from "../../keys/key_schema.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { invalidParameter, missingParameter, notFound } from "../../errors.ts";
import { type Db, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { appendToUri } from "../experiments/experiment_item.ts";
import { randomRunName } from "../runs/run_names.ts";
import { assertWellFormed, codePointLength } from "../validation.ts";
import {
  type LoggedModel,
  loggedModelItem,
  type LoggedModelRecord,
  loggedModelRecordFromItem,
  type LoggedModelStatus,
  pyRepr,
  toLoggedModel,
} from "./logged_model_item.ts";
import { isMetricChunk, pointsFromChunks } from "./model_metrics.ts";

/** Inputs of {@link LoggedModelStore.create}. */
export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: { key: string; value: string }[];
  tags?: { key: string; value: string }[];
}

const BAD_NAME_CHARS = ["/", ":", ".", "%", '"', "'"];
const BAD_NAME_CHARS_REPR = `('/', ':', '.', '%', '"', "'")`;

function validateName(name: string | undefined): void {
  if (name === undefined) return;
  if (name === "" || BAD_NAME_CHARS.some((c) => name.includes(c))) {
    throw invalidParameter(
      `Invalid model name (${
        pyRepr(name)
      }) provided. Model name must be a non-empty string and cannot contain the following characters: ${BAD_NAME_CHARS_REPR}`,
    );
  }
}

/**
 * Tag and param keys become attribute names of the record's maps, so they must be valid Unicode
 * and short: MLflow's schema declares `tag_key`/`param_key` as `String(255)`.
 */
export const MAX_LOGGED_MODEL_KEY_LENGTH = 255;

/** Last value per key (a request may repeat a key); keys must be non-empty. */
function toMap(list: { key: string; value: string }[] | undefined, field: string) {
  const out: Record<string, string> = {};
  (list ?? []).forEach((kv, i) => {
    if (!kv.key) throw invalidParameter(missingParameter(`${field}[${i}].key`));
    assertWellFormed(kv.key, `${field}[${i}].key`);
    if (codePointLength(kv.key) > MAX_LOGGED_MODEL_KEY_LENGTH) {
      throw invalidParameter(
        `'${field}[${i}].key' exceeds the maximum length of ${MAX_LOGGED_MODEL_KEY_LENGTH} characters`,
      );
    }
    out[kv.key] = kv.value;
  });
  return out;
}

/** MLflow's message for an absent (or hidden) logged model. */
export const modelNotFound = (modelId: string) =>
  notFound(`Logged model with ID '${modelId}' not found.`);

/** Logged-model operations over the table. */
export class LoggedModelStore {
  constructor(readonly db: Db, readonly experiments: ExperimentStore) {}

  /** Creates a model in an active experiment, status `LOGGED_MODEL_PENDING`. */
  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    validateName(input.name);
    const params = toMap(input.params, "params");
    const tags = toMap(input.tags, "tags");
    const experiment = await this.experiments.get(input.experimentId);
    if (experiment.lifecycleStage !== "active") {
      throw invalidParameter(
        `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    const modelId = `m-${crypto.randomUUID().replaceAll("-", "")}`;
    const now = nowMs();
    const record: LoggedModelRecord = {
      model_id: modelId,
      experiment_id: experiment.experimentId,
      name: input.name || randomRunName(),
      artifact_location: appendToUri(
        appendToUri(appendToUri(experiment.artifactLocation, "models"), modelId),
        "artifacts",
      ),
      creation_timestamp_ms: now,
      last_updated_timestamp_ms: now,
      status: "LOGGED_MODEL_PENDING",
      lifecycle_stage: "active",
      model_type: input.modelType ?? "",
      source_run_id: input.sourceRunId ?? "",
      tags,
      params,
    };
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: loggedModelItem(record),
      ConditionExpression: "attribute_not_exists(pk)",
    });
    return toLoggedModel(record, []);
  }

  /**
   * Writes a model record with its own id, times, status, params and tags (`deno task import`).
   * False when the model already exists.
   */
  async importModel(record: LoggedModelRecord): Promise<boolean> {
    validateName(record.name);
    toMap(Object.entries(record.params).map(([key, value]) => ({ key, value })), "params");
    toMap(Object.entries(record.tags).map(([key, value]) => ({ key, value })), "tags");
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: loggedModelItem(record),
        ConditionExpression: "attribute_not_exists(pk)",
      });
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Reads a model and its metric points with one Query; 404 when absent or (unless allowed) deleted. */
  async get(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: loggedModelPartitionPk(modelId) } },
      ConsistentRead: true,
    });
    const recordItem = items.find((i) => i.sk?.S === loggedModelKey(modelId).sk);
    if (!recordItem) throw modelNotFound(modelId);
    const record = loggedModelRecordFromItem(recordItem);
    if (!allowDeleted && record.lifecycle_stage === "deleted") throw modelNotFound(modelId);
    return toLoggedModel(record, pointsFromChunks(modelId, items.filter(isMetricChunk)));
  }

  /** Reads the record only (no metrics); undefined when absent. */
  async findRecord(modelId: string): Promise<LoggedModelRecord | undefined> {
    const { Item } = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(loggedModelKey(modelId)),
      ConsistentRead: true,
    });
    return Item ? loggedModelRecordFromItem(Item) : undefined;
  }

  /** Sets the status (and bumps the update time); returns the model. */
  async finalize(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    await this.update(modelId, "SET #status = :s, last_updated_timestamp_ms = :t", {
      names: { "#status": "status" },
      values: { ":s": status, ":t": nowMs() },
    });
    return await this.get(modelId, true);
  }

  /** Soft-deletes a model: hidden from get and search, and taken out of the search index. */
  async delete(modelId: string): Promise<void> {
    await this.update(
      modelId,
      "SET lifecycle_stage = :d, last_updated_timestamp_ms = :t REMOVE gsi1pk, gsi1sk",
      { values: { ":d": "deleted", ":t": nowMs() } },
    );
  }

  /** Upserts tags (one update, whatever the number of tags). */
  async setTags(modelId: string, tags: { key: string; value: string }[]): Promise<void> {
    const map = toMap(tags, "tags");
    const entries = Object.entries(map);
    if (entries.length === 0) {
      if (!(await this.findRecord(modelId))) throw modelNotFound(modelId);
      return;
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([k, v], i) => {
      names[`#t${i}`] = k;
      values[`:t${i}`] = v;
      return `tags.#t${i} = :t${i}`;
    });
    await this.update(modelId, `SET ${sets.join(", ")}`, { names, values });
  }

  /** Deletes one tag; 404 when the model or the tag is absent. */
  async deleteTag(modelId: string, key: string): Promise<void> {
    assertWellFormed(key, "tag_key");
    if (codePointLength(key) > MAX_LOGGED_MODEL_KEY_LENGTH) {
      // No such tag can exist, and the name is too long for DynamoDB to even look up.
      if (!(await this.findRecord(modelId))) throw modelNotFound(modelId);
      throw notFound(`No tag with key ${pyRepr(key)} found for model with ID ${pyRepr(modelId)}.`);
    }
    try {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(loggedModelKey(modelId)),
        UpdateExpression: "REMOVE tags.#k",
        ConditionExpression: "attribute_exists(tags.#k)",
        ExpressionAttributeNames: { "#k": key },
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (!(await this.findRecord(modelId))) throw modelNotFound(modelId);
      throw notFound(`No tag with key ${pyRepr(key)} found for model with ID ${pyRepr(modelId)}.`);
    }
  }

  /**
   * Logs params with one conditional update: a param may be logged again only with the same
   * value (MLflow's primary key rejects a second row for the key).
   */
  async logParams(modelId: string, params: { key: string; value: string }[]): Promise<void> {
    const map = toMap(params, "params");
    const entries = Object.entries(map);
    if (entries.length === 0) {
      if (!(await this.findRecord(modelId))) throw modelNotFound(modelId);
      return;
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const conditions: string[] = [];
    entries.forEach(([k, v], i) => {
      names[`#p${i}`] = k;
      values[`:p${i}`] = v;
      sets.push(`params.#p${i} = :p${i}`);
      conditions.push(`(attribute_not_exists(params.#p${i}) OR params.#p${i} = :p${i})`);
    });
    try {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(loggedModelKey(modelId)),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: ["attribute_exists(pk)", ...conditions].join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: toItem(values),
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const record = await this.findRecord(modelId);
      if (!record) throw modelNotFound(modelId);
      const changed = entries.find(([k, v]) => k in record.params && record.params[k] !== v);
      if (!changed) throw e; // raced with a concurrent writer of the same values: let it retry
      throw invalidParameter(
        `Changing param values is not allowed. Param with key='${
          changed[0]
        }' was already logged with value='${
          record.params[changed[0]]
        }' for logged model ID='${modelId}'. Attempted logging new value '${changed[1]}'.`,
      );
    }
  }

  private async update(
    modelId: string,
    expression: string,
    opts: { names?: Record<string, string>; values: Record<string, unknown> },
  ): Promise<void> {
    try {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(loggedModelKey(modelId)),
        UpdateExpression: expression,
        ConditionExpression: "attribute_exists(pk)",
        ...(opts.names ? { ExpressionAttributeNames: opts.names } : {}),
        ExpressionAttributeValues: toItem(opts.values),
      });
    } catch (e) {
      if (isConditionFailure(e)) throw modelNotFound(modelId);
      throw e;
    }
  }
}
