/**
 * The Query of one listing shard for a trace search, narrowed by what the filter allows:
 * `trace.timestamp_ms` bounds become a key condition on `gsi1sk` (inverted request time), so
 * only the matching time range is read; `trace.status` comparisons (`=`, `!=`, `IN`, `NOT IN`)
 * become a FilterExpression, so DynamoDB returns only matching items. The search still applies
 * the whole filter to what comes back; narrowing only reads less.
 *
 * @module
 */
import type { AttributeValue, QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { GSI1, padInverted, tracesGsi1Pk } from "../../keys/key_schema.ts";
import type { TraceClause } from "../../search/traces_filter.ts";

/** What a filter says about where matching traces can be. */
export interface Narrowing {
  fromMs?: number;
  toMs?: number;
  states?: { op: string; values: string[] };
  empty: boolean;
}

const MAX_MS = 99_999_999_999_999;

/** Reads time bounds and a status condition out of the parsed clauses. */
export function narrowing(clauses: TraceClause[]): Narrowing {
  const n: Narrowing = { empty: false };
  const lower = (v: number) => (n.fromMs = Math.max(n.fromMs ?? 0, v));
  const upper = (v: number) => (n.toMs = Math.min(n.toMs ?? MAX_MS, v));
  for (const c of clauses) {
    if (c.kind !== "attribute") continue;
    if (c.key === "timestamp_ms" && typeof c.value === "number") {
      const v = c.value;
      if (c.comparator === ">") lower(Math.floor(v) + 1);
      else if (c.comparator === ">=") lower(Math.ceil(v));
      else if (c.comparator === "<") upper(Math.ceil(v) - 1);
      else if (c.comparator === "<=") upper(Math.floor(v));
      else if (c.comparator === "=") {
        lower(Math.ceil(v));
        upper(Math.floor(v));
      }
    } else if (
      c.key === "status" && !n.states && ["=", "!=", "IN", "NOT IN"].includes(c.comparator)
    ) {
      n.states = {
        op: c.comparator,
        values: Array.isArray(c.value) ? [...c.value] : [String(c.value)],
      };
    }
  }
  if (n.fromMs !== undefined && n.toMs !== undefined && n.fromMs > n.toMs) n.empty = true;
  if ((n.toMs ?? 0) < 0) n.empty = true;
  return n;
}

const inv = (ms: number) => padInverted(Math.min(MAX_MS, Math.max(0, ms)));

/** The Query of one shard, after the `after` key (a page token) if given. */
export function shardQuery(
  table: string,
  experimentId: string,
  shard: number,
  after: string | undefined,
  n: Narrowing,
): QueryCommandInput {
  const values: Record<string, AttributeValue> = {
    ":pk": { S: tracesGsi1Pk(experimentId, shard) },
  };
  // Newest first: the latest time bound gives the smallest key, the earliest the largest.
  const bounds: string[] = [];
  if (after !== undefined) bounds.push(`${after}\u0001`);
  if (n.toMs !== undefined) bounds.push(`${inv(n.toMs)}#`);
  const lo = bounds.sort().at(-1);
  const hi = n.fromMs !== undefined ? `${inv(n.fromMs)}#\uffff` : undefined;
  let key = "gsi1pk = :pk";
  if (lo !== undefined && hi !== undefined) key += " AND gsi1sk BETWEEN :lo AND :hi";
  else if (lo !== undefined) key += " AND gsi1sk >= :lo";
  else if (hi !== undefined) key += " AND gsi1sk <= :hi";
  if (lo !== undefined) values[":lo"] = { S: lo };
  if (hi !== undefined) values[":hi"] = { S: hi };
  const input: QueryCommandInput = {
    TableName: table,
    IndexName: GSI1,
    KeyConditionExpression: key,
    ExpressionAttributeValues: values,
  };
  if (n.states) {
    const names = n.states.values.map((_, i) => `:st${i}`);
    n.states.values.forEach((v, i) => (values[`:st${i}`] = { S: v }));
    const inList = `#st IN (${names.join(", ")})`;
    input.ExpressionAttributeNames = { "#st": "state" };
    input.FilterExpression = n.states.op === "=" || n.states.op === "IN"
      ? inList
      : `NOT (${inList})`;
  }
  return input;
}

/** True when the key range is empty (a BETWEEN with its bounds crossed). */
export function emptyRange(q: QueryCommandInput): boolean {
  const lo = q.ExpressionAttributeValues?.[":lo"]?.S;
  const hi = q.ExpressionAttributeValues?.[":hi"]?.S;
  return lo !== undefined && hi !== undefined && lo > hi;
}
