/**
 * Shared encodings of the key schema: padded numbers (string order is numeric order, "inverted"
 * numbers sort newest first), the stable FNV-1a hash used for sharding, the key types, and how a
 * user-given name of any length fits in a key (`nameInKey`). Part of `key_schema.ts`, which
 * re-exports it; import that, not this file.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { encoder, NUMBER_WIDTH } from "./internal.ts";

const MAX_PADDED = 10n ** BigInt(NUMBER_WIDTH) - 1n;

/** Pads a non-negative integer (ms timestamp, version, id) so that string order is numeric order. */
export function padNumber(n: number | bigint): string {
  const v = BigInt(n);
  if (v < 0n || v > MAX_PADDED) throw new RangeError(`Cannot pad number ${n}: out of range`);
  return v.toString().padStart(NUMBER_WIDTH, "0");
}

/**
 * Pads `MAX - n`, so that ascending key order is descending numeric order. The inverted numbers
 * are client timestamps (a run's `start_time`), which MLflow accepts negative: values outside
 * `0..MAX` are clamped into it for the key only (they sort as the oldest, ties by id); the item
 * keeps the exact value.
 */
export function padInverted(n: number | bigint): string {
  let v = BigInt(n);
  if (v < 0n) v = 0n;
  if (v > MAX_PADDED) v = MAX_PADDED;
  return (MAX_PADDED - v).toString().padStart(NUMBER_WIDTH, "0");
}

/** Reverses {@link padInverted}. */
export function unpadInverted(s: string): number {
  return Number(MAX_PADDED - BigInt(s));
}

/** A primary key. */
export interface Key {
  pk: string;
  sk: string;
}

/** The GSI1 attributes of an item that is listed through the index. */
export interface Gsi1Key {
  gsi1pk: string;
  gsi1sk: string;
}

// FNV-1a, 32 bit: stable across runtimes and replicas, unlike any built-in hash.
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// User-given names inside keys

/** DynamoDB's limits on a key value: partition (hash) and sort (range) key, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
/** `#` plus a SHA-256 in hex: what a hashed name adds to its kept prefix. */
const HASH_SUFFIX_BYTES = 65;

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes, cut between code points. */
function utf8Prefix(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = encoder.encode(ch).length;
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * A user-given name as it appears inside a key of at most `keyBytes` bytes, after a prefix of
 * `prefixBytes`: the name itself when it fits, else its longest fitting prefix, `#` and the
 * SHA-256 of the whole name. A kept name is at most `budget` bytes and a hashed one is longer
 * (the prefix alone is over `budget - 4` bytes, plus 65), so the two forms never collide, and
 * SHA-256 keeps two long names apart. The full name is always stored in an attribute as well.
 * Key order stays name order except among long names that share their first ~900 bytes.
 */
export function nameInKey(name: string, keyBytes: number, prefixBytes: number): string {
  const budget = keyBytes - prefixBytes - HASH_SUFFIX_BYTES;
  if (name.length <= budget / 3 || encoder.encode(name).length <= budget) return name;
  const digest = createHash("sha256").update(name, "utf8").digest("hex");
  return `${utf8Prefix(name, budget)}#${digest}`;
}
