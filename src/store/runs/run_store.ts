/**
 * Runs: create, read, update, delete/restore, tags and params, inputs and outputs.
 * Metric logging lives in `log_batch.ts`, search in `search_runs.ts`. Params, inputs and outputs
 * have their own items (`run_params.ts`, `run_inputs.ts`); tags stay on the record, each written
 * by a path update (`SET tags.#k`), so concurrent tag writes never overwrite each other.
 * CreateRun and param batches take the experiment from the experiment store's 1 s active cache
 * (`getForNewRun`, `cachedActive`): one call per new run in steady state (docs/key-schema.md).
 *
 * @module
 */
import { METRIC_GROUP_PREFIX, runKey, runPartitionPk } from "../../keys/key_schema.ts";
import { invalidParameter, notFound } from "../../errors.ts";
import {
  type Db,
  errorName,
  isConditionFailure,
  nowMs,
  type RawItem,
  rawKey,
  toItem,
} from "../db.ts";
import { paramsFromItems, writeParams } from "./run_params.ts";
import {
  inputsFromItems,
  type RunInputs,
  validateDatasetInputs,
  writeInputs,
  writeOutputs,
} from "./run_inputs.ts";
import { query } from "../../dynamo/query_pages.ts";
import { applyValues, inlineValue, valuesFromItems, writeValueItems } from "./long_values.ts";
import { appendHistory } from "./log_model_history.ts";
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
  indexEndedRun,
  newToken,
  putRegisteredRun,
  TERMINAL_STATUSES,
  unindexedGen,
} from "./metric_index_writes.ts";
import {
  effectiveLifecycle,
  runInfoOf,
  runItem,
  type RunRecord,
  runRecordFromItem,
} from "./run_item.ts";

export const RUN_NAME_TAG = "mlflow.runName";
export { LOG_MODEL_HISTORY_TAG } from "./log_model_history.ts";

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

/**
 * How long a run found active (with its experiment) is trusted without a read by metric-only
 * log-batch calls. Deletes and restores through this process take effect at once; one made by
 * another server on the same table is seen within this time (docs/key-schema.md).
 */
export const ACTIVE_RUN_TTL_MS = 1000;

/** Runs remembered as active, at most this many. */
const ACTIVE_RUNS_LIMIT = 10_000;

interface ActiveRun {
  groups: Set<string>;
  until: number;
  epoch: number;
}

/** Run operations over the table. */
export class RunStore {
  #active = new Map<string, ActiveRun>();
  #epoch = 0;

  constructor(readonly db: Db, readonly experiments: ExperimentStore) {}

  private epoch(): number {
    return this.#epoch + this.experiments.lifecycleEpoch;
  }

  /**
   * Checks that a run is active and returns its registered metric group ids, from a short-lived
   * cache when this process has checked it within {@link ACTIVE_RUN_TTL_MS} (no read at all);
   * the returned set is shared, and writers add the groups they register to it.
   */
  async activeGroups(runId: string): Promise<Set<string>> {
    validateRunId(runId);
    const now = Date.now();
    const hit = this.#active.get(runId);
    if (hit && hit.until > now && hit.epoch === this.epoch()) return hit.groups;
    const epoch = this.epoch();
    const { record } = await this.loadActive(runId);
    const groups = new Set(record.groups ?? []);
    this.#active.delete(runId);
    if (this.#active.size >= ACTIVE_RUNS_LIMIT) {
      this.#active.delete(this.#active.keys().next().value!);
    }
    this.#active.set(runId, { groups, until: now + ACTIVE_RUN_TTL_MS, epoch });
    return groups;
  }

  /** Creates a run in an active experiment. */
  async create(input: CreateRunInput): Promise<Run> {
    const experimentId = input.experimentId || "0";
    const experiment = await this.experiments.getForNewRun(experimentId);
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
    // Unindexed until it ends (metric_index_writes.ts): registered with the record, atomically.
    await putRegisteredRun(this.db, runItem(record), experiment.experimentId);
    return toRun({ ...record, tags: fullTags }, experiment, [], {
      params: {},
      datasetInputs: [],
      modelInputs: [],
      modelOutputs: [],
    });
  }

