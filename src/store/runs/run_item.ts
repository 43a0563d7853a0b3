/**
 * The run record item: info, tags as a map and metric-group ids. Params, inputs and outputs have
 * their own items; records written before that (schema 1, commit 6a8d938) also hold `params`,
 * `dataset_inputs`, `model_inputs` and `model_outputs`, which readers merge.
 *
 * @module
 */
import { runGsi1, runKey } from "../../keys/key_schema.ts";
import { fromItem, type RawItem, toItem } from "../db.ts";
import type {
  DatasetInput,
  Experiment,
  LifecycleStage,
  ModelInput,
  ModelOutput,
  RunInfo,
  RunStatus,
} from "../entities.ts";

/** The run record as stored (snake_case attribute names). */
export interface RunRecord {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
  deleted_time?: number;
  params: Record<string, string>;
  tags: Record<string, string>;
  dataset_inputs?: DatasetInput[];
  model_inputs?: ModelInput[];
  model_outputs?: ModelOutput[];
  groups?: Set<string>;
}

/**
 * The item for a new run record. A record of plain strings, safe integers, string maps and
 * nothing else (every CreateRun) is marshalled directly, as `toItem` would (CreateRun's hot
 * path; `run_item_test.ts` compares the two); any other goes through `toItem`.
 */
export function runItem(r: RunRecord): RawItem {
  const item = { ...runKey(r.run_id), ...runGsi1(r.experiment_id, r.run_id, r.start_time), ...r };
  return plainItem(item) ?? toItem(item);
}

/** `item` marshalled when every value is a string, a safe integer or a map of strings. */
function plainItem(item: Record<string, unknown>): RawItem | undefined {
  const out: RawItem = {};
  for (const k in item) {
    const v = item[k];
    if (v === undefined) continue;
    if (typeof v === "string") out[k] = { S: v };
    else if (typeof v === "number" && Number.isSafeInteger(v)) out[k] = { N: String(v) };
    else if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const m: RawItem = {};
      for (const mk in v) {
        const mv = (v as Record<string, unknown>)[mk];
        if (typeof mv !== "string") return undefined;
        m[mk] = { S: mv };
      }
      out[k] = { M: m };
    } else return undefined;
  }
  return out;
}

/** Reads a run record item. */
export function runRecordFromItem(item: RawItem): RunRecord {
  const r = fromItem<RunRecord & { groups?: Set<string> }>(item);
  r.start_time = Number(r.start_time);
  if (r.end_time !== undefined) r.end_time = Number(r.end_time);
  if (r.deleted_time !== undefined) r.deleted_time = Number(r.deleted_time);
  r.params ??= {};
  r.tags ??= {};
  return r;
}

/**
 * The lifecycle a run shows: deleting an experiment deletes its runs, and restoring it restores
 * all of them (also runs deleted one by one before), without touching each run's item.
 */
export function effectiveLifecycle(r: RunRecord, e: Experiment | undefined): LifecycleStage {
  if (e?.lifecycleStage === "deleted") return "deleted";
  if (r.lifecycle_stage === "deleted") {
    const restoredAt = e?.restoredAt ?? -1;
    return (r.deleted_time ?? 0) > restoredAt ? "deleted" : "active";
  }
  return "active";
}

/** The RunInfo of a record. */
export function runInfoOf(r: RunRecord, e: Experiment | undefined): RunInfo {
  return {
    runId: r.run_id,
    experimentId: r.experiment_id,
    runName: r.run_name,
    userId: r.user_id,
    status: r.status,
    startTime: r.start_time,
    ...(r.end_time !== undefined ? { endTime: r.end_time } : {}),
    artifactUri: r.artifact_uri,
    lifecycleStage: effectiveLifecycle(r, e),
  };
}
