/**
 * Helpers that page through Query results and split batch calls into DynamoDB's size limits,
 * re-sending unprocessed keys and items a bounded number of times.
 *
 * @module
 */
import type { AttributeValue, QueryCommandInput, WriteRequest } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "./port.ts";
import { backoffDelay, sleep } from "./retry.ts";
import { query } from "./query_pages.ts";
import { pooledMap } from "../util/pool.ts";

/** A raw DynamoDB item. */
export type RawItem = Record<string, AttributeValue>;

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const MAX_UNPROCESSED_ROUNDS = 10;

/** Reads every page of a Query (or until `maxItems` are in hand). */
export async function queryAll(
  port: DynamoPort,
  input: QueryCommandInput,
  maxItems = Infinity,
): Promise<RawItem[]> {
  return (await query(port, input, { pages: "all", maxItems })).items;
}

/** Gets many items by key; missing items are simply absent from the result. */
export async function batchGetAll(
  port: DynamoPort,
  tableName: string,
  keys: RawItem[],
  consistent = false,
): Promise<RawItem[]> {
  const out: RawItem[] = [];
  const chunks: RawItem[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
  }
  await pooledMap(chunks, async (chunk) => {
    let pending: RawItem[] = chunk;
    for (let round = 0; pending.length > 0; round++) {
      if (round > MAX_UNPROCESSED_ROUNDS) {
        throw new Error("BatchGetItem kept returning unprocessed keys");
      }
      if (round > 0) await sleep(backoffDelay(round));
      const res = await port.batchGetItem({
        RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } },
      });
      out.push(...(res.Responses?.[tableName] ?? []));
      pending = res.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  });
  return out;
}

/** Writes many put/delete requests (not atomic: use transactions where atomicity matters). */
export async function batchWriteAll(
  port: DynamoPort,
  tableName: string,
  requests: WriteRequest[],
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
    let pending = requests.slice(i, i + BATCH_WRITE_LIMIT);
    for (let round = 0; pending.length > 0; round++) {
      if (round > MAX_UNPROCESSED_ROUNDS) {
        throw new Error("BatchWriteItem kept returning unprocessed items");
      }
      if (round > 0) await sleep(backoffDelay(round));
      const res = await port.batchWriteItem({ RequestItems: { [tableName]: pending } });
      pending = res.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
