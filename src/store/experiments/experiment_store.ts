/**
 * Experiments: create, read, rename, delete/restore (O(1): runs inherit the state), tags.
 *
 * Tags are items of their own (see `experiment_item.ts`): a read is one paged Query of the
 * experiment's partition (record and tags), a tag write one transaction (the record's
 * `lifecycle_stage = active` condition plus the tag item).
 *
 * Experiments found active are remembered for 1 s (`getForNewRun`, `cachedActive`) for the
 * writes that only need "it exists and is active" (CreateRun, param batches); deletes and
 * restores through this process invalidate them at once (docs/key-schema.md, "CreateRun hot
 * path").
 *
 * @module
 */
import { batchWriteAll } from "../../dynamo/batch.ts";
import { query } from "../../dynamo/query_pages.ts";
import { experimentKey, experimentNameKey, experimentTagKey } from "../../keys/key_schema.ts";
import {
  currentWorkspace,
  DEFAULT_WORKSPACE,
  isDefaultWorkspace,
  workspaceCondition,
  workspacesActive,
} from "../../util/workspace_context.ts";
import { alreadyExists, invalidParameter, MlflowError, notFound } from "../../errors.ts";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { type Db, failedConditions, isConditionFailure, nowMs, rawKey } from "../db.ts";
import type { Experiment } from "../entities.ts";
import { validateArtifactLocation } from "../../artifacts/artifact_uri.ts";
import { resolveUriIfLocal } from "../../artifacts/resolve_local.ts";
import { validateTagName } from "../registry/validation.ts";
import {
  codePointLength,
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
  validateExperimentId,
  validateExperimentName,
} from "../validation.ts";
import {
  appendToUri,
  experimentItem,
  experimentNameItem,
  experimentsFromItems,
  experimentTagItem,
  nextExperimentId,
  raiseExperimentCounter,
} from "./experiment_item.ts";
import { ActiveExperiments } from "./active_experiments.ts";

export { ACTIVE_EXPERIMENT_TTL_MS } from "./active_experiments.ts";

/** Actions one transaction may hold, and the share of its 4 MB payload create may use for tags. */
const TRANSACTION_ACTIONS = 100;
const TRANSACTION_TAG_BYTES = 3 * 1024 * 1024;

/** Id and name of the experiment every store starts with. */
export const DEFAULT_EXPERIMENT_ID = "0";
export const DEFAULT_EXPERIMENT_NAME = "Default";

/** Inputs of {@link ExperimentStore.create}. */
export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string;
  tags?: Record<string, string>;
}

/** MLflow's `_validate_experiment_tag`: the key becomes an attribute name of the record's map. */
function validateExperimentTag(key: string, value: string): void {
  validateTagName(key);
  if (codePointLength(key) > MAX_ENTITY_KEY_LENGTH) {
    throw invalidParameter(
      `'key' exceeds the maximum length of ${MAX_ENTITY_KEY_LENGTH} characters`,
    );
  }
  if (codePointLength(value) > MAX_EXPERIMENT_TAG_VAL_LENGTH) {
    throw invalidParameter(
      `'value' exceeds the maximum length of ${MAX_EXPERIMENT_TAG_VAL_LENGTH} characters`,
    );
  }
}

/** Experiment operations over the table. */
export class ExperimentStore {
  #active = new ActiveExperiments();

  /**
   * Counts this process's experiment deletes and restores, so that a cached "this run is
   * active" (RunStore's hot path) made before one of them is not trusted after it.
   */
  lifecycleEpoch = 0;

  /**
   * The artifact root a workspace sets for its new experiments (`--enable-workspaces`; set by
   * `createStores`); unset or `undefined`: the server's root plus `workspaces/<ws>`.
   */
  workspaceArtifactRoot?: (workspace: string) => Promise<string | undefined>;

  constructor(private readonly db: Db, private readonly defaultArtifactRoot: string) {}

  // MLflow's workspace-aware `_get_artifact_location`: the default workspace keeps today's
  // locations; another one uses its own root, else the server's under `workspaces/<ws>`.
  private async artifactLocationFor(workspace: string, id: string): Promise<string> {
    if (isDefaultWorkspace(workspace)) return appendToUri(this.defaultArtifactRoot, id);
    const own = await this.workspaceArtifactRoot?.(workspace);
    if (own) return appendToUri(own, id);
    return appendToUri(
      appendToUri(appendToUri(this.defaultArtifactRoot, "workspaces"), workspace),
      id,
    );
  }

