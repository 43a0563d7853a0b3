/**
 * A port wrapper that measures what each DynamoDB call costs: it asks for
 * `ReturnConsumedCapacity: TOTAL` and adds the call, its consumed read and write units and any
 * throttling error to the current request's cost (`src/util/request_cost.ts`). It sits below the
 * retry loop, so every attempt counts as a call and the units of every attempt are counted, as
 * DynamoDB bills them.
 *
 * @module
 */
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "./port.ts";
import { failureKind } from "./failures.ts";
import { addCost } from "../util/request_cost.ts";

/** Operations that accept `ReturnConsumedCapacity`. */
const METERED = new Set<keyof DynamoPort>([
  "getItem",
  "putItem",
  "updateItem",
  "deleteItem",
  "query",
  "scan",
  "batchGetItem",
  "batchWriteItem",
  "transactWriteItems",
  "transactGetItems",
]);

/** Operations whose plain `CapacityUnits` are write units. */
const WRITES = new Set<keyof DynamoPort>([
  "putItem",
  "updateItem",
  "deleteItem",
  "batchWriteItem",
  "transactWriteItems",
]);

/** Read and write units in a `ConsumedCapacity` (one entry or a list of them). */
export function capacityUnits(
  consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
  write: boolean,
): { rcu: number; wcu: number } {
  let rcu = 0;
  let wcu = 0;
  for (const c of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      rcu += c.ReadCapacityUnits ?? 0;
      wcu += c.WriteCapacityUnits ?? 0;
    } else if (write) wcu += c.CapacityUnits ?? 0;
    else rcu += c.CapacityUnits ?? 0;
  }
  return { rcu, wcu };
}

/** Wraps `port` so that every call is counted with its consumed capacity. */
export function meteringPort(port: DynamoPort): DynamoPort {
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(port) as (keyof DynamoPort)[]) {
    const op = port[name] as (input: unknown) => Promise<unknown>;
    if (name === "close") {
      wrapped[name] = () => port.close();
      continue;
    }
    const metered = METERED.has(name);
    wrapped[name] = async (input: unknown) => {
      const sent = metered && !(input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity
        ? { ...(input as object), ReturnConsumedCapacity: "TOTAL" }
        : input;
      try {
        const out = await op.call(port, sent) as { ConsumedCapacity?: ConsumedCapacity };
        addCost({ calls: 1, ...capacityUnits(out?.ConsumedCapacity, WRITES.has(name)) });
        return out;
      } catch (e) {
        addCost({ calls: 1, throttles: failureKind(e) === "throttle" ? 1 : 0 });
        throw e;
      }
    };
  }
  return wrapped as unknown as DynamoPort;
}
