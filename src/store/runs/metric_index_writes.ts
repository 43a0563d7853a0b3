/**
 * Writes of the run-end metric index (docs/key-schema.md, "Metric-ordered SearchRuns"): why a
 * metric-ordered search can read a page in order without reading the experiment, while metric
 * logging keeps its 2-write hot path.
 *
 * - CreateRun registers the run in its experiment's **unindexed set** (`XU#<exp>`): the item is
 *   put in the same TransactWriteItems as the record ({@link putRegisteredRun}), so a run is never
 *   visible unregistered and CreateRun stays one write call (at 2× WCU: transactions cost double).
 * - A run that **ends** (UpdateRun to FINISHED, FAILED or KILLED) is indexed
 *   ({@link indexEndedRun}): one entry per metric key holding its latest value in the
 *   experiment's index partition of that key (`XM#<exp>#<key>`), then each metric group is
 *   **marked** (`ix` = the experiment id, `ver` bumped), then the run leaves the unindexed set.
 * - A writer that logs to a marked group after that meets the bumped `ver` (its cached put
 *   fails, it reads the group) or reads the mark, and re-registers the run first
 *   ({@link registerUnindexed}, in `metric_groups.ts`); a writer that adds a new group to an
 *   indexed record sees the record's `mix` token (removed by that same update) and does the same.
 *   Both happen on the cold path only; a steady-state log-batch still makes 2 calls.
 *
 * Races: the indexer reads the unindexed item's `gen` before it writes anything and deletes the
 * item at the end only while `gen` is unchanged. Every writer that could change an indexed value
 * re-registers (a new `gen`) after the indexer's first write and before its own: one that adds a
 * group after the end's record update sees `mix` there (an earlier one is in the groups the
 * update returns), and one that writes a marked group sees the mark. So the run leaves the set
 * only when nothing changed meanwhile. A group written between the indexer's read and its mark
 * fails the mark (`ver`), and the indexer reads again. An index entry whose value is no longer the run's is stale: searches
 * check each entry against the run's current groups and skip it.
 *
 * @module
 */
import {
  METRIC_GROUP_PREFIX,
  metricGroupKey,
  metricIndexKey,
  runKey,
  runPartitionPk,
  unindexedRunKey,
} from "../../keys/key_schema.ts";
import { batchGetAll, batchWriteAll, queryAll } from "../../dynamo/batch.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, isConditionFailure, type RawItem, rawKey } from "../db.ts";
import { encodePoints } from "../metrics/point_codec.ts";
import { latestFromGroups } from "../metrics/metric_groups.ts";
import type { RunStatus } from "../entities.ts";

/** Statuses that end a run (its values are then indexed). */
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>([
  "FINISHED",
  "FAILED",
  "KILLED",
]);

/** Attempts of the read-index-mark round when writers keep changing the groups. */
const INDEX_ATTEMPTS = 3;

/** A fresh token (run registration `gen`, record `mix`). */
export const newToken = (): string => crypto.randomUUID().replaceAll("-", "").slice(0, 16);

/** The unindexed item of a run, with a new `gen` (≈ 60 bytes: 1 WCU). */
export function unindexedItem(experimentId: string, runId: string): RawItem {
  return { ...rawKey(unindexedRunKey(experimentId, runId)), gen: { S: newToken() } };
}

/**
 * Puts a new run record (`attribute_not_exists`) and its unindexed item in one transaction: one
 * call instead of two sequential puts, and no moment where the run exists unregistered. Costs
 * 2× WCU on both items (a ≈ 0.5 KB record: 6 WCU with its listing copy, against 3 in two puts).
 */
export async function putRegisteredRun(
  db: Db,
  record: RawItem,
  experimentId: string,
): Promise<void> {
  await db.port.transactWriteItems({
    TransactItems: [
      { Put: { TableName: db.table, Item: unindexedItem(experimentId, record.run_id!.S!) } },
      {
        Put: { TableName: db.table, Item: record, ConditionExpression: "attribute_not_exists(pk)" },
      },
    ],
  });
}

/** Puts the run in its experiment's unindexed set (1 WCU); a new `gen` every time. */
export async function registerUnindexed(
  db: Db,
  experimentId: string,
  runId: string,
): Promise<void> {
  await db.port.putItem({ TableName: db.table, Item: unindexedItem(experimentId, runId) });
}

