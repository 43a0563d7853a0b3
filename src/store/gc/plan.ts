/**
 * What `deno task gc` deletes, chosen as `mlflow gc` chooses (`mlflow/cli/__init__.py`,
 * `_gc_tracking_resources`), each kind on its own:
 *
 * - runs: the given `--run-ids` (each must read as deleted, and be old enough with
 *   `--older-than`), else every run deleted at least `older_than` ago; plus every run of the
 *   experiments below;
 * - logged models: the given `--logged-model-ids` (deleted, old enough), else every deleted
 *   model last updated at least `older_than` ago;
 * - experiments: the given `--experiment-ids` (deleted, `last_update_time` older than the
 *   threshold with `--older-than`), else every deleted experiment (updated before the threshold
 *   with `--older-than`); plus their logged models.
 *
 * Reads: the experiments' index partition (every experiment), each experiment's run listing
 * shards (run records, filtered on the server), and, without `--logged-model-ids`, one paged
 * Scan for logged-model records (deleted models leave the index). A gc reads the whole table's
 * metadata once; it never reads metric history it does not delete.
 *
 * @module
 */
import { queryAll, type RawItem } from "../../dynamo/batch.ts";
import { invalidParameter, MlflowError } from "../../errors.ts";
import {
  experimentsGsi1Pk,
  GSI1,
  loggedModelKey,
  loggedModelPartitionPk,
  RUN_SHARDS,
  runKey,
  runsGsi1Pk,
} from "../../keys/key_schema.ts";
import { type Db, fromItem, rawKey } from "../db.ts";
import type { Experiment } from "../entities.ts";
import { experimentsFromItems } from "../experiments/experiment_item.ts";
import { effectiveLifecycle, type RunRecord, runRecordFromItem } from "../runs/run_item.ts";
import { WorkspaceStore } from "../workspaces/workspace_store.ts";
import { pooledMap } from "../../util/pool.ts";

/** The `mlflow gc` selection. */
export interface GcOptions {
  /** `--older-than` in milliseconds (0: any age). */
  olderThanMs: number;
  /** The `--older-than` text, for messages; unset when not given. */
  olderThan?: string;
  runIds?: string[];
  experimentIds?: string[];
  loggedModelIds?: string[];
  /** Current time in ms (tests). */
  now?: number;
}

/** A resource to delete, with where its artifacts are. */
export interface GcTarget {
  id: string;
  artifactUri: string;
  /** Deleted because its experiment is (its own record may say active). */
  inDeletedExperiment: boolean;
}

/** Everything one gc deletes. */
export interface GcPlan {
  runs: GcTarget[];
  loggedModels: GcTarget[];
  experiments: { id: string; name: string; workspace?: string }[];
}

interface ModelRecord {
  model_id: string;
  experiment_id: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_updated_timestamp_ms: number;
}

/** Parses `--older-than` as `mlflow gc` does (`30d`, `1d2h3m4s`, `1.5h`) into milliseconds. */
export function parseOlderThan(text: string): number {
  const m = /^(?:([.\d]+?)d)?(?:([.\d]+?)h)?(?:([.\d]+?)m)?(?:([.\d]+?)s)?$/.exec(text);
  const units = [86_400_000, 3_600_000, 60_000, 1000];
  const values = m?.slice(1).map((v, i) => (v === undefined ? 0 : Number(v) * units[i]!));
  if (!values || values.some((v) => Number.isNaN(v))) {
    throw invalidParameter(
      `Could not parse any time information from '${text}'. Examples of valid strings: '8h', '2d8h5m20s', '2m4s'`,
    );
  }
  return Math.trunc(values.reduce((a, b) => a + b, 0));
}

// Every workspace's experiments: the default listing partition, then one per created workspace.
async function allExperiments(db: Db): Promise<Experiment[]> {
  const workspaces = await new WorkspaceStore(db).list();
  const partitions = workspaces.map((w) => experimentsGsi1Pk(w.name));
  const items = await pooledMap(partitions, (pk) =>
    queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": { S: pk } },
    }));
  return experimentsFromItems(items.flat());
}

async function runRecordsOf(db: Db, experimentId: string, deletedOnly: boolean) {
  const out: RunRecord[] = [];
  for (let shard = 0; shard < RUN_SHARDS; shard++) {
    const items = await queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :p",
      FilterExpression: deletedOnly ? "sk = :rec AND lifecycle_stage = :d" : "sk = :rec",
      ExpressionAttributeValues: {
        ":p": { S: runsGsi1Pk(experimentId, shard) },
        ":rec": { S: runKey("").sk },
        ...(deletedOnly ? { ":d": { S: "deleted" } } : {}),
      },
    });
    out.push(...items.map(runRecordFromItem));
  }
  return out;
}

