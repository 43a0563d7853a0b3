/**
 * Runs: create, read, update, delete/restore, tags and params, inputs and outputs.
 * Metric logging lives in `log_batch.ts`, search in `search_runs.ts`.
 *
 * @module
 */
import { METRIC_GROUP_PREFIX, runKey, runPartitionPk } from "../../keys/key_schema.ts";
import { invalidParameter, MlflowError, notFound } from "../../errors.ts";
import {
  type Db,
  errorName,
  isConditionFailure,
  nowMs,
  type RawItem,
  rawKey,
  toItem,
} from "../db.ts";
import { backoffDelay, sleep } from "../../dynamo/retry.ts";
import { query } from "../../dynamo/query_pages.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import {
  applyValues,
  inlineValue,
  resolveLongValues,
  valuesFromItems,
  writeValueItems,
} from "./long_values.ts";
import type {
  DatasetInput,
  Experiment,
  ModelInput,
  ModelOutput,
  Run,
  RunInfo,
  RunStatus,
} from "../entities.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { appendToUri } from "../experiments/experiment_item.ts";
import { latestFromGroups } from "../metrics/metric_groups.ts";
import {
  MAX_PARAM_VAL_LENGTH,
  MAX_TAG_VAL_LENGTH,
  truncate,
  validateKey,
  validateRunId,
} from "../validation.ts";
import { randomRunName } from "./run_names.ts";
import {
  effectiveLifecycle,
  runInfoOf,
  runItem,
  type RunRecord,
  runRecordFromItem,
} from "./run_item.ts";

export const RUN_NAME_TAG = "mlflow.runName";
export const LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history";

/** Inputs of {@link RunStore.create}. */
export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: Record<string, string>;
}

/** A loaded run record with its experiment. */
export interface LoadedRun {
  record: RunRecord;
  experiment: Experiment | undefined;
}

/** Run operations over the table. */
export class RunStore {
  constructor(readonly db: Db, readonly experiments: ExperimentStore) {}

