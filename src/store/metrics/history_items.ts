/**
 * The items of a run's history partition as the reader and the compactor both see them: a
 * point's position in MLflow's order, and the Query of the raw (not yet compacted) tail.
 *
 * @module
 */
import {
  METRIC_COMPACTED_PREFIX,
  metricHistoryPk,
  metricPointPosition,
} from "../../keys/key_schema.ts";
import type { Db } from "../db.ts";
import type { Metric } from "../entities.ts";

/** The position of a point in MLflow's history order (`metricPointPosition`). */
export const positionOf = (p: Metric): string => metricPointPosition(p.timestamp, p.step, p.value);

/** Query input for every raw (not yet compacted) chunk of a run. */
export function rawTailQuery(db: Db, runId: string, consistent: boolean) {
  return {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND sk < :k",
    ExpressionAttributeValues: {
      ":pk": { S: metricHistoryPk(runId) },
      ":k": { S: METRIC_COMPACTED_PREFIX },
    },
    ConsistentRead: consistent,
  };
}

/** A point with its position. */
export interface Point {
  pos: string;
  point: Metric;
}

/** Sorts by position and keeps the first of identical points (no hashing of positions). */
export function sortedDistinct(points: Point[]): Point[] {
  points.sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0));
  let n = 0;
  for (const p of points) if (n === 0 || points[n - 1]!.pos !== p.pos) points[n++] = p;
  points.length = n;
  return points;
}
