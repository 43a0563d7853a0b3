/**
 * `DeleteTraces`: by ids (within the experiment), or every trace at or before
 * `max_timestamp_millis`, oldest first, at most `max_traces`. Deleting removes the info item,
 * every span item and the run link items; the checks and messages are MLflow's
 * (`AbstractStore.delete_traces`).
 *
 * @module
 */
import type { WriteRequest } from "@aws-sdk/client-dynamodb";
import {
  GSI1,
  runTraceKey,
  TRACE_SHARDS,
  traceGsi1SkAtOrBefore,
  tracePartitionPk,
  tracesGsi1Pk,
} from "../../keys/key_schema.ts";
import { batchWriteAll, queryAll } from "../../dynamo/batch.ts";
import { invalidParameter } from "../../errors.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, rawKey } from "../db.ts";
import {
  recordRunIds,
  TAG_ARTIFACT_LOCATION,
  type TraceRecord,
  traceRecordFromItem,
} from "./trace_record.ts";
import type { TraceStore } from "./trace_store.ts";

/** What to delete. */
export interface DeleteTracesInput {
  experimentId: string;
  maxTimestampMillis?: number;
  maxTraces?: number;
  traceIds: string[];
}

async function tracesBefore(db: Db, experimentId: string, maxTs: number): Promise<TraceRecord[]> {
  const parts = await pooledMap(Array.from({ length: TRACE_SHARDS }, (_, s) => s), async (s) => {
    const items = await queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk AND gsi1sk >= :from",
      ExpressionAttributeValues: {
        ":pk": { S: tracesGsi1Pk(experimentId, s) },
        ":from": { S: traceGsi1SkAtOrBefore(maxTs) },
      },
    });
    return items.map(traceRecordFromItem);
  });
  return parts.flat().filter((r) => r.request_time <= maxTs);
}

/** Deletes one trace's items (info, spans, run links) and its spilled spans. */
async function deleteTraceItems(store: TraceStore, db: Db, record: TraceRecord): Promise<void> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: tracePartitionPk(record.trace_id) } },
    ProjectionExpression: "pk, sk, spill",
  });
  const root = record.tags[TAG_ARTIFACT_LOCATION];
  if (store.options.spill && root && items.some((i) => i.spill?.S !== undefined)) {
    await store.options.spill.deleteAll(root);
  }
  const requests: WriteRequest[] = items.map((i) => ({
    DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } },
  }));
  for (const runId of recordRunIds(record)) {
    requests.push({ DeleteRequest: { Key: rawKey(runTraceKey(runId, record.trace_id)) } });
  }
  await batchWriteAll(db.port, db.table, requests);
}

/** Deletes traces; returns how many. */
export async function deleteTraces(
  store: TraceStore,
  db: Db,
  input: DeleteTracesInput,
): Promise<number> {
  const { maxTimestampMillis: maxTs, maxTraces, traceIds } = input;
  if (maxTs === undefined && traceIds.length === 0) {
    throw invalidParameter("Either `max_timestamp_millis` or `trace_ids` must be specified.");
  }
  if (maxTs !== undefined && traceIds.length > 0) {
    throw invalidParameter("Only one of `max_timestamp_millis` and `trace_ids` can be specified.");
  }
  if (traceIds.length > 0 && maxTraces !== undefined) {
    throw invalidParameter("`max_traces` can't be specified if `trace_ids` is specified.");
  }
  if (maxTraces !== undefined && maxTraces <= 0) {
    throw invalidParameter(`\`max_traces\` must be a positive integer, received ${maxTraces}.`);
  }
  let targets: TraceRecord[];
  if (traceIds.length > 0) {
    targets = (await store.getRecords(traceIds)).filter((r) =>
      r.experiment_id === input.experimentId
    );
  } else {
    targets = await tracesBefore(db, input.experimentId, maxTs!);
    targets.sort((a, b) => a.request_time - b.request_time || (a.trace_id < b.trace_id ? -1 : 1));
    if (maxTraces !== undefined) targets = targets.slice(0, maxTraces);
  }
  await pooledMap(targets, (r) => deleteTraceItems(store, db, r));
  return targets.length;
}
