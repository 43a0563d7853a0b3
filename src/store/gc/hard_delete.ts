/**
 * Hard deletes for `deno task gc`: a run, a logged model or an experiment with every item it
 * owns, walking the key schema (`docs/key-schema.md`):
 *
 * - a run: its partition `RUN#<id>` (record, params, metric groups, long values, inputs and
 *   outputs; their index entries go with them), its metric history partition `MH#<id>`, its
 *   trace links `RUNTR#<id>` and its metric-index items (unindexed item, entries of its current
 *   values);
 * - a logged model: its partition `LM#<id>` (record and metric chunks);
 * - an experiment: its partition `EXP#<id>` (record, tag items, datasets), its name guard, and
 *   the traces listed under it (each trace's partition).
 *
 * Every delete is idempotent and the record goes last, conditionally on still being deleted: an
 * interrupted gc leaves the record in place, so the next gc finds the resource again and
 * finishes it (resumable), and a resource restored meanwhile keeps its record.
 *
 * @module
 */
import { pooledMap } from "../../util/pool.ts";
import { batchWriteAll, queryAll, type RawItem } from "../../dynamo/batch.ts";
import {
  experimentKey,
  experimentNameKey,
  GSI1,
  loggedModelKey,
  loggedModelPartitionPk,
  metricHistoryPk,
  runKey,
  runPartitionPk,
  runTracesPk,
  TRACE_SHARDS,
  tracesGsi1Pk,
  unindexedRunsPk,
} from "../../keys/key_schema.ts";
import { runIndexKeys } from "../runs/metric_index_writes.ts";
import { type Db, rawKey } from "../db.ts";

/** Items deleted so far, for the progress line. */
export interface DeleteCounts {
  items: number;
}

/** Deletes every item of partition `pk` except the sort keys in `keep`; returns how many. */
export async function deletePartition(db: Db, pk: string, keep: string[] = []): Promise<number> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: pk } },
    ProjectionExpression: "pk, sk",
    ConsistentRead: true,
  });
  const doomed = items.filter((i) => !keep.includes(i.sk!.S!));
  await batchWriteAll(
    db.port,
    db.table,
    doomed.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })),
  );
  return doomed.length;
}

// Deletes the record last, only while it is still deleted; false when it was restored meanwhile.
async function deleteRecord(db: Db, key: RawItem): Promise<boolean> {
  try {
    await db.port.deleteItem({
      TableName: db.table,
      Key: key,
      ConditionExpression: "attribute_not_exists(pk) OR lifecycle_stage = :d",
      ExpressionAttributeValues: { ":d": { S: "deleted" } },
    });
    return true;
  } catch (e) {
    if (e instanceof Error && e.name === "ConditionalCheckFailedException") return false;
    throw e;
  }
}

/**
 * Hard-deletes a run. `inDeletedExperiment`: the run reads as deleted because its experiment is
 * (its own record may still say `active`), so its record is deleted without the condition.
 */
export async function hardDeleteRun(
  db: Db,
  runId: string,
  inDeletedExperiment = false,
): Promise<number> {
  // Its metric-index items first: they are found from the record and the groups.
  const indexKeys = await runIndexKeys(db, runId);
  await batchWriteAll(db.port, db.table, indexKeys.map((Key) => ({ DeleteRequest: { Key } })));
  let n = indexKeys.length + await deletePartition(db, metricHistoryPk(runId));
  n += await deletePartition(db, runTracesPk(runId));
  const record = runKey(runId);
  n += await deletePartition(db, runPartitionPk(runId), [record.sk]);
  if (inDeletedExperiment) {
    await db.port.deleteItem({ TableName: db.table, Key: rawKey(record) });
  } else if (!await deleteRecord(db, rawKey(record))) return n;
  return n + 1;
}

/** Hard-deletes a logged model (record and metric chunks). */
export async function hardDeleteLoggedModel(
  db: Db,
  modelId: string,
  inDeletedExperiment = false,
): Promise<number> {
  const record = loggedModelKey(modelId);
  const n = await deletePartition(db, loggedModelPartitionPk(modelId), [record.sk]);
  if (inDeletedExperiment) {
    await db.port.deleteItem({ TableName: db.table, Key: rawKey(record) });
  } else if (!await deleteRecord(db, rawKey(record))) return n;
  return n + 1;
}

/**
 * Hard-deletes an experiment's own items, its traces and its name guard (the caller deletes its
 * runs and logged models first). The guard is deleted only while it names this experiment. The
 * record goes last, only while it is deleted unless `force` (a workspace CASCADE delete).
 */
export async function hardDeleteExperiment(
  db: Db,
  experimentId: string,
  name: string,
  workspace?: string,
  force = false,
): Promise<number> {
  let n = 0;
  // A trace is its own partition, listed in one of TRACE_SHARDS index partitions.
  const shards = Array.from({ length: TRACE_SHARDS }, (_, s) => tracesGsi1Pk(experimentId, s));
  const traces = (await pooledMap(shards, (pk) =>
    queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": { S: pk } },
      ProjectionExpression: "pk",
    }))).flat();
  for (const pk of new Set(traces.map((t) => t.pk!.S!))) n += await deletePartition(db, pk);
  const record = experimentKey(experimentId);
  n += await deletePartition(db, record.pk, [record.sk]);
  n += await deletePartition(db, unindexedRunsPk(experimentId));
  try {
    await db.port.deleteItem({
      TableName: db.table,
      Key: rawKey(experimentNameKey(name, workspace)),
      ConditionExpression: "experiment_id = :id",
      ExpressionAttributeValues: { ":id": { S: experimentId } },
    });
    n++;
  } catch (e) {
    if (!(e instanceof Error && e.name === "ConditionalCheckFailedException")) throw e;
  }
  if (force) {
    await db.port.deleteItem({ TableName: db.table, Key: rawKey(record) });
    n++;
  } else if (await deleteRecord(db, rawKey(record))) n++;
  return n;
}
