/**
 * Search over experiments: one paged Query of the experiments' index partition (records and
 * their tag items), then filter, order and page in memory (experiments are few: 10,000 of them
 * are ~5 MB, ~5 Query pages, plus the bytes of their tags).
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import { experimentsGsi1Pk, GSI1 } from "../../keys/key_schema.ts";
import { currentWorkspace } from "../../util/workspace_context.ts";
import type { Db } from "../db.ts";
import type { Experiment, ViewType } from "../entities.ts";
import { experimentsFromItems } from "./experiment_item.ts";

/** A compiled experiment search. */
export interface ExperimentSearchQuery {
  viewType: ViewType;
  maxResults: number;
  predicate: (e: Experiment) => boolean;
  compare: (a: Experiment, b: Experiment) => number;
  after?: { id: string; offset: number };
}

/** Runs one experiment search. */
export async function searchExperiments(
  db: Db,
  q: ExperimentSearchQuery,
): Promise<{ experiments: Experiment[]; hasMore: boolean }> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    IndexName: GSI1,
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: experimentsGsi1Pk(currentWorkspace()) } },
  });
  const all = experimentsFromItems(items)
    .filter((e) =>
      q.viewType === "ALL" || (q.viewType === "ACTIVE_ONLY") === (e.lifecycleStage === "active")
    )
    .filter(q.predicate)
    .sort(q.compare);
  let start = 0;
  if (q.after) {
    const i = all.findIndex((e) => e.experimentId === q.after!.id);
    start = i >= 0 ? i + 1 : q.after.offset;
  }
  return {
    experiments: all.slice(start, start + q.maxResults),
    hasMore: start + q.maxResults < all.length,
  };
}
