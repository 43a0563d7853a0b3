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
