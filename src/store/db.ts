/**
 * The store's handle on the table, plus small helpers shared by every store module.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoPort } from "../dynamo/port.ts";
import type { Key } from "../keys/key_schema.ts";

/** The table the store works on. */
export interface Db {
  port: DynamoPort;
  table: string;
}

/** A raw DynamoDB item. */
export type RawItem = Record<string, AttributeValue>;

/** Marshals a key. */
export function rawKey(key: Key): RawItem {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

/** Marshals a plain object (undefined fields dropped). */
export function toItem(obj: object): RawItem {
  return marshall(obj, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

/** Unmarshals an item into a plain object. */
export function fromItem<T>(item: RawItem): T {
  return unmarshall(item) as T;
}

/** The `name` of an error (SDK exceptions and the engine's share names). */
export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : "";
}

/** True when a conditional write or a transaction failed on a condition. */
export function isConditionFailure(e: unknown): boolean {
  const name = errorName(e);
  if (name === "ConditionalCheckFailedException") return true;
  if (name !== "TransactionCanceledException") return false;
  const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === "ConditionalCheckFailed");
}

/** Which actions of a cancelled transaction failed their condition. */
export function failedConditions(e: unknown): boolean[] {
  const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code === "ConditionalCheckFailed");
}

/** The current time in epoch milliseconds. */
export const nowMs = (): number => Date.now();
