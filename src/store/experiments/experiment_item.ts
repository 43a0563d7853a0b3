/**
 * Experiment items: the record and its name guard.
 *
 * @module
 */
import {
  counterKey,
  experimentGsi1,
  experimentKey,
  experimentNameKey,
} from "../../keys/key_schema.ts";
import { type Db, fromItem, type RawItem, rawKey, toItem } from "../db.ts";
import type { Experiment } from "../entities.ts";
import { appendToArtifactUri } from "../../artifacts/artifact_uri.ts";

interface ExperimentRecord {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number;
  last_update_time: number;
  tags: Record<string, string>;
  restored_at?: number;
}

/** The full item of an experiment record. */
export function experimentItem(e: Experiment): RawItem {
  const record: ExperimentRecord = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    creation_time: e.creationTime,
    last_update_time: e.lastUpdateTime,
    tags: e.tags,
    restored_at: e.restoredAt,
  };
  return toItem({ ...experimentKey(e.experimentId), ...experimentGsi1(e.experimentId), ...record });
}

/** The name-guard item that makes experiment names unique. */
export function experimentNameItem(name: string, experimentId: string): RawItem {
  return toItem({ ...experimentNameKey(name), experiment_id: experimentId });
}

/** Reads an experiment record item. */
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
  };
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

/**
 * Joins an artifact root and a path segment as MLflow's `append_to_uri_path` does: before any
 * query or fragment (`appendToArtifactUri`), so a run's root can never land inside one.
 */
export function appendToUri(root: string, segment: string): string {
  return appendToArtifactUri(root, segment);
}
