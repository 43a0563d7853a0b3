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
 * Hot path (docs/key-schema.md, "Log-batch hot path"): the server remembers the version and
 * value of the groups it last wrote or read (a bounded per-table cache), so a steady-state write
 * is one conditional PutItem (`ver = :known`) with no read before it. A group changed by another
 * server fails that condition; the writer then reads it and retries as above, so nothing written
 * elsewhere is lost. Concurrent writers of one group in this process are coalesced: while one
 * PutItem is in flight, the points of the next callers wait and go out merged in one PutItem.
 *
 * @module
 */
import { metricGroupId, metricGroupKey, runKey } from "../../keys/key_schema.ts";
import { backoffDelay, sleep } from "../../dynamo/retry.ts";
import { type Db, isConditionFailure, rawKey } from "../db.ts";
import type { DynamoPort } from "../../dynamo/port.ts";
import type { Metric } from "../entities.ts";
import { decodePoints, encodePoints, mergeLatest } from "./point_codec.ts";
import { registerUnindexed } from "../runs/metric_index_writes.ts";

const MAX_OPTIMISTIC_ATTEMPTS = 4;

/** Groups whose version and value this process knows, per table, at most this many. */
const KNOWN_GROUPS_LIMIT = 10_000;

/** ... and at most this many characters of encoded values (about 3× that in memory). */
const KNOWN_GROUPS_CHARS = 8_000_000;

interface KnownGroup {
  version: number;
  encoded: string;
  latest: Map<string, Metric>;
}

interface Waiter {
  points: Metric[];
  registered: Set<string> | undefined;
  resolve(groupId: string): void;
  reject(e: unknown): void;
}

interface TableCache {
  known: Map<string, KnownGroup>;
  /** Characters of `encoded` over `known`. */
  chars: number;
  queues: Map<string, Waiter[]>;
}

const caches = new WeakMap<DynamoPort, Map<string, TableCache>>();

function cacheFor(db: Db): TableCache {
  let byTable = caches.get(db.port);
  if (!byTable) caches.set(db.port, byTable = new Map());
  let c = byTable.get(db.table);
  if (!c) byTable.set(db.table, c = { known: new Map(), chars: 0, queues: new Map() });
  return c;
}

function forget(c: TableCache, cacheKey: string): void {
  const old = c.known.get(cacheKey);
  if (!old) return;
  c.chars -= old.encoded.length;
  c.known.delete(cacheKey);
}

// Oldest entries go first when a bound is reached (insertion order; a write re-inserts).
function remember(
  db: Db,
  cacheKey: string,
  version: number,
  encoded: string,
  latest?: Map<string, Metric>,
): void {
  const c = cacheFor(db);
  forget(c, cacheKey);
  if (encoded.length > KNOWN_GROUPS_CHARS / 100) return; // a huge group: read it each time
  while (
    c.known.size > 0 &&
    (c.known.size >= KNOWN_GROUPS_LIMIT || c.chars + encoded.length > KNOWN_GROUPS_CHARS)
  ) forget(c, c.known.keys().next().value!);
  if (!latest) {
    latest = new Map<string, Metric>();
    mergeLatest(latest, decodePoints(encoded));
  }
  c.known.set(cacheKey, { version, encoded, latest });
  c.chars += encoded.length;
}

/**
 * Folds `points` into the run's group for their key set and returns the group id written.
 * `registered` is the record's `groups` set when the caller has read it (then any id missing
 * from it is registered, and added to the set); without it, only a group this call creates is
 * registered. Calls for one group are coalesced (see the module notes).
 */
export function writeLatest(
  db: Db,
  runId: string,
  points: Metric[],
  registered?: Set<string>,
): Promise<string> {
  const base = metricGroupId(points.map((p) => p.key));
  const queueKey = `${runId}|${base}`;
  const { queues } = cacheFor(db);
  return new Promise<string>((resolve, reject) => {
    const waiter: Waiter = { points, registered, resolve, reject };
    const queue = queues.get(queueKey);
    if (queue) {
      queue.push(waiter);
      return;
    }
    queues.set(queueKey, [waiter]);
    void drain(db, runId, base, queueKey);
  });
}

