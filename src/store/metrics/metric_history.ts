/**
 * Metric history: one append-only chunk item per logging call, in the run's history partition.
 *
 * Chunk sort keys are ULIDs, so a Query returns history in arrival order. Batches may arrive out
 * of MLflow's (timestamp, step, value) order, so every page of a history read today re-reads the
 * whole partition (docs/key-schema.md gives the cost).
 *
 * @module
 */
import { metricChunkKey, metricHistoryPk, newChunkId } from "../../keys/key_schema.ts";
import { type Db, rawKey } from "../db.ts";
import { queryPages } from "../../dynamo/query_pages.ts";
import type { Metric } from "../entities.ts";
import { decodePoints, encodePoints } from "./point_codec.ts";

/** Appends one chunk holding `points`. */
export async function appendChunk(db: Db, runId: string, points: Metric[]): Promise<void> {
  await db.port.putItem({
    TableName: db.table,
    Item: { ...rawKey(metricChunkKey(runId, newChunkId())), d: { S: encodePoints(points) } },
  });
}

/** Where a history page starts: after the point with this (timestamp, step, value). */
export interface HistoryCursor {
  t: number;
  s: number;
  v: number | string;
}

/**
 * One page of a key's history in MLflow's order (timestamp, step, value), identical points
 * once, with the cursor of the next page when more points exist.
 *
 * Batches may arrive in any order, so a page is cut from the whole sorted history: every page
 * reads the run's history partition (see docs/key-schema.md for the cost).
 */
export async function readHistory(
  db: Db,
  runId: string,
  key: string,
  maxResults: number,
  cursor?: HistoryCursor,
): Promise<{ metrics: Metric[]; next?: HistoryCursor }> {
  const seen = new Set<string>();
  const all: Metric[] = [];
  const input = {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: metricHistoryPk(runId) } },
    ConsistentRead: true,
  };
  for await (const page of queryPages(db.port, input, { pages: "all" })) {
    for (const item of page.items) {
      for (const p of decodePoints(item.d!.S!, key)) {
        const id = `${p.timestamp}|${p.step}|${p.value}`;
        if (seen.has(id)) continue; // a retried request may have written its chunk twice
        seen.add(id);
        all.push(p);
      }
    }
  }
  all.sort(compareHistory);
  let from = 0;
  if (cursor) {
    const after: Metric = { key, timestamp: cursor.t, step: cursor.s, value: Number(cursor.v) };
    from = all.findIndex((p) => compareHistory(p, after) > 0);
    if (from < 0) from = all.length;
  }
  const metrics = all.slice(from, from + maxResults);
  const last = metrics.at(-1);
  const more = from + maxResults < all.length && last !== undefined;
  return {
    metrics,
    ...(more ? { next: { t: last.timestamp, s: last.step, v: numberToken(last.value) } } : {}),
  };
}

function numberToken(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function valueRank(v: number): number {
  return Number.isNaN(v) ? Infinity : v;
}

/** MLflow orders history by timestamp, then step, then value (NaN last). */
function compareHistory(a: Metric, b: Metric): number {
  return a.timestamp - b.timestamp || a.step - b.step ||
    (valueRank(a.value) < valueRank(b.value)
      ? -1
      : valueRank(a.value) > valueRank(b.value)
      ? 1
      : 0);
}
