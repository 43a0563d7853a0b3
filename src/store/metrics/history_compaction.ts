/**
 * Compaction of a run's raw history chunks into per-key chunks sorted in MLflow's order, so
 * that reading one key reads only that key's points, and a page reads only its own chunks.
 *
 * Layout (docs/key-schema.md, "Reading history"): the compacted chunks of one key tile MLflow's
 * order. A chunk's sort key is `K#<len>:<key>#<bound>`, where `bound` is the position of the
 * last point of the previous chunk ("" for the first); it holds the points after `bound` up to
 * its own last point `hi` (≤ 1000 points when created), sorted, with a version `ver`.
 *
 * One round: read one page of raw chunks (≤ 1 MB), group their points by key, and per key:
 * - points after the key's last `hi` are appended as new chunks, each put with
 *   `attribute_not_exists` at the sort key `bound = previous hi`: two compactors appending after
 *   the same chunk race for one item, one wins, the other re-reads (no overlap, ever);
 * - points at or before it (late arrivals) are merged into the chunk whose range holds them,
 *   put conditionally on its `ver` (a chunk grown past 2000 points is split into pieces in one
 *   transaction, the first keeping its sort key);
 * then, only when every key is written, the raw chunks are deleted.
 *
 * Crash-safety: a point leaves the raw tail only after it is in a compacted chunk, and a
 * compacted chunk only ever grows (conditional writes of a version that was read and merged),
 * so a crash at any write leaves each point in the raw tail, in a chunk, or both; readers and
 * the next round drop identical points. Compaction never runs on a request's path
 * (`compaction_scheduler.ts` runs it in the background).
 *
 * @module
 */
import {
  metricHistoryPk,
  metricKeyChunkBound,
  metricKeyChunkKey,
  metricKeyChunkRange,
} from "../../keys/key_schema.ts";
import { batchWriteAll } from "../../dynamo/batch.ts";
import { query, queryPages } from "../../dynamo/query_pages.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, isConditionFailure, type RawItem, rawKey } from "../db.ts";
import { type Point, positionOf, rawTailQuery, sortedDistinct } from "./history_items.ts";
import { decodePoints, encodePoints } from "./point_codec.ts";

/** Points of a new compacted chunk. */
export const CHUNK_POINTS = 1000;
/** A chunk grown past this by late points is split into {@link CHUNK_POINTS} pieces. */
const SPLIT_POINTS = 2 * CHUNK_POINTS;
/** Attempts per key before a round gives up (leaving its raw chunks for the next round). */
const KEY_ATTEMPTS = 5;
/** Keys compacted at once. */
const KEY_CONCURRENCY = 4;

/** What one round did. */
export interface CompactionRound {
  /** Raw chunks compacted and deleted. */
  compacted: number;
  /** True when more raw chunks than one page held are waiting (not after a lost race). */
  more: boolean;
}

/**
 * Compacts one page of the run's raw tail (at most 1 MB read). Safe to run concurrently with
 * logging, with readers, and with other compactors of the same run on other servers.
 */
export async function compactRound(db: Db, runId: string): Promise<CompactionRound> {
  // Eventually consistent: a chunk not seen yet waits for the next round; one already deleted
  // by another compactor is found in its compacted chunks and deleted again (a no-op).
  const { items, lastEvaluatedKey } = await query(db.port, rawTailQuery(db, runId, false), {
    pages: 1,
  });
  if (items.length === 0) return { compacted: 0, more: false };
  const byKey = new Map<string, Point[]>();
  for (const item of items) {
    for (const point of decodePoints(item.d!.S!)) {
      let points = byKey.get(point.key);
      if (!points) byKey.set(point.key, points = []);
      points.push({ pos: positionOf(point), point });
    }
  }
  const done = await pooledMap(
    byKey,
    ([key, points]) => compactKey(db, runId, key, sortedDistinct(points)),
    KEY_CONCURRENCY,
  );
  if (done.includes(false)) return { compacted: 0, more: false };
  await batchWriteAll(
    db.port,
    db.table,
    items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })),
  );
  return { compacted: items.length, more: lastEvaluatedKey !== undefined };
}

/** Runs rounds until the raw tail is empty or `maxRounds` ran; returns the chunks compacted. */
export async function compactRun(db: Db, runId: string, maxRounds = 100): Promise<number> {
  let total = 0;
  for (let round = 0; round < maxRounds; round++) {
    const { compacted, more } = await compactRound(db, runId);
    total += compacted;
    if (!more) break;
  }
  return total;
}