  /**
   * Writes a run record with its own id, times and status (`deno task import`), active, with no
   * params or tags yet (the importer logs those next). False when the run already exists.
   */
  async importRun(record: RunRecord): Promise<boolean> {
    validateRunId(record.run_id);
    try {
      await putRegisteredRun(
        this.db,
        runItem({ ...record, lifecycle_stage: "active", params: {}, tags: {} }),
        record.experiment_id,
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * The experiment of a run in the request's workspace. A run whose experiment lives in another
   * workspace does not exist from here (`--enable-workspaces`): 404, as MLflow. The second read
   * happens only when the experiment is not found in this workspace (rare without workspaces).
   */
  private async experimentOf(runId: string, experimentId: string) {
    const experiment = await this.experiments.find(experimentId);
    if (!experiment && await this.experiments.findInAnyWorkspace(experimentId, false)) {
      throw notFound(`Run with id=${runId} not found`);
    }
    return experiment;
  }

  /** Loads a run record and its experiment; 404 when the run does not exist. */
  async load(runId: string): Promise<LoadedRun> {
    const record = await this.readRecord(runId);
    return { record, experiment: await this.experimentOf(runId, record.experiment_id) };
  }

  private async loadTrustingExperiment(runId: string): Promise<LoadedRun> {
    const record = await this.readRecord(runId);
    const cached = this.experiments.cachedActive(record.experiment_id);
    if (cached) return { record, experiment: cached };
    const epoch = this.experiments.lifecycleEpoch;
    const experiment = await this.experimentOf(runId, record.experiment_id);
    if (experiment) this.experiments.rememberActive(experiment, epoch);
    return { record, experiment };
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

  /** Loads a run that must be active (every write); param batches trust a cached experiment. */
  async loadActive(runId: string, trustCachedExperiment = false): Promise<LoadedRun> {
    const loaded = trustCachedExperiment
      ? await this.loadTrustingExperiment(runId)
      : await this.load(runId);
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
    // Every page: params, metric groups and long values sort before the record, so a partition
    // over 1 MB would cut the record first.
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
    const experiment = await this.experimentOf(runId, record.experiment_id);
    return toRun(record, experiment, groups, {
      params: paramsFromItems(res.items, { ...record.params }),
      ...inputsFromItems(record, res.items),
    });
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
    // An end indexes the run's latest values (metric_index_writes.ts): `gen` is read first.
    const ends = patch.status !== undefined && TERMINAL_STATUSES.has(patch.status);
    const gen = ends ? await unindexedGen(this.db, record.experiment_id, runId) : undefined;
    const mix = newToken();
    if (ends) {
      sets.push("mix = :mix");
      values[":mix"] = mix;
    }
    if (sets.length > 0) {
      const names: Record<string, string> = {
        ...(patch.status !== undefined ? { "#status": "status" } : {}),
        ...(patch.runName ? { "#rn": RUN_NAME_TAG } : {}),
      };
      const { Attributes } = await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(runKey(runId)),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        // DynamoDB refuses an empty map (an end_time-only update has no name placeholders).
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: toItem(values),
        ...(ends ? { ReturnValues: "ALL_NEW" as const } : {}),
      });
      if (ends && Attributes) {
        const groups = [...(runRecordFromItem(Attributes).groups ?? [])];
        await indexEndedRun(this.db, {
          runId,
          experimentId: record.experiment_id,
          groups,
          gen,
        }).catch((e) => console.warn(`metric index of run ${runId} not written: ${e}`));
      }
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
    this.#epoch++;
    this.#active.delete(runId);
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
   * Writes params (one conditional transaction, all or nothing: `run_params.ts`), then tags (one
   * update of the record's `tags` map, path by path, so concurrent writers of other tags lose
   * nothing). A param conflict writes nothing at all.
   *
   * `known` is the record the caller has just read strongly (e.g. by {@link loadActive}); it
   * saves a read.
   */
  async writeParamsAndTags(
    runId: string,
    params: { key: string; value: string }[],
    tags: { key: string; value: string }[],
    known?: RunRecord,
  ): Promise<void> {
    if (params.length === 0 && tags.length === 0) return;
    const record = known ?? await this.readRecord(runId);
    if (params.length > 0) {
      await writeParams(
        this.db,
        record,
        params.map((p) => ({ key: p.key, value: truncate(p.value, MAX_PARAM_VAL_LENGTH) })),
      );
    }
    await this.writeTags(
      runId,
      tags.map((t) => ({ ...t, value: truncate(t.value, MAX_TAG_VAL_LENGTH) })),
    );
  }

  /** Sets tags on the record, one map path each; long values go to their own items first. */
  private async writeTags(
    runId: string,
    tags: { key: string; value: string }[],
  ): Promise<void> {
    if (tags.length === 0) return;
    const valueItems: RawItem[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    tags.forEach((t, i) => {
      const r = inlineValue(runId, t.value);
      if (r.item) valueItems.push(r.item);
      names[`#t${i}`] = t.key;
      values[`:t${i}`] = r.inline;
      sets.push(`tags.#t${i} = :t${i}`);
      if (t.key === RUN_NAME_TAG) sets.push(`run_name = :t${i}`);
    });
    // Value items first: they are idempotent, and the record only points at them afterwards.
    await writeValueItems(this.db, valueItems);
    try {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(runKey(runId)),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: toItem(values),
      });
    } catch (e) {
      if (errorName(e) === "ValidationException" && /item size/i.test((e as Error).message)) {
        throw invalidParameter(
          `Run ${runId} cannot store more tags: its record would exceed DynamoDB's 400 KB item limit`,
        );
      }
      throw e;
    }
  }

  /** Sets one tag on an active run. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    validateKey(key, "tag");
    const { record } = await this.loadActive(runId);
    await this.writeParamsAndTags(runId, [], [{ key, value }], record);
  }

  /**
   * Appends `model` to the run's `mlflow.log-model.history` tag (`runs/log-model`), whole (never
   * truncated: MLflow stores the full JSON) and conditionally (`log_model_history.ts`), so
   * concurrent calls lose no entry.
   */
  async appendLoggedModel(runId: string, model: unknown): Promise<void> {
    await this.loadActive(runId);
    await appendHistory(this.db, runId, model, () => this.readRecord(runId));
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

  /** Links dataset inputs (deduplicated by name and digest, first wins) and model inputs. */
  async logInputs(runId: string, datasets: DatasetInput[], models: ModelInput[]): Promise<void> {
    validateRunId(runId);
    validateDatasetInputs(datasets);
    const { record } = await this.loadActive(runId);
    await writeInputs(this.db, record, datasets, models);
  }

  /** Links logged-model outputs. */
  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    const { record } = await this.loadActive(runId);
    await writeOutputs(this.db, record, models);
  }
}

/** Assembles a Run from its record, experiment, encoded metric groups and detail items. */
export function toRun(
  record: RunRecord,
  experiment: Experiment | undefined,
  groups: string[],
  details: RunInputs & { params: Record<string, string> },
): Run {
  return {
    info: runInfoOf(record, experiment),
    metrics: latestFromGroups(groups),
    params: details.params,
    tags: record.tags,
    datasetInputs: details.datasetInputs,
    modelInputs: details.modelInputs,
    modelOutputs: details.modelOutputs,
  };
}
