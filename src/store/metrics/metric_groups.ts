/**
 * Latest metric values, kept per "metric group": the set of keys one logging call carries.
 *
 * A training loop logs the same keys together at every step, so one small item per key set is
 * overwritten again and again (≤ 1 KB for 10 keys: one write unit), instead of one item per key
 * (10 write units) or one item for the whole run (several KB, so several units per write).
 * Readers fold all groups of a run with {@link mergeLatest}; a key logged in two groups resolves
 * to its newest point.
 *
 * Concurrent writers of one group use optimistic concurrency on a version attribute, with a
 * bounded number of attempts; after that the writer moves to a fresh "lane" (a group id with a
 * suffix), which nobody else is writing, so 20 clients on one run all succeed.
 *
 * @module
 */
import { metricGroupId, metricGroupKey, runKey } from "../../keys/key_schema.ts";
import { backoffDelay, sleep } from "../../dynamo/retry.ts";
import { type Db, isConditionFailure, rawKey } from "../db.ts";
import type { Metric } from "../entities.ts";
import { decodePoints, encodePoints, mergeLatest } from "./point_codec.ts";

const MAX_OPTIMISTIC_ATTEMPTS = 4;

/**
 * Folds `points` into the run's group for their key set. Returns the group id written, which the
 * caller registers on the run record when `isNew` (so search can batch-get it by key).
 */
export async function writeLatest(
  db: Db,
  runId: string,
  points: Metric[],
): Promise<{ groupId: string; isNew: boolean }> {
  const base = metricGroupId(points.map((p) => p.key));
  for (let lane = 0;; lane++) {
    const groupId = lane === 0 ? base : `${base}.${lane}`;
    const result = await tryLane(db, runId, groupId, points);
    if (result !== "contended") return { groupId, isNew: result === "created" };
  }
}

async function tryLane(
  db: Db,
  runId: string,
  groupId: string,
  points: Metric[],
): Promise<"created" | "updated" | "contended"> {
  const key = rawKey(metricGroupKey(runId, groupId));
  for (let attempt = 0; attempt < MAX_OPTIMISTIC_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt));
    const { Item } = await db.port.getItem({ TableName: db.table, Key: key, ConsistentRead: true });
    const version = Item?.ver?.N ? Number(Item.ver.N) : 0;
    const latest = new Map<string, Metric>();
    if (Item?.v?.S) mergeLatest(latest, decodePoints(Item.v.S));
    const before = Item?.v?.S;
    mergeLatest(latest, points);
    const encoded = encodePoints([...latest.values()]);
    if (encoded === before) return "updated"; // nothing newer: no write at all
    try {
      await db.port.putItem({
        TableName: db.table,
        Item: { ...key, v: { S: encoded }, ver: { N: String(version + 1) } },
        ConditionExpression: version === 0 ? "attribute_not_exists(pk)" : "ver = :ver",
        ...(version === 0 ? {} : { ExpressionAttributeValues: { ":ver": { N: String(version) } } }),
      });
      return version === 0 ? "created" : "updated";
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
  return "contended";
}

/** Adds group ids to the run record's `groups` set (idempotent). */
export async function registerGroups(db: Db, runId: string, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  await db.port.updateItem({
    TableName: db.table,
    Key: rawKey(runKey(runId)),
    UpdateExpression: "ADD #g :g",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeNames: { "#g": "groups" },
    ExpressionAttributeValues: { ":g": { SS: groupIds } },
  });
}

/** Folds encoded group values into the latest metric of each key. */
export function latestFromGroups(encodedGroups: string[]): Metric[] {
  const latest = new Map<string, Metric>();
  for (const g of encodedGroups) mergeLatest(latest, decodePoints(g));
  return [...latest.values()];
}