/** Moves `points` (sorted, distinct) into the key's compacted chunks; false if it kept losing. */
async function compactKey(db: Db, runId: string, key: string, points: Point[]): Promise<boolean> {
  for (let attempt = 0; attempt < KEY_ATTEMPTS; attempt++) {
    try {
      const last = await lastChunk(db, runId, key);
      const hi = last?.hi?.S;
      const late = hi === undefined ? [] : points.filter((p) => p.pos <= hi);
      const fresh = hi === undefined ? points : points.filter((p) => p.pos > hi);
      if (late.length > 0) await mergeLate(db, runId, key, late);
      if (fresh.length > 0) await appendFresh(db, runId, key, hi ?? "", fresh);
      return true;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      // another compactor wrote first: read again; what this attempt wrote is found there
    }
  }
  return false;
}

function chunkPrefixQuery(db: Db, runId: string, key: string, to = "\uffff") {
  const [from, upTo] = metricKeyChunkRange(key, "", to);
  return {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: {
      ":pk": { S: metricHistoryPk(runId) },
      ":from": { S: from },
      ":to": { S: upTo },
    },
    ConsistentRead: true,
  };
}

async function lastChunk(db: Db, runId: string, key: string): Promise<RawItem | undefined> {
  const { items } = await query(
    db.port,
    { ...chunkPrefixQuery(db, runId, key), ScanIndexForward: false, Limit: 1 },
    { pages: 1 },
  );
  return items[0];
}

function chunkItem(
  runId: string,
  key: string,
  bound: string,
  points: Point[],
  version: number,
): RawItem {
  return {
    ...rawKey(metricKeyChunkKey(runId, key, bound)),
    d: { S: encodePoints(points.map((p) => p.point)) },
    hi: { S: points.at(-1)!.pos },
    n: { N: String(points.length) },
    ver: { N: String(version) },
  };
}

/** Creates chunks after `bound` (the key's last `hi`), each only if nobody created it first. */
async function appendFresh(
  db: Db,
  runId: string,
  key: string,
  bound: string,
  points: Point[],
): Promise<void> {
  for (let i = 0; i < points.length; i += CHUNK_POINTS) {
    const piece = points.slice(i, i + CHUNK_POINTS);
    await db.port.putItem({
      TableName: db.table,
      Item: chunkItem(runId, key, bound, piece, 1),
      ConditionExpression: "attribute_not_exists(pk)",
    });
    bound = piece.at(-1)!.pos;
  }
}

/** Merges points at or before the key's last `hi` into the chunks whose ranges hold them. */
async function mergeLate(db: Db, runId: string, key: string, late: Point[]): Promise<void> {
  const lowest = late[0]!.pos;
  // Chunks from the one holding the highest late point down to the one holding the lowest.
  const chunks: RawItem[] = [];
  const input = {
    ...chunkPrefixQuery(db, runId, key, late.at(-1)!.pos),
    ScanIndexForward: false,
  };
  scan: for await (const page of queryPages(db.port, input, { pages: "all" })) {
    for (const item of page.items) {
      chunks.push(item);
      if (metricKeyChunkBound(key, item.sk!.S!) < lowest) break scan;
    }
  }
  chunks.reverse();
  const bounds = chunks.map((c) => metricKeyChunkBound(key, c.sk!.S!));
  const groups = new Map<number, Point[]>();
  let at = 0;
  for (const p of late) {
    while (at + 1 < bounds.length && bounds[at + 1]! < p.pos) at++;
    let group = groups.get(at);
    if (!group) groups.set(at, group = []);
    group.push(p);
  }
  for (const [index, added] of groups) {
    await mergeInto(db, runId, key, bounds[index]!, chunks[index]!, added);
  }
}

async function mergeInto(
  db: Db,
  runId: string,
  key: string,
  bound: string,
  chunk: RawItem,
  added: Point[],
): Promise<void> {
  const stored = decodePoints(chunk.d!.S!, key).map((point) => ({ pos: positionOf(point), point }));
  const merged = sortedDistinct([...stored, ...added]);
  if (merged.length === stored.length) return; // all there already (an interrupted round)
  const version = Number(chunk.ver!.N);
  const condition = {
    ConditionExpression: "ver = :ver",
    ExpressionAttributeValues: { ":ver": { N: String(version) } },
  };
  if (merged.length <= SPLIT_POINTS) {
    await db.port.putItem({
      TableName: db.table,
      Item: chunkItem(runId, key, bound, merged, version + 1),
      ...condition,
    });
    return;
  }
  // Split: the first piece keeps the sort key; the others start after the previous piece.
  const pieces: Point[][] = [];
  for (let i = 0; i < merged.length; i += CHUNK_POINTS) {
    pieces.push(merged.slice(i, i + CHUNK_POINTS));
  }
  let pieceBound = bound;
  await db.port.transactWriteItems({
    TransactItems: pieces.map((piece, i) => {
      const item = chunkItem(runId, key, pieceBound, piece, i === 0 ? version + 1 : 1);
      pieceBound = piece.at(-1)!.pos;
      return {
        Put: {
          TableName: db.table,
          Item: item,
          ...(i === 0 ? condition : { ConditionExpression: "attribute_not_exists(pk)" }),
        },
      };
    }),
  });
}