async function modelRecords(db: Db): Promise<ModelRecord[]> {
  const out: ModelRecord[] = [];
  let start: RawItem | undefined;
  do {
    const res = await db.port.scan({
      TableName: db.table,
      FilterExpression: "begins_with(pk, :lm) AND sk = :rec",
      ExpressionAttributeValues: {
        ":lm": { S: loggedModelPartitionPk("") },
        ":rec": { S: loggedModelKey("").sk },
      },
      ExclusiveStartKey: start,
    });
    out.push(...(res.Items ?? []).map((i) => fromItem<ModelRecord>(i)));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

const notFound = (what: string) => new MlflowError("RESOURCE_DOES_NOT_EXIST", what);

/** Chooses what to delete, refusing given ids that are not deleted or not old enough. */
export async function planGc(db: Db, opts: GcOptions): Promise<GcPlan> {
  const threshold = (opts.now ?? Date.now()) - opts.olderThanMs;
  const experiments = await allExperiments(db);
  const byId = new Map(experiments.map((e) => [e.experimentId, e]));

  let doomedExps: Experiment[];
  if (opts.experimentIds) {
    doomedExps = opts.experimentIds.map((id) => {
      const e = byId.get(id);
      if (!e) throw notFound(`No Experiment with id=${id} exists`);
      return e;
    });
    const active = doomedExps.filter((e) => e.lifecycleStage !== "deleted");
    if (active.length) {
      throw invalidParameter(
        `Experiments ${
          pyList(active.map((e) => e.experimentId))
        } are not in the deleted lifecycle stage. Only experiments in the deleted lifecycle stage can be hard-deleted.`,
      );
    }
    const young = doomedExps.filter((e) => opts.olderThan && e.lastUpdateTime >= threshold);
    if (young.length) {
      throw invalidParameter(
        `Experiments ${
          pyList(young.map((e) => e.experimentId))
        } are not older than the required age. Only experiments older than ${opts.olderThan} can be deleted.`,
      );
    }
  } else {
    doomedExps = experiments.filter((e) =>
      e.lifecycleStage === "deleted" && (!opts.olderThan || e.lastUpdateTime < threshold)
    );
  }
  const doomedExpIds = new Set(doomedExps.map((e) => e.experimentId));

  const runs = new Map<string, GcTarget>();
  if (opts.runIds) {
    for (const id of opts.runIds) {
      const { Item } = await db.port.getItem({
        TableName: db.table,
        Key: rawKey(runKey(id)),
        ConsistentRead: true,
      });
      if (!Item) throw notFound(`Run with id=${id} not found`);
      const r = runRecordFromItem(Item);
      const exp = byId.get(r.experiment_id);
      if (effectiveLifecycle(r, exp) !== "deleted") {
        throw new MlflowError(
          "INTERNAL_ERROR",
          `Run ${id} is not in \`deleted\` lifecycle stage. Only runs in \`deleted\` lifecycle stage can be deleted.`,
        );
      }
      if (opts.olderThan && !(r.deleted_time !== undefined && r.deleted_time <= threshold)) {
        throw invalidParameter(
          `Run ${id} is not older than the required age. Only runs older than ${opts.olderThan} can be deleted.`,
        );
      }
      runs.set(id, target(r, exp));
    }
  } else {
    for (const e of experiments) {
      if (e.lifecycleStage === "deleted") continue; // all of its runs are taken below or kept
      for (const r of await runRecordsOf(db, e.experimentId, true)) {
        if (effectiveLifecycle(r, e) !== "deleted") continue;
        if (r.deleted_time !== undefined && r.deleted_time <= threshold) {
          runs.set(r.run_id, target(r, e));
        }
      }
    }
  }
  for (const e of doomedExps) {
    for (const r of await runRecordsOf(db, e.experimentId, false)) runs.set(r.run_id, target(r, e));
  }

  const models = new Map<string, GcTarget>();
  if (opts.loggedModelIds) {
    for (const id of opts.loggedModelIds) {
      const { Item } = await db.port.getItem({
        TableName: db.table,
        Key: rawKey(loggedModelKey(id)),
        ConsistentRead: true,
      });
      if (!Item) throw notFound(`Logged model with ID '${id}' not found.`);
      const m = fromItem<ModelRecord>(Item);
      if (m.lifecycle_stage !== "deleted") {
        throw new MlflowError(
          "INTERNAL_ERROR",
          `Logged model ${id} is not in \`deleted\` lifecycle stage. Only logged models in \`deleted\` lifecycle stage can be deleted.`,
        );
      }
      if (opts.olderThan && Number(m.last_updated_timestamp_ms) > threshold) {
        throw invalidParameter(
          `Logged model ${id} is not older than the required age. Only logged models older than ${opts.olderThan} can be deleted.`,
        );
      }
      models.set(id, modelTarget(m, false));
    }
  }
  if (!opts.loggedModelIds || doomedExpIds.size > 0) {
    for (const m of await modelRecords(db)) {
      if (doomedExpIds.has(m.experiment_id)) models.set(m.model_id, modelTarget(m, true));
      else if (
        !opts.loggedModelIds && m.lifecycle_stage === "deleted" &&
        Number(m.last_updated_timestamp_ms) <= threshold
      ) models.set(m.model_id, modelTarget(m, false));
    }
  }

  return {
    runs: [...runs.values()],
    loggedModels: [...models.values()],
    experiments: doomedExps.map((e) => ({
      id: e.experimentId,
      name: e.name,
      ...(e.workspace ? { workspace: e.workspace } : {}),
    })),
  };
}

function target(r: RunRecord, e: Experiment | undefined): GcTarget {
  return {
    id: r.run_id,
    artifactUri: r.artifact_uri,
    inDeletedExperiment: e?.lifecycleStage === "deleted",
  };
}

function modelTarget(m: ModelRecord, inDeletedExperiment: boolean): GcTarget {
  return { id: m.model_id, artifactUri: m.artifact_location, inDeletedExperiment };
}

/** A Python list repr of strings, as MLflow's messages print them. */
function pyList(ids: string[]): string {
  return `[${ids.map((i) => `'${i}'`).join(", ")}]`;
}
