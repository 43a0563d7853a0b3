import assert from "node:assert/strict";
import { Hono } from "hono";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { validationError } from "../engine/errors.ts";
import { onError } from "./on_error.ts";

function app(err: unknown) {
  const a = new Hono();
  a.get("/x", () => {
    throw err;
  });
  a.onError(onError);
  return a;
}

async function answer(err: unknown) {
  const warn = console.warn;
  const error = console.error;
  console.warn = console.error = () => {};
  try {
    const res = await app(err).request("/x");
    return { status: res.status, body: await res.json() };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

Deno.test("input too big for DynamoDB keys or items answers 400, not 500", async () => {
  for (
    const err of [
      validationError(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes",
      ),
      validationError(
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
      ),
      validationError(
        "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes",
      ),
      validationError("Item size has exceeded the maximum allowed size"),
      new TransactionCanceledException({
        message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, {
          Code: "ValidationError",
          Message: "Item size has exceeded the maximum allowed size",
        }],
      }),
    ]
  ) {
    const r = await answer(err);
    assert.equal(r.status, 400, err.message);
    assert.equal(r.body.error_code, "INVALID_PARAMETER_VALUE");
  }
});

Deno.test("other backend validation errors stay 500 with a generic message", async () => {
  const r = await answer(validationError("ExpressionAttributeNames must not be empty"));
  assert.equal(r.status, 500);
  assert.equal(r.body.error_code, "INTERNAL_ERROR");
  assert.doesNotMatch(r.body.message, /ExpressionAttributeNames/);
});
