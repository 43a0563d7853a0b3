/**
 * A metering wrapper around a {@link DynamoPort}: every data-plane call asks DynamoDB for its
 * `ConsumedCapacity` (`ReturnConsumedCapacity: TOTAL`) and the wrapper adds up calls, read units
 * and write units. The peer benchmark (`bench/peers.ts`) puts it in front of DynamoDB Local to
 * print calls, RCU and WCU per request; the figures are DynamoDB's own, not an estimate.
 * The caller's input is never changed (a copy carries the extra field) and the capacity is left
 * in the output, so the wrapper is transparent to the store.
 *
 * @module
 */
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "./port.ts";

/** Totals since creation or the last {@link Meter.reset}. */
export interface MeterTotals {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Calls per operation name, e.g. `{ putItem: 3 }`. */
  byOp: Record<string, number>;
}

/** Running totals of a metering port. */
export class Meter {
  #t: MeterTotals = { calls: 0, readUnits: 0, writeUnits: 0, byOp: {} };

  /** A copy of the totals. */
  snapshot(): MeterTotals {
    return { ...this.#t, byOp: { ...this.#t.byOp } };
  }

  /** Zeroes the totals. */
  reset(): void {
    this.#t = { calls: 0, readUnits: 0, writeUnits: 0, byOp: {} };
  }

  /** Counts one call and the capacity it reports. */
  record(op: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    this.#t.calls++;
    this.#t.byOp[op] = (this.#t.byOp[op] ?? 0) + 1;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      const read = c.ReadCapacityUnits;
      const write = c.WriteCapacityUnits;
      if (read !== undefined || write !== undefined) {
        this.#t.readUnits += read ?? 0;
        this.#t.writeUnits += write ?? 0;
      } else if (c.CapacityUnits !== undefined) {
        // TOTAL without a split: reads and writes are never mixed in one call here except in
        // transactions, which report a split.
        if (op.startsWith("get") || op === "query" || op === "scan" || op.endsWith("GetItem")) {
          this.#t.readUnits += c.CapacityUnits;
        } else this.#t.writeUnits += c.CapacityUnits;
      }
    }
  }
}

const METERED = [
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
] as const;

/** Wraps `inner`; `meter` holds the totals. Control-plane calls pass through uncounted. */
export function meteringPort(inner: DynamoPort): DynamoPort & { meter: Meter } {
  const meter = new Meter();
  const port: Record<string, unknown> = {
    meter,
    createTable: (i: never) => inner.createTable(i),
    describeTable: (i: never) => inner.describeTable(i),
    deleteTable: (i: never) => inner.deleteTable(i),
    updateTimeToLive: (i: never) => inner.updateTimeToLive(i),
    close: () => inner.close(),
  };
  for (const op of METERED) {
    port[op] = async (input: object) => {
      const call = inner[op] as (i: object) => Promise<{ ConsumedCapacity?: unknown }>;
      const out = await call.call(inner, { ...input, ReturnConsumedCapacity: "TOTAL" });
      meter.record(op, out.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined);
      return out;
    };
  }
  return port as unknown as DynamoPort & { meter: Meter };
}