// Writes the queued points of one group, one merged write per round, until nobody waits.
async function drain(db: Db, runId: string, base: string, queueKey: string): Promise<void> {
  const { queues } = cacheFor(db);
  for (;;) {
    const waiters = queues.get(queueKey)!;
    if (waiters.length === 0) {
      queues.delete(queueKey);
      return;
    }
    queues.set(queueKey, []);
    const points = waiters.flatMap((w) => w.points);
    const registered = waiters.find((w) => w.registered)?.registered;
    try {
      const id = await writeGroup(db, runId, base, points, registered);
      for (const w of waiters) w.resolve(id);
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  }
}

async function writeGroup(
  db: Db,
  runId: string,
  base: string,
  points: Metric[],
  registered: Set<string> | undefined,
): Promise<string> {
  const cacheKey = `${runId}|${base}`;
  const known = cacheFor(db).known.get(cacheKey);
  if (known) {
    const latest = new Map(known.latest);
    mergeLatest(latest, points);
    const encoded = encodePoints([...latest.values()]);
    if (registered && !registered.has(base)) {
      await registerGroups(db, runId, [base]);
      registered.add(base);
    }
    if (encoded === known.encoded) return base;
    try {
      await db.port.putItem({
        TableName: db.table,
        Item: {
          ...rawKey(metricGroupKey(runId, base)),
          v: { S: encoded },
          ver: { N: String(known.version + 1) },
        },
        ConditionExpression: "ver = :ver",
        ExpressionAttributeValues: { ":ver": { N: String(known.version) } },
      });
      remember(db, cacheKey, known.version + 1, encoded, latest);
      return base;
    } catch (e) {
      forget(cacheFor(db), cacheKey);
      if (!isConditionFailure(e)) throw e;
      // changed elsewhere: read it and merge, below
    }
  }
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
  registered: Set<string> | undefined,
): Promise<"written" | "contended"> {
  let isRegistered = registered?.has(groupId) ?? false;
  const key = rawKey(metricGroupKey(runId, groupId));
  const cacheKey = `${runId}|${groupId}`;
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
      registered?.add(groupId);
      isRegistered = true;
    }
    if (encoded === before) {
      remember(db, cacheKey, version, encoded, latest);
      return "written"; // nothing newer: no write at all
    }
    // The run's values are in the metric index (it ended): leave it before changing them.
    if (Item?.ix?.S) await registerUnindexed(db, Item.ix.S, runId);
    try {
      await db.port.putItem({
        TableName: db.table,
        Item: { ...key, v: { S: encoded }, ver: { N: String(version + 1) } },
        ConditionExpression: version === 0 ? "attribute_not_exists(pk)" : "ver = :ver",
        ...(version === 0 ? {} : { ExpressionAttributeValues: { ":ver": { N: String(version) } } }),
      });
      remember(db, cacheKey, version + 1, encoded, latest);
      return "written";
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
  return "contended";
}

/**
 * Adds group ids to the run record's `groups` set (idempotent). A record that carries the `mix`
 * token of an indexed run loses it in the same update, and the run is re-registered as unindexed
 * (its new group's values are not in the metric index; see `metric_index_writes.ts`).
 */
export async function registerGroups(db: Db, runId: string, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  const { Attributes } = await db.port.updateItem({
    TableName: db.table,
    Key: rawKey(runKey(runId)),
    UpdateExpression: "ADD #g :g REMOVE mix",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeNames: { "#g": "groups" },
    ExpressionAttributeValues: { ":g": { SS: groupIds } },
    ReturnValues: "ALL_OLD",
  });
  if (Attributes?.mix?.S && Attributes.experiment_id?.S) {
    await registerUnindexed(db, Attributes.experiment_id.S, runId);
  }
}

/** Folds encoded group values into the latest metric of each key. */
export function latestFromGroups(encodedGroups: string[]): Metric[] {
  const latest = new Map<string, Metric>();
  for (const g of encodedGroups) mergeLatest(latest, decodePoints(g));
  return [...latest.values()];
}
