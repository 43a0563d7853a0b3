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
 * bounded number of attempts; after that the writer moves to the next "lane" (a group id with a
 * suffix, shared by the writers that lost on the previous one), so every writer finishes after a
 * bounded number of calls and 20 clients on one run all succeed.
 *
 * A group id is registered on the run record (its `groups` set, which search reads to batch-get
 * groups by key) **before** the group item is first written, so a failure or a crash between the
 * two writes leaves a registered id without an item (harmless) and never an item that GetRun
 * shows but SearchRuns cannot find. A writer that knows the record's set also registers an
 * existing group missing from it, which heals runs written before this order.
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
 * Folds `points` into the run's group for their key set and returns the group id written.
 * `registered` is the record's `groups` set when the caller has read it (then any id missing
 * from it is registered); without it, only a group this call creates is registered.
 */
export async function writeLatest(
  db: Db,
  runId: string,
  points: Metric[],
  registered?: ReadonlySet<string>,
): Promise<string> {
  const base = metricGroupId(points.map((p) => p.key));
  for (let lane = 0;; lane++) {
    const groupId = lane === 0 ? base : `${base}.${lane}`;
    const result = await tryLane(db, runId, groupId, points, registered);
    if (result !== "contended") return groupId;
  }
}

async function tryLane(
  db: Db,
  runId: string,
  groupId: string,
  points: Metric[],
  registered: ReadonlySet<string> | undefined,
): Promise<"written" | "contended"> {
  let isRegistered = registered?.has(groupId) ?? false;
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
    if (!isRegistered && (version === 0 || registered !== undefined)) {
      await registerGroups(db, runId, [groupId]);
      isRegistered = true;
    }
    if (encoded === before) return "written"; // nothing newer: no write at all
    try {
      await db.port.putItem({
        TableName: db.table,
        Item: { ...key, v: { S: encoded }, ver: { N: String(version + 1) } },
        ConditionExpression: version === 0 ? "attribute_not_exists(pk)" : "ver = :ver",
        ...(version === 0 ? {} : { ExpressionAttributeValues: { ":ver": { N: String(version) } } }),
      });
      return "written";
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
