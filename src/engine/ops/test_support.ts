/**
 * Helpers for the operation tests: an engine with a settable clock and our table definition.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "../../dynamo/table.ts";
import { createEngine, type Engine } from "../engine.ts";

/** The table every operation test uses. */
export const TABLE = "ops_table";

/** An engine with a fake clock (`clock.now`, epoch ms) and {@link TABLE} created. */
export async function testEngine(): Promise<{ engine: Engine; clock: { now: number } }> {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const engine = createEngine({ now: () => clock.now });
  await engine.createTable(tableDefinition(TABLE));
  return { engine, clock };
}

/** A primary key. */
export const key = (pk: string, sk: string): Record<string, AttributeValue> => ({
  pk: { S: pk },
  sk: { S: sk },
});

/** The error a promise rejects with. */
export async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}