/** The `gen` of the run's unindexed item, strongly read; `undefined` when it has none. */
export async function unindexedGen(
  db: Db,
  experimentId: string,
  runId: string,
): Promise<string | undefined> {
  const { Item } = await db.port.getItem({
    TableName: db.table,
    Key: rawKey(unindexedRunKey(experimentId, runId)),
    ConsistentRead: true,
  });
  return Item?.gen?.S;
}

/** What the indexer needs of the record the end wrote. */
export interface EndedRun {
  runId: string;
  experimentId: string;
  groups: string[];
  /** The unindexed item's `gen` read before the end's update (`undefined`: none). */
  gen: string | undefined;
}

/**
 * Indexes an ended run (see the module notes); true when the run left the unindexed set (or was
 * not in it). False leaves it there, which is always correct (searches read it fully).
 */
export async function indexEndedRun(db: Db, run: EndedRun): Promise<boolean> {
  let marked = false;
  for (let attempt = 0; attempt < INDEX_ATTEMPTS && !marked; attempt++) {
    marked = await indexOnce(db, run);
  }
  if (!marked) return false;
  if (run.gen === undefined) return true;
  try {
    await db.port.deleteItem({
      TableName: db.table,
      Key: rawKey(unindexedRunKey(run.experimentId, run.runId)),
      ConditionExpression: "gen = :gen",
      ExpressionAttributeValues: { ":gen": { S: run.gen } },
    });
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

// One round: read the groups, put an entry per key, mark every group; false when a mark lost.
async function indexOnce(db: Db, run: EndedRun): Promise<boolean> {
  const keys = run.groups.map((g) => rawKey(metricGroupKey(run.runId, g)));
  const items = await batchGetAll(db.port, db.table, keys, true);
  const byGroup = new Map(items.map((i) => [i.sk!.S!, i]));
  const latest = latestFromGroups(items.flatMap((i) => (i.v?.S ? [i.v.S] : [])));
  await batchWriteAll(
    db.port,
    db.table,
    latest.map((m) => ({
      PutRequest: {
        Item: {
          ...rawKey(metricIndexKey(run.experimentId, m.key, m.value, run.runId)),
          r: { S: run.runId },
        },
      },
    })),
  );
  const ix = { S: run.experimentId };
  const results = await pooledMap(run.groups, async (g) => {
    const key = rawKey(metricGroupKey(run.runId, g));
    const item = byGroup.get(key.sk!.S!);
    try {
      if (item) {
        const ver = item.ver?.N ?? "0";
        await db.port.updateItem({
          TableName: db.table,
          Key: key,
          UpdateExpression: "SET ix = :ix, ver = :next",
          ConditionExpression: "ver = :ver",
          ExpressionAttributeValues: {
            ":ix": ix,
            ":ver": { N: ver },
            ":next": { N: String(Number(ver) + 1) },
          },
        });
      } else {
        // Registered but never written: a marked empty group makes its first writer look.
        await db.port.putItem({
          TableName: db.table,
          Item: { ...key, v: { S: encodePoints([]) }, ver: { N: "1" }, ix },
          ConditionExpression: "attribute_not_exists(pk)",
        });
      }
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  });
  return results.every(Boolean);
}

/**
 * The metric-index items a run's hard delete (`deno task gc`) removes: its unindexed item and
 * the entries of its current latest values (entries of values replaced since an earlier end are
 * not found here; searches skip them as stale).
 */
export async function runIndexKeys(db: Db, runId: string): Promise<RawItem[]> {
  const { Item } = await db.port.getItem({
    TableName: db.table,
    Key: rawKey(runKey(runId)),
    ProjectionExpression: "experiment_id",
    ConsistentRead: true,
  });
  const experimentId = Item?.experiment_id?.S;
  if (experimentId === undefined) return [];
  const groups = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :ml)",
    ExpressionAttributeValues: {
      ":pk": { S: runPartitionPk(runId) },
      ":ml": { S: METRIC_GROUP_PREFIX },
    },
    ConsistentRead: true,
  });
  const latest = latestFromGroups(groups.flatMap((g) => (g.v?.S ? [g.v.S] : [])));
  return [
    rawKey(unindexedRunKey(experimentId, runId)),
    ...latest.map((m) => rawKey(metricIndexKey(experimentId, m.key, m.value, runId))),
  ];
}
