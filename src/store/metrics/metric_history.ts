/**
 * Metric history: raw chunks written by logging calls, compacted per key in the background, and
 * the reader that merges both into MLflow's order.
 *
 * Write path: one append-only raw chunk per logging call (`MH#<run>` / `<ULID>`), holding every
 * point of the call for all its keys; nothing else is read or written on the request path.
 * `history_compaction.ts` later moves raw chunks into per-key chunks (`K#<len>:<key>#<bound>`)
 * sorted by MLflow's order and tiling it, then deletes them.
 *
 * Read path (one page after a cursor): the not-yet-compacted raw tail (bounded by the
 * compaction trigger) plus the key's compacted chunks from the one that holds the cursor,
 * read in order only until the page is full. Identical points (a retried request, or a chunk
 * compacted but not yet deleted when a compactor crashed) are returned once. The page token
 * carries the bound of the chunk to resume from, so a page never re-reads earlier pages.
 * See docs/key-schema.md, "Reading history".
 *
 * @module
 */
import {
  METRIC_POSITION_LENGTH,
  metricChunkKey,
  metricHistoryPk,
  metricKeyChunkBound,
  metricKeyChunkRange,
  metricPointPosition,
  newChunkId,
} from "../../keys/key_schema.ts";
import { type Db, type RawItem, rawKey } from "../db.ts";
import { invalidParameter } from "../../errors.ts";
import { query, queryPages } from "../../dynamo/query_pages.ts";
import type { Metric } from "../entities.ts";
import { decodePoints, encodePoints } from "./point_codec.ts";
import { noteTail } from "./compaction_scheduler.ts";
import { positionOf, rawTailQuery, sortedDistinct } from "./history_items.ts";

/** Appends one raw chunk holding `points`. */
export async function appendChunk(db: Db, runId: string, points: Metric[]): Promise<void> {
  await db.port.putItem({
    TableName: db.table,
    Item: { ...rawKey(metricChunkKey(runId, newChunkId())), d: { S: encodePoints(points) } },
  });
}

/**
 * Where a history page starts: after the point with this (timestamp, step, value); `c` is the
 * lower bound of the compacted chunk that held it (absent: read the key from its start).
 */
export interface HistoryCursor {
  t: number;
  s: number;
  v: number | string;
  c?: string;
}

/** Reads the raw tail's points of `key` (all pages) and how many raw chunks there are. */
async function readTail(db: Db, runId: string, key: string) {
  const points: Metric[] = [];
  let chunks = 0;
  for await (const page of queryPages(db.port, rawTailQuery(db, runId, true), { pages: "all" })) {
    chunks += page.items.length;
    for (const item of page.items) points.push(...decodePoints(item.d!.S!, key));
  }
  return { points, chunks };
}

/** Most points a compacted chunk is created with (`history_compaction.ts`). */
const CHUNK_POINTS_GUESS = 1000;

/**
 * Reads the key's compacted chunks from `bound` until `enough` points after `after` are in
 * hand. Each Query asks for as many chunks as the points still missing need at the average
 * chunk size seen so far (at first: full chunks), so a page reads little beyond itself.
 */
async function readCompacted(
  db: Db,
  runId: string,
  key: string,
  bound: string,
  after: string | undefined,
  enough: number,
) {
  const [from, to] = metricKeyChunkRange(key, bound);
  const points: { pos: string; point: Metric }[] = [];
  const bounds: string[] = [];
  const input = {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: {
      ":pk": { S: metricHistoryPk(runId) },
      ":from": { S: from },
      ":to": { S: to },
    },
    ConsistentRead: true,
  };
  let start: RawItem | undefined;
  let seen = 0;
  do {
    const average = bounds.length > 0 ? Math.max(1, seen / bounds.length) : CHUNK_POINTS_GUESS;
    const missing = enough - points.length;
    const limit = Number.isFinite(missing) ? Math.ceil(missing / average) : undefined;
    const { items, lastEvaluatedKey } = await query(
      db.port,
      { ...input, ExclusiveStartKey: start, Limit: limit },
      { pages: 1 },
    );
    start = lastEvaluatedKey;
    for (const [i, item] of items.entries()) {
      bounds.push(metricKeyChunkBound(key, item.sk!.S!));
      for (const point of decodePoints(item.d!.S!, key)) {
        seen++;
        const pos = positionOf(point);
        if (after === undefined || pos > after) points.push({ pos, point });
      }
      if (points.length >= enough) {
        return { points, bounds, exhausted: i === items.length - 1 && start === undefined };
      }
    }
  } while (start);
  return { points, bounds, exhausted: true };
}

/**
 * One page of a key's history in MLflow's order (timestamp, step, value), identical points
 * once, with the cursor of the next page when more points exist.
 */
export async function readHistory(
  db: Db,
  runId: string,
  key: string,
  maxResults: number,
  cursor?: HistoryCursor,
): Promise<{ metrics: Metric[]; next?: HistoryCursor }> {
  if (cursor && !validCursor(cursor)) throw invalidParameter("Invalid page token, bad cursor");
  const after = cursor ? metricPointPosition(cursor.t, cursor.s, Number(cursor.v)) : undefined;
  const bound = cursor?.c ?? "";
  // One after the other: fan-outs over runs (bulk reads) count on one call per run in flight.
  const tail = await readTail(db, runId, key);
  const compacted = await readCompacted(db, runId, key, bound, after, maxResults + 1);
  noteTail(db, runId, tail.chunks);
  const merged = compacted.points;
  for (const point of tail.points) {
    const pos = positionOf(point);
    // When chunks remain unread, at least maxResults + 1 compacted points are in hand, all
    // before any unread one, so the page cut below never reaches past what was read.
    if (after === undefined || pos > after) merged.push({ pos, point });
  }
  const sorted = sortedDistinct(merged).map((p) => [p.pos, p.point] as const);
  const page = sorted.slice(0, maxResults);
  const more = sorted.length > maxResults || !compacted.exhausted;
  const last = page.at(-1);
  if (!more || !last) return { metrics: page.map(([, p]) => p) };
  // Resume from the last chunk read that starts at or before the page's last point.
  let resume = bound;
  for (const b of compacted.bounds) if (b <= last[0]) resume = b;
  const p = last[1];
  return {
    metrics: page.map(([, m]) => m),
    next: { t: p.timestamp, s: p.step, v: numberToken(p.value), c: resume },
  };
}

/** A cursor this module could have made (a token's checksum is no signature). */
function validCursor(c: HistoryCursor): boolean {
  return Number.isSafeInteger(c.t) && c.t >= 0 && Number.isSafeInteger(c.s) &&
    (typeof c.v === "number" || ["NaN", "Infinity", "-Infinity"].includes(c.v)) &&
    (c.c === undefined || c.c === "" || (typeof c.c === "string" && POSITION.test(c.c)));
}

const POSITION = new RegExp(`^[0-9a-f]{${METRIC_POSITION_LENGTH - 1}}[01]$`);

function numberToken(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