  /** Creates a run in an active experiment. */
  async create(input: CreateRunInput): Promise<Run> {
    const experimentId = input.experimentId || "0";
    const experiment = await this.experiments.get(experimentId);
    if (experiment.lifecycleStage !== "active") {
      throw invalidParameter(
        `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.tags ?? {})) {
      validateKey(k, "tag");
      tags[k] = truncate(v, MAX_TAG_VAL_LENGTH);
    }
    const tagName = tags[RUN_NAME_TAG];
    if (input.runName && tagName !== undefined && tagName !== input.runName) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = input.runName || tagName || randomRunName();
    tags[RUN_NAME_TAG] = runName;
    const fullTags = { ...tags };
    const runId = crypto.randomUUID().replaceAll("-", "");
    const valueItems: RawItem[] = [];
    for (const [k, v] of Object.entries(tags)) {
      const { inline, item } = inlineValue(runId, v);
      tags[k] = inline;
      if (item) valueItems.push(item);
    }
    await writeValueItems(this.db, valueItems);
    const record: RunRecord = {
      run_id: runId,
      experiment_id: experiment.experimentId,
      run_name: runName,
      user_id: input.userId ?? "",
      status: "RUNNING",
      start_time: input.startTime ?? nowMs(),
      artifact_uri: appendToUri(appendToUri(experiment.artifactLocation, runId), "artifacts"),
      lifecycle_stage: "active",
      params: {},
      tags,
    };
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: runItem(record),
      ConditionExpression: "attribute_not_exists(pk)",
    });
    return toRun({ ...record, tags: fullTags }, experiment, []);
  }

  /** Loads a run record and its experiment; 404 when the run does not exist. */
  async load(runId: string): Promise<LoadedRun> {
    const record = await this.readRecord(runId);
    return { record, experiment: await this.experiments.find(record.experiment_id) };
  }

  // Strongly consistent read of the record alone; 404 when absent.
  private async readRecord(runId: string): Promise<RunRecord> {
    validateRunId(runId);
    const { Item } = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(runKey(runId)),
      ConsistentRead: true,
    });
    if (!Item) throw notFound(`Run with id=${runId} not found`);
    return runRecordFromItem(Item);
  }

  /** Loads a run that must be active (for every write). */
  async loadActive(runId: string): Promise<LoadedRun> {
    const loaded = await this.load(runId);
    const stage = effectiveLifecycle(loaded.record, loaded.experiment);
    if (stage !== "active") {
      throw invalidParameter(
        `The run ${runId} must be in the 'active' state. Current state is ${stage}.`,
      );
    }
    return loaded;
  }

  /** Reads a run with its latest metrics: one Query over the run's partition. */
  async get(runId: string): Promise<Run> {
    validateRunId(runId);
    // Every page: metric groups and long values sort before the record, so a partition over
    // 1 MB would cut the record first.
    const res = await query(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: runPartitionPk(runId) } },
      ConsistentRead: true,
    }, { pages: "all" });
    let record: RunRecord | undefined;
    const groups: string[] = [];
    for (const item of res.items) {
      const sk = item.sk!.S!;
      if (sk === runKey(runId).sk) record = runRecordFromItem(item);
      else if (sk.startsWith(METRIC_GROUP_PREFIX) && item.v?.S) groups.push(item.v.S);
    }
    if (!record) throw notFound(`Run with id=${runId} not found`);
    applyValues([record], valuesFromItems(runId, res.items));
    const experiment = await this.experiments.find(record.experiment_id);
    return toRun(record, experiment, groups);
  }

  /** Updates status, end time and/or name; returns the new RunInfo. */
  async update(
    runId: string,
    patch: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    const { record, experiment } = await this.loadActive(runId);
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (patch.status !== undefined) {
      sets.push("#status = :status");
      values[":status"] = patch.status;
      record.status = patch.status;
    }
    if (patch.endTime !== undefined) {
      sets.push("end_time = :end");
      values[":end"] = patch.endTime;
      record.end_time = patch.endTime;
    }
    if (patch.runName) {
      sets.push("run_name = :name", "tags.#rn = :name");
      values[":name"] = patch.runName;
      record.run_name = patch.runName;
    }
    if (sets.length > 0) {
      const names: Record<string, string> = {
        ...(patch.status !== undefined ? { "#status": "status" } : {}),
        ...(patch.runName ? { "#rn": RUN_NAME_TAG } : {}),
      };
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(runKey(runId)),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        // DynamoDB refuses an empty map (an end_time-only update has no name placeholders).
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: toItem(values),
      });
    }
    return runInfoOf(record, experiment);
  }

  /** Soft-deletes a run; it stays readable. */
  async delete(runId: string): Promise<void> {
    await this.load(runId);
    await this.setLifecycle(runId, "deleted");
  }

  /** Restores a deleted run. */
  async restore(runId: string): Promise<void> {
    await this.load(runId);
    await this.setLifecycle(runId, "active");
  }

  private async setLifecycle(runId: string, stage: "active" | "deleted"): Promise<void> {
    await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(runKey(runId)),
      UpdateExpression: stage === "deleted"
        ? "SET lifecycle_stage = :s, deleted_time = :t"
        : "SET lifecycle_stage = :s REMOVE deleted_time",
      ExpressionAttributeValues: toItem(
        stage === "deleted" ? { ":s": stage, ":t": nowMs() } : { ":s": stage },
      ),
    });
  }

  /**
   * Writes params and tags in one update. Param immutability uses optimistic concurrency on the
   * record's `pver` (bumped by every write that adds params): read, check in memory, write if
   * `pver` is unchanged, else re-read (bounded). One short condition, whatever the batch size
   * (DynamoDB caps an expression at 4 KB, too small for a condition per param).
   *
   * `known` is the record the caller has just read strongly (e.g. by {@link loadActive}); it
   * saves the first read.
   */
  async writeParamsAndTags(
    runId: string,
    params: { key: string; value: string }[],
    tags: { key: string; value: string }[],
    known?: RunRecord,
  ): Promise<void> {
    if (params.length === 0 && tags.length === 0) return;
    const valueItems: RawItem[] = [];
    const inline = (v: string) => {
      const r = inlineValue(runId, v);
      if (r.item) valueItems.push(r.item);
      return r.inline;
    };
    const newParams = params.map((p) => ({
      key: p.key,
      value: truncate(p.value, MAX_PARAM_VAL_LENGTH),
    }))
      .map((p) => ({ ...p, inline: inline(p.value) }));
    const newTags = tags.map((t) => ({
      key: t.key,
      inline: inline(truncate(t.value, MAX_TAG_VAL_LENGTH)),
    }));
    // Value items first: they are idempotent, and the record only points at them afterwards.
    await writeValueItems(this.db, valueItems);
    let current = known;
    for (let attempt = 0; attempt < 8; attempt++) {
      const record = current ?? await this.readRecord(runId);
      current = undefined; // a retry must see the winner's write
      const pver = record.pver ?? 0;
      const conflict = newParams.find((p) =>
        p.key in record.params && record.params[p.key] !== p.inline
      );
      if (conflict) {
        await resolveLongValues(this.db, [record]);
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${conflict.key}' was already logged with value='${
            record.params[conflict.key]
          }' for run ID='${runId}'. Attempted logging new value '${conflict.value}'.`,
        );
      }
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      newParams.filter((p) => !(p.key in record.params)).forEach((p, i) => {
        names[`#p${i}`] = p.key;
        values[`:p${i}`] = p.inline;
        sets.push(`params.#p${i} = :p${i}`);
      });
      const addsParams = sets.length > 0;
      newTags.forEach((t, i) => {
        names[`#t${i}`] = t.key;
        values[`:t${i}`] = t.inline;
        sets.push(`tags.#t${i} = :t${i}`);
        if (t.key === RUN_NAME_TAG) sets.push(`run_name = :t${i}`);
      });
      if (sets.length === 0) return;
      if (addsParams) {
        sets.push("pver = :next");
        values[":next"] = pver + 1;
        values[":cur"] = pver;
      }
      try {
        await this.db.port.updateItem({
          TableName: this.db.table,
          Key: rawKey(runKey(runId)),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: addsParams
            ? "attribute_exists(pk) AND (attribute_not_exists(pver) OR pver = :cur)"
            : "attribute_exists(pk)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: toItem(values),
        });
        return;
      } catch (e) {
        if (errorName(e) === "ValidationException" && /item size/i.test((e as Error).message)) {
          throw invalidParameter(
            `Run ${runId} cannot store more params and tags: its record would exceed DynamoDB's 400 KB item limit`,
          );
        }
        if (!isConditionFailure(e)) throw e;
        await sleep(backoffDelay(attempt + 1));
      }
    }
    throw new MlflowError(
      "ABORTED",
      `Run ${runId} is being written concurrently; retry the request`,
    );
  }

  /** Sets one tag on an active run. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    validateKey(key, "tag");
    const { record } = await this.loadActive(runId);
    await this.writeParamsAndTags(runId, [], [{ key, value }], record);
  }

  /**
   * Appends `model` to the run's `mlflow.log-model.history` tag (`runs/log-model`), written as
   * Python's `json.dumps` because clients compare it byte for byte.
   */
  async appendLoggedModel(runId: string, model: unknown): Promise<void> {
    const { record } = await this.loadActive(runId);
    await resolveLongValues(this.db, [record]);
    const history = record.tags[LOG_MODEL_HISTORY_TAG];
    const list = history ? JSON.parse(history) as unknown[] : [];
    list.push(model);
    await this.writeParamsAndTags(runId, [], [{
      key: LOG_MODEL_HISTORY_TAG,
      value: pythonJsonDumps(list),
    }], record);
  }

  /** Deletes a tag of an active run; 404 when the tag is absent. */
  async deleteTag(runId: string, key: string): Promise<void> {
    const { record } = await this.loadActive(runId);
    if (!(key in record.tags)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(runKey(runId)),
      UpdateExpression: "REMOVE tags.#k",
      ExpressionAttributeNames: { "#k": key },
    });
  }

  /** Appends dataset and model inputs (datasets deduplicated by name and digest). */
  async logInputs(runId: string, datasets: DatasetInput[], models: ModelInput[]): Promise<void> {
    const { record } = await this.loadActive(runId);
    // As MLflow, a dataset (name, digest) is linked to a run once: the first input wins, later
    // ones (even with other input tags, e.g. another context) are ignored.
    const linked = new Set((record.dataset_inputs ?? []).map((d) => datasetId(d)));
    const newDatasets = datasets.filter((d) => {
      const id = datasetId(d);
      if (linked.has(id)) return false;
      linked.add(id);
      return true;
    });
    const existingModels = record.model_inputs ?? [];
    const newModels = models.filter((m) => !existingModels.some((x) => x.modelId === m.modelId));
    if (newDatasets.length === 0 && newModels.length === 0) return;
    await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(runKey(runId)),
      UpdateExpression:
        "SET dataset_inputs = list_append(if_not_exists(dataset_inputs, :empty), :d), model_inputs = list_append(if_not_exists(model_inputs, :empty), :m)",
      ExpressionAttributeValues: toItem({ ":empty": [], ":d": newDatasets, ":m": newModels }),
    });
  }

  /** Appends logged-model outputs. */
  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    const { record } = await this.loadActive(runId);
    const existing = record.model_outputs ?? [];
    const fresh = models.filter((m) =>
      !existing.some((x) => x.modelId === m.modelId && x.step === m.step)
    );
    if (fresh.length === 0) return;
    await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(runKey(runId)),
      UpdateExpression: "SET model_outputs = list_append(if_not_exists(model_outputs, :empty), :m)",
      ExpressionAttributeValues: toItem({ ":empty": [], ":m": fresh }),
    });
  }
}

function datasetId(d: DatasetInput): string {
  return JSON.stringify([d.dataset.name, d.dataset.digest]);
}

/** Assembles a Run from its record, experiment and encoded metric groups. */
export function toRun(
  record: RunRecord,
  experiment: Experiment | undefined,
  groups: string[],
): Run {
  return {
    info: runInfoOf(record, experiment),
    metrics: latestFromGroups(groups),
    params: record.params,
    tags: record.tags,
    datasetInputs: record.dataset_inputs ?? [],
    modelInputs: record.model_inputs ?? [],
    modelOutputs: record.model_outputs ?? [],
  };
}
