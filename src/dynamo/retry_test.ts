import assert from "node:assert/strict";
import { createEngine, type Engine } from "../engine/mod.ts";
import { MlflowError } from "../errors.ts";
import { retryingPort, type RetryOptions, sameItem } from "./retry.ts";
import { BackendUnavailableError, failureKind } from "./failures.ts";
import { tableDefinition } from "./table.ts";

const FAST: RetryOptions = {
  maxAttempts: 8,
  maxTransportAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
};
const T = "retry_table";

async function engine(): Promise<Engine> {
  const e = createEngine();
  await e.createTable(tableDefinition(T));
  return e;
}

const item = (pk: string, v = "1") => ({ pk: { S: pk }, sk: { S: "X" }, v: { S: v } });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

Deno.test("retryingPort retries TransactionConflictException on single-item writes", async () => {
  const e = await engine();
  try {
    const port = retryingPort(e, FAST);
    e.faults.inject({ op: "updateItem", error: "transactionConflict", times: 3 });
    await port.updateItem({
      TableName: T,
      Key: { pk: { S: "c" }, sk: { S: "X" } },
      UpdateExpression: "ADD n :one",
      ExpressionAttributeValues: { ":one": { N: "1" } },
    });
    const { Item } = await e.getItem({ TableName: T, Key: { pk: { S: "c" }, sk: { S: "X" } } });
    assert.equal(Item?.n?.N, "1");
    assert.equal(e.faults.pending, 0);
  } finally {
    await e.close();
  }
});

Deno.test("a transaction whose answer was lost is not applied twice and answers success", async () => {
  const e = await engine();
  try {
    const port = retryingPort(e, FAST);
    // Applied, then the answer is lost: without a token the retry fails its own condition.
    e.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    await port.transactWriteItems({
      TransactItems: [{
        Put: { TableName: T, Item: item("t"), ConditionExpression: "attribute_not_exists(pk)" },
      }],
    });
    assert.equal(e.faults.pending, 0);
    assert.equal(e.stats.calls.transactWriteItems, 2);
  } finally {
    await e.close();
  }
});

Deno.test("without the token, the same lost answer would be an 'already exists'", async () => {
  const e = await engine();
  try {
    e.faults.inject({ op: "transactWriteItems", error: "timeout", after: true });
    const input = {
      TransactItems: [{
        Put: { TableName: T, Item: item("t"), ConditionExpression: "attribute_not_exists(pk)" },
      }],
    };
    await rejection(e.transactWriteItems(input));
    const err = await rejection(e.transactWriteItems(input)) as Error;
    assert.equal(err.name, "TransactionCanceledException");
  } finally {
    await e.close();
  }
});

Deno.test("a conditional put whose answer was lost succeeds on retry; a real conflict fails", async () => {
  const e = await engine();
  try {
    const port = retryingPort(e, FAST);
    e.faults.inject({ op: "putItem", error: "timeout", after: true });
    await port.putItem({
      TableName: T,
      Item: item("p"),
      ConditionExpression: "attribute_not_exists(pk)",
    });
    assert.equal(e.faults.pending, 0);
    // Another writer's item with other content: the condition failure stands.
    await e.putItem({ TableName: T, Item: item("q", "theirs") });
    e.faults.inject({ op: "putItem", error: "internal" });
    const err = await rejection(port.putItem({
      TableName: T,
      Item: item("q", "mine"),
      ConditionExpression: "attribute_not_exists(pk)",
    })) as Error;
    assert.equal(err.name, "ConditionalCheckFailedException");
    // Without an ambiguous failure first, a condition failure is never second-guessed.
    const err2 = await rejection(port.putItem({
      TableName: T,
      Item: item("q", "theirs"),
      ConditionExpression: "attribute_not_exists(pk)",
    })) as Error;
    assert.equal(err2.name, "ConditionalCheckFailedException");
  } finally {
    await e.close();
  }
});

Deno.test("exhausted timeouts become 503 TEMPORARILY_UNAVAILABLE, throttling 429", async () => {
  const e = await engine();
  try {
    const port = retryingPort(e, FAST);
    e.faults.inject({ op: "getItem", error: "timeout", times: 10 });
    const err = await rejection(port.getItem({ TableName: T, Key: item("x") }));
    assert.ok(err instanceof BackendUnavailableError);
    assert.equal((err as MlflowError).code, "TEMPORARILY_UNAVAILABLE");
    assert.match((err as Error).message, /timed out/);
    // maxTransportAttempts: a stalled backend is given up on after 3 attempts, not 8.
    assert.equal(e.stats.calls.getItem, 3);
    e.faults.clear();
    e.faults.inject({ op: "getItem", error: "throttle", times: 10 });
    const err2 = await rejection(port.getItem({ TableName: T, Key: item("x") }));
    assert.equal((err2 as MlflowError).code, "REQUEST_LIMIT_EXCEEDED");
  } finally {
    await e.close();
  }
});

Deno.test("failureKind() sorts DynamoDB and network failures", () => {
  const named = (name: string, extra: object = {}) =>
    Object.assign(new Error("m"), { name }, extra);
  assert.equal(failureKind(named("TransactionConflictException")), "conflict");
  assert.equal(failureKind(named("TimeoutError")), "transport");
  assert.equal(failureKind(named("Error", { code: "ECONNREFUSED" })), "transport");
  assert.equal(failureKind(named("ConditionalCheckFailedException")), "other");
  assert.equal(failureKind(named("ValidationException")), "other");
  assert.equal(
    failureKind(named("TransactionCanceledException", {
      CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "TransactionConflict" }],
    })),
    "other",
  );
});

Deno.test("sameItem() compares numbers by value and sets in any order", () => {
  assert.ok(
    sameItem({ a: { N: "1.0" }, s: { SS: ["x", "y"] } }, { a: { N: "1" }, s: { SS: ["y", "x"] } }),
  );
  assert.ok(!sameItem({ a: { S: "1" } }, { a: { N: "1" } }));
  assert.ok(!sameItem({ a: { M: { b: { S: "x" } } } }, { a: { M: { b: { S: "y" } } } }));
});
