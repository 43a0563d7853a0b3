/**
 * Experiment items: the record, its tags (one item each) and its name guard.
 *
 * The record holds the experiment's fields. Each tag is its own item (`EXP#<id>` / `TAG#<key>`,
 * also in the `EXPS` index partition), so an experiment may carry any number of tags of up to
 * 20,000 characters, as MLflow allows, without its record nearing DynamoDB's 400 KB. Records
 * written before tags moved out keep a `tags` map; reads merge it under the tag items, and every
 * tag write removes the key from the map, so the two never disagree for long.
 *
 * @module
 */
import {
  counterKey,
  EXPERIMENT_TAG_PREFIX,
  experimentGsi1,
  experimentKey,
  experimentNameKey,
  experimentTagGsi1,
  experimentTagKey,
} from "../../keys/key_schema.ts";
import { type Db, fromItem, isConditionFailure, type RawItem, rawKey, toItem } from "../db.ts";
import type { Experiment } from "../entities.ts";
import { appendToArtifactUri } from "../../artifacts/artifact_uri.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";

interface ExperimentRecord {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number;
  last_update_time: number;
  /** Tags of records written before tags became items (new records: always empty). */
  tags: Record<string, string>;
  restored_at?: number;
  /** Absent in the default workspace (records written before workspaces read as `default`). */
  workspace?: string;
}

/** Record attribute: the experiment's metric index is complete (searches may use it). */
export const METRIC_INDEX_COMPLETE = "mxi";

/** The record item of an experiment; its tags are separate items ({@link experimentTagItem}). */
export function experimentItem(e: Experiment): RawItem {
  const record: ExperimentRecord = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    creation_time: e.creationTime,
    last_update_time: e.lastUpdateTime,
    // Kept (empty) so that `REMOVE tags.#k` stays a valid update on every record.
    tags: {},
    restored_at: e.restoredAt,
    workspace: workspaceAttribute(e.workspace),
  };
  return toItem({
    ...experimentKey(e.experimentId),
    ...experimentGsi1(e.experimentId, e.workspace),
    ...record,
    // Every run of an experiment created with this marker is in the metric index or in its
    // unindexed set (docs/key-schema.md, "Metric-ordered SearchRuns"); older ones have none.
    [METRIC_INDEX_COMPLETE]: true,
  });
}

/** The `workspace` attribute of an item: none in the default workspace (today's items). */
export function workspaceAttribute(workspace: string | undefined): string | undefined {
  return workspace === undefined || workspace === DEFAULT_WORKSPACE ? undefined : workspace;
}

/** The item of one experiment tag. */
export function experimentTagItem(
  experimentId: string,
  key: string,
  value: string,
  workspace = DEFAULT_WORKSPACE,
): RawItem {
  return toItem({
    ...experimentTagKey(experimentId, key),
    ...experimentTagGsi1(experimentId, key, workspace),
    experiment_id: experimentId,
    key,
    value,
  });
}

/** The name-guard item that makes experiment names unique. */
export function experimentNameItem(
  name: string,
  experimentId: string,
  workspace = DEFAULT_WORKSPACE,
): RawItem {
  return toItem({ ...experimentNameKey(name, workspace), experiment_id: experimentId });
}

/** True for an experiment record item (as opposed to a tag item). */
export function isExperimentRecord(item: RawItem): boolean {
  return item.sk?.S === experimentKey("").sk;
}

/** True for an experiment tag item. */
export function isExperimentTag(item: RawItem): boolean {
  return item.sk?.S?.startsWith(EXPERIMENT_TAG_PREFIX) ?? false;
}

/**
 * Reads an experiment record item. Only the tags the record itself holds (records written
 * before tags became items) are filled in; {@link experimentsFromItems} adds the tag items.
 */
export function experimentFromItem(item: RawItem): Experiment {
  const r = fromItem<ExperimentRecord>(item);
  return {
    experimentId: r.experiment_id,
    name: r.name,
    artifactLocation: r.artifact_location,
    lifecycleStage: r.lifecycle_stage,
    creationTime: Number(r.creation_time),
    lastUpdateTime: Number(r.last_update_time),
    tags: r.tags ?? {},
    ...(r.restored_at !== undefined ? { restoredAt: Number(r.restored_at) } : {}),
    ...(r.workspace ? { workspace: r.workspace } : {}),
  };
}

/**
 * Experiments from a mix of record and tag items (an experiment's partition, or the `EXPS`
 * index partition), in the order of their records. Tags without a record are ignored.
 */
export function experimentsFromItems(items: RawItem[]): Experiment[] {
  const tags = new Map<string, Record<string, string>>();
  for (const item of items) {
    if (!isExperimentTag(item)) continue;
    const id = item.experiment_id?.S ?? "";
    let t = tags.get(id);
    if (!t) tags.set(id, t = {});
    t[item.key?.S ?? ""] = item.value?.S ?? "";
  }
  return items.filter(isExperimentRecord).map((item) => {
    const e = experimentFromItem(item);
    return { ...e, tags: { ...e.tags, ...tags.get(e.experimentId) } };
  });
}

/** Allocates the next experiment id with an atomic counter (no read-then-write). */
export async function nextExperimentId(db: Db): Promise<string> {
  const res = await db.port.updateItem({
    TableName: db.table,
    Key: rawKey(counterKey("experiment")),
    UpdateExpression: "ADD #n :one",
    ExpressionAttributeNames: { "#n": "n" },
    ExpressionAttributeValues: { ":one": { N: "1" } },
    ReturnValues: "UPDATED_NEW",
  });
  return res.Attributes!.n!.N!;
}

/** Moves the experiment id counter up to `id` (never down): imported ids are never handed out. */
export async function raiseExperimentCounter(db: Db, id: number): Promise<void> {
  try {
    await db.port.updateItem({
      TableName: db.table,
      Key: rawKey(counterKey("experiment")),
      UpdateExpression: "SET #n = :id",
      ConditionExpression: "attribute_not_exists(#n) OR #n < :id",
      ExpressionAttributeNames: { "#n": "n" },
      ExpressionAttributeValues: { ":id": { N: String(id) } },
    });
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
}

/**
 * Joins an artifact root and a path segment as MLflow's `append_to_uri_path` does: before any
 * query or fragment (`appendToArtifactUri`), so a run's root can never land inside one.
 */
export function appendToUri(root: string, segment: string): string {
  return appendToArtifactUri(root, segment);
}
