/**
 * Metric keys of the key schema: a run's latest values per metric group, its metric history
 * (raw ULID chunks and compacted per-key chunks), and the fixed-width position of a point in
 * MLflow's history order. Part of `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * @module
 */
import { monotonicFactory } from "ulid";
import { fnv1a, type Key, MAX_SORT_KEY_BYTES, nameInKey } from "./names.ts";

/** Latest metric values of one "metric group" (the key set of one logging call) of a run. */
export const metricGroupKey = (runId: string, groupId: string): Key => ({
  pk: `RUN#${runId}`,
  sk: `${METRIC_GROUP_PREFIX}${groupId}`,
});
export const METRIC_GROUP_PREFIX = "ML#";
export const groupIdFromSk = (sk: string): string => sk.slice(METRIC_GROUP_PREFIX.length);

/** The group id of a key set: the same keys, in any order, give the same group. */
export function metricGroupId(keys: Iterable<string>): string {
  return fnv1a([...new Set(keys)].sort().join("\u0000")).toString(36);
}

/**
 * A new chunk id (ULID): sorts by time, and is monotonic within this process so that chunks
 * written in the same millisecond keep their order (metric history, logged-model metrics).
 */
export const newChunkId: () => string = monotonicFactory();

/** Metric history chunk: every point of one logging call, in the run's history partition. */
export const metricChunkKey = (runId: string, chunkId: string): Key => ({
  pk: metricHistoryPk(runId),
  sk: chunkId,
});
export const metricHistoryPk = (runId: string): string => `MH#${runId}`;

/**
 * Raw chunks (ULID sort keys, whose first character is `0`–`7`) sort before this; compacted
 * per-key chunks start with it (`K#`), so `sk < METRIC_COMPACTED_PREFIX` selects the raw tail.
 */
export const METRIC_COMPACTED_PREFIX = "K#";

/**
 * Sort-key prefix of one metric key's compacted chunks: `K#<length>:<key>#` (length-prefixed,
 * so no key's prefix is another key's prefix). Each chunk's sk is this prefix plus its lower
 * bound: the position of the previous chunk's last point, or nothing for a key's first chunk.
 */
export function metricKeyChunkPrefix(key: string): string {
  const inKey = nameInKey(key, MAX_SORT_KEY_BYTES, 16 + METRIC_POSITION_LENGTH);
  return `${METRIC_COMPACTED_PREFIX}${inKey.length}:${inKey}#`;
}

/** A compacted chunk of one metric key that holds the points after position `bound`. */
export const metricKeyChunkKey = (runId: string, key: string, bound: string): Key => ({
  pk: metricHistoryPk(runId),
  sk: `${metricKeyChunkPrefix(key)}${bound}`,
});

/**
 * The sort-key range of one metric key's compacted chunks whose bounds lie in `[from, to]`
 * (positions; `to` defaults past every position): for `BETWEEN :from AND :to`.
 */
export function metricKeyChunkRange(key: string, from = "", to = "\uffff"): [string, string] {
  const prefix = metricKeyChunkPrefix(key);
  return [prefix + from, prefix + to];
}

/** The bound (a position, or "" for a key's first chunk) of a compacted chunk's sort key. */
export const metricKeyChunkBound = (key: string, sk: string): string =>
  sk.slice(metricKeyChunkPrefix(key).length);

/** Characters of {@link metricPointPosition}. */
export const METRIC_POSITION_LENGTH = 45;

const positionBits = new DataView(new ArrayBuffer(8));
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
// 8 hex digits of an unsigned 32-bit integer (Number#toString(16) is slow on hot paths).
const hex8 = (n: number): string =>
  HEX_BYTES[n >>> 24]! + HEX_BYTES[(n >>> 16) & 255]! + HEX_BYTES[(n >>> 8) & 255]! +
  HEX_BYTES[n & 255]!;

/**
 * A metric point's place in MLflow's history order (timestamp, step, value; NaN is stored as 0
 * plus a flag, as MLflow's SQL store does) as a fixed-width string whose string order is that
 * order: 14 hex digits of timestamp, 14 of step + 2^53, 16 of the value's order-preserving
 * float64 bits, and `0`/`1` for NaN. Equal strings are MLflow's identical points.
 */
export function metricPointPosition(timestamp: number, step: number, value: number): string {
  const isNaN = Number.isNaN(value);
  positionBits.setFloat64(0, isNaN || value === 0 ? 0 : value);
  let high = positionBits.getUint32(0);
  let low = positionBits.getUint32(4);
  if (high >>> 31) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else high = (high | 0x80000000) >>> 0;
  // step + 2^53 in two exact halves of 7 hex digits (step is a safe integer, maybe negative)
  const stepHigh = Math.floor(step / 2 ** 28);
  return hex8(Math.floor(timestamp / 2 ** 32)).slice(2) + hex8(timestamp >>> 0) +
    hex8(stepHigh + 2 ** 25).slice(1) + hex8(step - stepHigh * 2 ** 28).slice(1) +
    hex8(high) + hex8(low) + (isNaN ? "1" : "0");
}
