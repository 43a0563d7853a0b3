/**
 * Helpers shared by the contract case files.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "../../src/dynamo/port.ts";

/** An item or key. */
export type Item = Record<string, AttributeValue>;

/** What a backend provides for one test case. */
export interface ContractTable {
  port: DynamoPort;
  tableName: string;
  cleanup: () => Promise<void>;
}

/** Registers one case; it runs on a fresh table. */
export type ContractTest = (
  name: string,
  fn: (port: DynamoPort, table: string) => Promise<void>,
) => void;

/** A string value. */
export const s = (v: string): AttributeValue => ({ S: v });
/** A number value. */
export const n = (v: string | number): AttributeValue => ({ N: String(v) });
/** A primary key of our table. */
export const key = (pk: string, sk: string): Item => ({ pk: s(pk), sk: s(sk) });

/** Asserts that `p` rejects with an error of DynamoDB name `name` (and message, if given). */
export async function rejectsWith(
  p: Promise<unknown>,
  name: string,
  message?: RegExp,
): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error, `expected an Error, got ${e}`);
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