  /** Creates experiment "0" named "Default" unless it exists (safe across replicas). */
  async ensureDefault(): Promise<void> {
    // A read first: every replica start would otherwise pay for a failed conditional transaction.
    if (await this.find(DEFAULT_EXPERIMENT_ID)) return;
    try {
      await this.put({
        experimentId: DEFAULT_EXPERIMENT_ID,
        name: DEFAULT_EXPERIMENT_NAME,
        artifactLocation: appendToUri(this.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID),
        lifecycleStage: "active",
        creationTime: nowMs(),
        lastUpdateTime: nowMs(),
        tags: {},
      });
    } catch (e) {
      if (!(e instanceof MlflowError && e.code === "RESOURCE_ALREADY_EXISTS")) throw e;
    }
  }

  /** Creates an experiment; names are unique among active and deleted experiments. */
  async create(input: CreateExperimentInput): Promise<string> {
    // As MLflow's handler: the location is checked before the store checks the name.
    if (input.artifactLocation && workspacesActive()) {
      throw invalidParameter("artifact_location cannot be specified when workspaces are enabled");
    }
    if (input.artifactLocation) validateArtifactLocation(input.artifactLocation);
    const name = validateExperimentName(input.name);
    for (const [k, v] of Object.entries(input.tags ?? {})) validateExperimentTag(k, v);
    // Fails fast without burning an id when the name is obviously taken.
    if (await this.idForName(name)) throw this.nameTaken(name);
    const id = await nextExperimentId(this.db);
    const now = nowMs();
    const workspace = currentWorkspace();
    await this.put({
      experimentId: id,
      name,
      ...(isDefaultWorkspace(workspace) ? {} : { workspace }),
      artifactLocation: input.artifactLocation
        ? resolveUriIfLocal(input.artifactLocation, Deno.cwd())
        : await this.artifactLocationFor(workspace, id),
      lifecycleStage: "active",
      creationTime: now,
      lastUpdateTime: now,
      tags: input.tags ?? {},
    });
    return id;
  }

  /**
   * Writes an experiment with its own id, name, times and tags (`deno task import`), and moves the
   * id counter past that id so new experiments never take it. Active first: the importer sets the
   * lifecycle after the runs are in. `RESOURCE_ALREADY_EXISTS` when the id or the name is taken.
   */
  async importExperiment(e: Experiment): Promise<void> {
    const id = validateExperimentId(e.experimentId);
    const name = validateExperimentName(e.name);
    for (const [k, v] of Object.entries(e.tags)) validateExperimentTag(k, v);
    await this.put({ ...e, experimentId: id, name, lifecycleStage: "active" });
    if (/^\d+$/.test(id)) await raiseExperimentCounter(this.db, Number(id));
  }

  /** Tags bigger than one transaction can carry are written first (orphans are never read). */
  private static fitsOneTransaction(tags: Record<string, string>): boolean {
    const entries = Object.entries(tags);
    if (entries.length + 2 > TRANSACTION_ACTIONS) return false;
    const bytes = entries.reduce((n, [k, v]) => n + 3 * (k.length + v.length) + 200, 0);
    return bytes <= TRANSACTION_TAG_BYTES;
  }

  private nameTaken(name: string): MlflowError {
    return alreadyExists(
      `Experiment(name=${name}) already exists. Error: experiment names must be unique`,
    );
  }

