/**
 * Metric history: one append-only chunk item per logging call, in the run's history partition.
 *
 * Chunk sort keys are ULIDs, so a Query returns history in arrival order and a cursor
 * (chunk sort key + index inside the chunk) pages without re-reading earlier pages.
 *
 * @module
 */
import { monotonicFactory } from "ulid";
import { metricChunkKey, metricHistoryPk } from "../../keys/key_schema.ts";
import { type Db, type RawItem, rawKey } from "../db.ts";
import type { Metric } from "../entities.ts";
import { decodePoints, encodePoints } from "./point_codec.ts";

// Monotonic within this process, so chunks written in the same millisecond keep their order.
const ulid = monotonicFactory();

/** Appends one chunk holding `points`. */
export async function appendChunk(db: Db, runId: string, points: Metric[]): Promise<void> {
  await db.port.putItem({
    TableName: db.table,
    Item: { ...rawKey(metricChunkKey(runId, ulid())), d: { S: encodePoints(points) } },
  });
}

/** Where a history page starts: after `index` points of chunk `chunk`. */
export interface HistoryCursor {
  chunk: string;
  index: number;
}

/** One page of a key's history, with the cursor of the next page when more points may exist. */
export async function readHistory(
  db: Db,
  runId: string,
  key: string,
  maxResults: number,
  cursor?: HistoryCursor,
): Promise<{ metrics: Metric[]; next?: HistoryCursor }> {
  const out: Metric[] = [];
  let start: RawItem | undefined;
  let skipInFirst = cursor?.index ?? 0;
  let firstChunk = true;
  // With a cursor, re-read its chunk (inclusive) and skip what was already returned.
  const condition = cursor ? "pk = :pk AND sk >= :sk" : "pk = :pk";
  const values: Record<string, { S: string }> = { ":pk": { S: metricHistoryPk(runId) } };
  if (cursor) values[":sk"] = { S: cursor.chunk };
  do {
    const page = await db.port.query({
      TableName: db.table,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ExclusiveStartKey: start,
      ConsistentRead: true,
    });
    for (const item of page.Items ?? []) {
      const sk = item.sk!.S!;
      const points = decodePoints(item.d!.S!, key);
      let i = firstChunk && cursor && sk === cursor.chunk ? skipInFirst : 0;
      firstChunk = false;
      skipInFirst = 0;
      for (; i < points.length; i++) {
        if (out.length === maxResults) {
          return { metrics: sortHistory(out), next: { chunk: sk, index: i } };
        }
        out.push(points[i]!);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { metrics: sortHistory(out) };
}

/** MLflow orders history by timestamp, then step, then value. */
function sortHistory(points: Metric[]): Metric[] {
  return points.sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value);
}
