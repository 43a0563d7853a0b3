import assert from "node:assert/strict";
import { Faults } from "./faults.ts";

function nameOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).name;
  }
  return "none";
}

Deno.test("Faults.inject() throws the mapped SDK errors for the given number of calls", () => {
  const f = new Faults();
  f.inject({ op: "putItem", error: "throttle", times: 2 });
  assert.equal(nameOf(() => f.check("getItem")), "none");
  assert.equal(nameOf(() => f.check("putItem")), "ProvisionedThroughputExceededException");
  assert.equal(nameOf(() => f.check("putItem")), "ProvisionedThroughputExceededException");
  assert.equal(nameOf(() => f.check("putItem")), "none");
  f.inject({ op: "*", error: "internal" });
  assert.equal(nameOf(() => f.check("query")), "InternalServerError");
  f.inject({ op: "createTable", error: "throttle" });
  assert.equal(nameOf(() => f.check("createTable")), "ThrottlingException");
  f.inject({ op: "updateItem", error: "conflict" });
  assert.equal(nameOf(() => f.check("updateItem")), "TransactionCanceledException");
  f.inject({ op: "updateItem", error: "transactionConflict" });
  assert.equal(nameOf(() => f.check("updateItem")), "TransactionConflictException");
  assert.equal(f.pending, 0);
});

Deno.test("Faults conflict on a transaction carries a TransactionConflict reason per action", () => {
  const f = new Faults();
  f.inject({ op: "transactWriteItems", error: "conflict" });
  try {
    f.check("transactWriteItems", 3);
    assert.fail("expected a cancellation");
  } catch (e) {
    const err = e as Error & { CancellationReasons?: { Code?: string }[] };
    assert.equal(err.name, "TransactionCanceledException");
    assert.deepEqual(err.CancellationReasons?.map((r) => r.Code), [
      "TransactionConflict",
      "None",
      "None",
    ]);
    assert.match(err.message, /\[TransactionConflict, None, None\]/);
  }
});

Deno.test("Faults.unprocessed() holds back a share of a batch", () => {
  const f = new Faults();
  f.unprocessed({ op: "batchWriteItem", times: 1 });
  assert.equal(f.takeUnprocessed("batchGetItem", 10), 0);
  assert.equal(f.takeUnprocessed("batchWriteItem", 10), 5);
  assert.equal(f.takeUnprocessed("batchWriteItem", 10), 0);
  f.unprocessed({ op: "batchGetItem", fraction: 0.01 });
  assert.equal(f.takeUnprocessed("batchGetItem", 10), 1, "at least one");
  f.unprocessed({ op: "batchGetItem", times: 5 });
  f.clear();
  assert.equal(f.pending, 0);
});
