/**
 * Metric points logged with a `model_id` (LogMetric / LogBatch), kept in the model's own partition
 * so that `GetLoggedModel` returns them as `data.metrics`.
 *
 * Write path: a logging call whose points carry model ids puts one chunk item per model id
 * (`LM#<model_id>` / `LMM#<ulid>`) holding that model's points and the run id. The put is
 * unconditional and needs no read, so it costs one write unit per ~1 KB of points whatever the
 * model's history size is, and concurrent writers never contend. Calls whose points carry no
 * model id make no extra request at all.
 *
 * Read path: the chunks sort after the record in the model's partition, so one Query returns the
 * model and all its points. Duplicates (same key, timestamp, step and run, which MLflow's primary
 * key rejects) are dropped on read, keeping the first arrival.
 *
 * @module
 */
import {
  LOGGED_MODEL_METRIC_PREFIX,
  loggedModelMetricChunkKey,
  loggedModelPartitionPk,
  newChunkId,
} from "../../keys/key_schema.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { DEFAULT_POOL_LIMIT, pooledMap } from "../../util/pool.ts";
import { type Db, type RawItem, rawKey } from "../db.ts";
import type { Metric } from "../entities.ts";
import { decodePoints, encodePoints } from "../metrics/point_codec.ts";

/** The chunk item holding `points` of one model, logged by `runId`. */
export function modelMetricChunkItem(modelId: string, runId: string, points: Metric[]): RawItem {
  const stripped = points.map(({ modelId: _m, runId: _r, ...p }) => p);
  return {
    ...rawKey(loggedModelMetricChunkKey(modelId, newChunkId())),
    d: { S: encodePoints(stripped) },
    run: { S: runId },
  };
}

/**
 * Appends the points of `metrics` that carry a model id to their models' metric chunks.
 * No request at all when no point carries a model id.
 */
export async function appendModelMetrics(db: Db, runId: string, metrics: Metric[]): Promise<void> {
  const byModel = new Map<string, Metric[]>();
  for (const m of metrics) {
    if (!m.modelId) continue;
    let list = byModel.get(m.modelId);
    if (!list) byModel.set(m.modelId, list = []);
    list.push(m);
  }
  if (byModel.size === 0) return;
  await pooledMap(
    byModel,
    ([modelId, points]) =>
      db.port.putItem({ TableName: db.table, Item: modelMetricChunkItem(modelId, runId, points) }),
  );
}

/** True for an item of the model partition that is a metric chunk. */
export function isMetricChunk(item: RawItem): boolean {
  return item.sk?.S?.startsWith(LOGGED_MODEL_METRIC_PREFIX) ?? false;
}

/** Decodes chunk items (in sort-key order) into deduplicated points of `modelId`. */
export function pointsFromChunks(modelId: string, chunks: RawItem[]): Metric[] {
  const seen = new Set<string>();
  const out: Metric[] = [];
  for (const chunk of chunks) {
    const runId = chunk.run?.S;
    for (const p of decodePoints(chunk.d!.S!)) {
      const id = JSON.stringify([p.key, p.timestamp, p.step, runId ?? ""]);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ ...p, modelId, ...(runId ? { runId } : {}) });
    }
  }
  return out;
}

/** Reads all points of one model (one paged Query over its chunks). */
export async function readModelMetrics(db: Db, modelId: string): Promise<Metric[]> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: {
      ":pk": { S: loggedModelPartitionPk(modelId) },
      ":prefix": { S: LOGGED_MODEL_METRIC_PREFIX },
    },
  });
  return pointsFromChunks(modelId, items);
}

/** Reads the points of many models, at most `limit` Queries at a time. */
export async function readManyModelMetrics(
  db: Db,
  modelIds: string[],
  limit = DEFAULT_POOL_LIMIT,
): Promise<Map<string, Metric[]>> {
  const points = await pooledMap(modelIds, (id) => readModelMetrics(db, id), limit);
  return new Map(modelIds.map((id, i) => [id, points[i]!]));
}
