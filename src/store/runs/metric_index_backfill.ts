/**
 * Backfill of the run-end metric index for experiments made before it existed (`deno task
 * metric-index`): such an experiment has no `mxi` marker, so metric-ordered searches read it
 * fully (correct, bounded by the experiment). The backfill reads the experiment's run listing
 * once, indexes every ended run exactly as an end does (`indexEndedRun`), puts every other run in
 * the unindexed set, and then sets the marker, from which on searches use the index.
 *
 * Safe while servers run (they must all run a version that maintains the index: CreateRun
 * registers, UpdateRun indexes): a run created or ended meanwhile is registered or indexed by
 * its own request. Idempotent; run it again at any time, e.g. to index ended runs that were
 * logged to after their end and stayed in the unindexed set.
 *
 * @module
 */
import { experimentKey, GSI1, RUN_SHARDS, runKey, runsGsi1Pk } from "../../keys/key_schema.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, rawKey } from "../db.ts";
import { METRIC_INDEX_COMPLETE } from "../experiments/experiment_item.ts";
import type { RunStatus } from "../entities.ts";
import { runRecordFromItem } from "./run_item.ts";
import { RECORD_SK } from "./search_candidates.ts";
import {
  indexEndedRun,
  newToken,
  registerUnindexed,
  TERMINAL_STATUSES,
  unindexedGen,
} from "./metric_index_writes.ts";

/** What a backfill did to one experiment. */
export interface BackfillResult {
  experimentId: string;
  indexed: number;
  unindexed: number;
}

/** Indexes one ended run now (as UpdateRun to a terminal status does); false leaves it listed. */
export async function indexRunNow(db: Db, experimentId: string, runId: string): Promise<boolean> {
  const gen = await unindexedGen(db, experimentId, runId);
  const mix = newToken();
  const { Attributes } = await db.port.updateItem({
    TableName: db.table,
    Key: rawKey(runKey(runId)),
    UpdateExpression: "SET mix = :mix",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":mix": { S: mix } },
    ReturnValues: "ALL_NEW",
  });
  const groups = [...(runRecordFromItem(Attributes!).groups ?? [])];
  return await indexEndedRun(db, { runId, experimentId, groups, gen });
}

/** Backfills one experiment's metric index and marks it complete; see the module notes. */
export async function backfillMetricIndex(
  db: Db,
  experimentId: string,
): Promise<BackfillResult> {
  const listing = await pooledMap(
    Array.from({ length: RUN_SHARDS }, (_, shard) => runsGsi1Pk(experimentId, shard)),
    (pk) =>
      queryAll(db.port, {
        TableName: db.table,
        IndexName: GSI1,
        KeyConditionExpression: "gsi1pk = :pk",
        FilterExpression: "sk = :record",
        ExpressionAttributeValues: { ":pk": { S: pk }, ":record": { S: RECORD_SK } },
      }),
  );
  const runs = listing.flat().map((i) => ({
    runId: i.run_id!.S!,
    status: i.status!.S! as RunStatus,
  }));
  const result: BackfillResult = { experimentId, indexed: 0, unindexed: 0 };
  await pooledMap(runs, async (r) => {
    if (TERMINAL_STATUSES.has(r.status) && await indexRunNow(db, experimentId, r.runId)) {
      result.indexed++;
      return;
    }
    await registerUnindexed(db, experimentId, r.runId);
    result.unindexed++;
  }, 8);
  await db.port.updateItem({
    TableName: db.table,
    Key: rawKey(experimentKey(experimentId)),
    UpdateExpression: "SET #m = :t",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeNames: { "#m": METRIC_INDEX_COMPLETE },
    ExpressionAttributeValues: { ":t": { BOOL: true } },
  });
  return result;
}