  // The guard and the record are written in one transaction, each conditioned on absence, with
  // the tags when they fit (else the tags are written just before: without their record, tag
  // items are never read, and experiment ids are never reused).
  private async put(e: Experiment): Promise<void> {
    const tagItems = Object.entries(e.tags).map(([k, v]) =>
      experimentTagItem(e.experimentId, k, v, e.workspace)
    );
    const together = ExperimentStore.fitsOneTransaction(e.tags);
    if (!together) {
      await batchWriteAll(
        this.db.port,
        this.db.table,
        tagItems.map((Item) => ({ PutRequest: { Item } })),
      );
    }
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: this.db.table,
              Item: experimentNameItem(e.name, e.experimentId, e.workspace),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: this.db.table,
              Item: experimentItem(e),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          ...(together
            ? tagItems.map((Item) => ({ Put: { TableName: this.db.table, Item } }))
            : []),
        ],
      });
    } catch (e2) {
      if (isConditionFailure(e2)) {
        const [nameFailed] = failedConditions(e2);
        if (nameFailed) throw this.nameTaken(e.name);
        throw alreadyExists(`Experiment with id=${e.experimentId} already exists`);
      }
      throw e2;
    }
  }

  /** Reads an experiment (active or deleted); 404 when absent. */
  async get(experimentId: string): Promise<Experiment> {
    const id = validateExperimentId(experimentId);
    const found = await this.find(id);
    if (!found) throw notFound(`No Experiment with id=${experimentId} exists`);
    return found;
  }

  /**
   * The experiment a new run goes into (CreateRun's hot path): an experiment this process found
   * active within `ACTIVE_EXPERIMENT_TTL_MS` (`active_experiments.ts`) is answered without a
   * read, unless one of its deletes or restores happened since; otherwise as {@link get}. Only the fields that never
   * change while an experiment stays active are meant to be used (id, artifact location,
   * lifecycle). With workspaces on, every call reads (an experiment can change workspace).
   */
  async getForNewRun(experimentId: string): Promise<Experiment> {
    const id = validateExperimentId(experimentId);
    const hit = this.cachedActive(id);
    if (hit) return hit;
    const epoch = this.lifecycleEpoch;
    const experiment = await this.get(experimentId);
    this.rememberActive(experiment, epoch);
    return experiment;
  }

  /** The experiment `id` from the active cache (no read), or undefined. */
  cachedActive(id: string): Experiment | undefined {
    return this.#active.get(id, this.lifecycleEpoch);
  }

  /** Remembers an experiment just read; `epoch`: {@link lifecycleEpoch} before the read. */
  rememberActive(experiment: Experiment, epoch: number): void {
    this.#active.remember(experiment, epoch);
  }

  /**
   * Reads an experiment of the current workspace with its tags (one paged Query of its
   * partition), or undefined (also when it belongs to another workspace).
   */
  async find(experimentId: string, consistent = true): Promise<Experiment | undefined> {
    const e = await this.findInAnyWorkspace(experimentId, consistent);
    return e && (e.workspace ?? DEFAULT_WORKSPACE) === currentWorkspace() ? e : undefined;
  }

  /** Reads an experiment whatever its workspace (the workspace guard, garbage collection). */
  async findInAnyWorkspace(
    experimentId: string,
    consistent = true,
  ): Promise<Experiment | undefined> {
    const { items } = await query(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: experimentKey(experimentId).pk } },
      ConsistentRead: consistent,
    }, { pages: "all" });
    return experimentsFromItems(items)[0];
  }

  private async idForName(name: string): Promise<string | undefined> {
    const { Item } = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(experimentNameKey(name, currentWorkspace())),
      ConsistentRead: true,
    });
    return Item?.experiment_id?.S;
  }

  /** Reads an experiment by name; 404 when absent. */
  async getByName(name: string): Promise<Experiment> {
    const id = await this.idForName(name);
    const found = id === undefined ? undefined : await this.find(id);
    if (!found) throw notFound(`Could not find experiment with name '${name}'`);
    return found;
  }

  /** Renames an active experiment: swaps the name guards and updates the record atomically. */
  async rename(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    const e = await this.get(experimentId);
    if (e.lifecycleStage !== "active") {
      throw new MlflowError(
        "INVALID_STATE",
        `Cannot rename a non-active experiment ${experimentId} (it is ${e.lifecycleStage})`,
      );
    }
    if (e.name === newName) return;
    const ws = e.workspace ?? DEFAULT_WORKSPACE;
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: this.db.table,
              Item: experimentNameItem(newName, e.experimentId, ws),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Delete: {
              TableName: this.db.table,
              Key: rawKey(experimentNameKey(e.name, ws)),
              ConditionExpression: "experiment_id = :id",
              ExpressionAttributeValues: { ":id": { S: e.experimentId } },
            },
          },
          {
            Update: {
              TableName: this.db.table,
              Key: rawKey(experimentKey(e.experimentId)),
              UpdateExpression: "SET #n = :n, last_update_time = :t",
              ConditionExpression: "#n = :old AND lifecycle_stage = :active",
              ExpressionAttributeNames: { "#n": "name" },
              ExpressionAttributeValues: {
                ":n": { S: newName },
                ":old": { S: e.name },
                ":t": { N: String(nowMs()) },
                ":active": { S: "active" },
              },
            },
          },
        ],
      });
    } catch (err) {
      if (isConditionFailure(err)) {
        if (failedConditions(err)[0]) throw this.nameTaken(newName);
        throw new MlflowError("ABORTED", `Experiment ${experimentId} changed concurrently; retry`);
      }
      throw err;
    }
  }

  /** Marks an experiment deleted; its runs read as deleted until it is restored. */
  async delete(experimentId: string): Promise<void> {
    if (validateExperimentId(experimentId) === DEFAULT_EXPERIMENT_ID) {
      throw invalidParameter(
        "Cannot delete the default experiment '0'. This is an internally reserved experiment.",
      );
    }
    await this.setLifecycle(experimentId, "deleted");
  }

  /** Restores an experiment and, like MLflow, every run in it. */
  async restore(experimentId: string): Promise<void> {
    await this.setLifecycle(experimentId, "active");
  }

  // As MLflow's SQL store, deleting looks among active experiments only and restoring among
  // deleted ones: deleting a deleted (or restoring an active) experiment is a 404.
  private async setLifecycle(experimentId: string, stage: "active" | "deleted"): Promise<void> {
    const id = validateExperimentId(experimentId);
    this.lifecycleEpoch++;
    const now = nowMs();
    const restored = stage === "active" ? ", restored_at = :t" : "";
    const inWs = workspaceCondition();
    // A one-item transaction rather than an UpdateItem: its ClientRequestToken makes a retry
    // after a lost answer succeed instead of answering 404 to the request that did the change.
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [{
          Update: {
            TableName: this.db.table,
            Key: rawKey(experimentKey(id)),
            UpdateExpression: `SET lifecycle_stage = :s, last_update_time = :t${restored}`,
            ConditionExpression:
              `attribute_exists(pk) AND lifecycle_stage <> :s AND ${inWs.expression}`,
            ExpressionAttributeValues: {
              ":s": { S: stage },
              ":t": { N: String(now) },
              ...inWs.values,
            },
          },
        }],
      });
    } catch (e) {
      if (isConditionFailure(e)) throw notFound(`No Experiment with id=${experimentId} exists`);
      throw e;
    }
  }

  /** Sets a tag on an active experiment. */
  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    validateExperimentTag(key, value);
    const id = validateExperimentId(experimentId);
    await this.writeTag(id, experimentId, key, {
      Put: {
        TableName: this.db.table,
        Item: experimentTagItem(id, key, value, currentWorkspace()),
      },
    });
  }

  /** Deletes a tag of an active experiment; 404 when the tag is absent. */
  async deleteTag(experimentId: string, key: string): Promise<void> {
    const e = await this.get(experimentId);
    if (!(key in e.tags)) {
      throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
    }
    await this.writeTag(e.experimentId, experimentId, key, {
      Delete: { TableName: this.db.table, Key: rawKey(experimentTagKey(e.experimentId, key)) },
    });
  }

  // One transaction: the tag item's write, conditioned on the experiment being active, and the
  // removal of the key from the record's legacy `tags` map.
  private async writeTag(
    id: string,
    experimentId: string,
    key: string,
    tagWrite: TransactWriteItem,
  ): Promise<void> {
    const inWs = workspaceCondition();
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Update: {
              TableName: this.db.table,
              Key: rawKey(experimentKey(id)),
              UpdateExpression: "REMOVE tags.#k",
              ConditionExpression: `lifecycle_stage = :active AND ${inWs.expression}`,
              ExpressionAttributeNames: { "#k": key },
              ExpressionAttributeValues: { ":active": { S: "active" }, ...inWs.values },
            },
          },
          tagWrite,
        ],
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const found = await this.find(id);
      if (!found) throw notFound(`No Experiment with id=${experimentId} exists`);
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${found.lifecycleStage}.`,
      );
    }
  }
}
