/**
 * Fault injection for the store's crash-safety tests: {@link crashingPort} wraps a DynamoDB port
 * so that its k-th write (counted from `arm`) fails, before or after being applied, as a process
 * dying mid-operation leaves the table; {@link crashAtEachWrite} runs an operation crashing at
 * its write 1, 2, … (or at chosen writes) and hands each crash to the caller, who asserts the
 * invariant (what readers see) and resumes (the client's retry, a re-run).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DynamoPort } from "../../src/dynamo/port.ts";

/** The port operations that write. */
export const WRITES: ReadonlySet<string> = new Set([
  "putItem",
  "updateItem",
  "deleteItem",
  "batchWriteItem",
  "transactWriteItems",
]);

/** A port that fails its armed write once. */
export interface CrashingPort {
  readonly port: DynamoPort;
  /**
   * Fail write number `failAt` (1-based) from now on (`Infinity`: none), applying it first when
   * `afterApplying` (the write landed, its answer was lost).
   */
  arm(failAt: number, afterApplying?: boolean): void;
  /** The writes made since the last `arm`. */
  readonly writes: number;
  /** Whether the armed write has failed since the last `arm`. */
  readonly fired: boolean;
}

/** Wraps `port`: every write is counted, the armed one fails with an error named `Crash`. */
export function crashingPort(port: DynamoPort): CrashingPort {
  let count = 0;
  let failAt = Infinity;
  let applied = false;
  let fired = false;
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(port) as (keyof DynamoPort)[]) {
    const op = port[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = async (input: unknown) => {
      if (WRITES.has(name) && ++count === failAt) {
        fired = true;
        if (applied) await op.call(port, input);
        throw Object.assign(new Error(`crash at write ${count}`), { name: "Crash" });
      }
      return await op.call(port, input);
    };
  }
  return {
    port: wrapped as unknown as DynamoPort,
    arm(n: number, afterApplying = false) {
      count = 0;
      failAt = n;
      applied = afterApplying;
      fired = false;
    },
    get writes() {
      return count;
    },
    get fired() {
      return fired;
    },
  };
}

/** One fault-injection run: what to crash, and what to check after each crash. */
export interface CrashRun {
  /** The writes to crash at; by default 1, 2, … until the operation makes fewer writes. */
  at?: Iterable<number>;
  /** Before each armed attempt, unarmed (e.g. fresh data for it). */
  before?: (k: number) => Promise<unknown>;
  /** The operation, armed to crash at its write `k`. */
  operation: (k: number) => Promise<unknown>;
  /** After the crash at write `k`, unarmed: assert the invariant, resume, assert again. */
  afterCrash: (k: number) => Promise<unknown>;
}

function* counting(): Iterable<number> {
  for (let k = 1;; k++) yield k;
}

/**
 * Runs `run.operation` once per crash position and returns the positions that crashed. A crash
 * must fail the operation with the crash itself (never reported as success, never turned into
 * another error); an operation that fails without the crash fails the test; with chosen
 * positions (`at`), each must be reached.
 */
export async function crashAtEachWrite(crash: CrashingPort, run: CrashRun): Promise<number[]> {
  const crashed: number[] = [];
  for (const k of run.at ?? counting()) {
    await run.before?.(k);
    crash.arm(k);
    let error: unknown = undefined;
    let failed = false;
    try {
      await run.operation(k);
    } catch (e) {
      failed = true;
      error = e;
    }
    const { fired, writes } = crash;
    crash.arm(Infinity);
    if (!fired) {
      if (failed) throw error;
      assert.equal(run.at, undefined, `the operation made ${writes} writes, not ${k}`);
      break; // fewer than k writes: every position was tried
    }
    assert.ok(failed, `a crash at write ${k} was reported as success`);
    assert.equal((error as Error).name, "Crash", `the crash at write ${k} surfaced as ${error}`);
    crashed.push(k);
    await run.afterCrash(k);
  }
  return crashed;
}
