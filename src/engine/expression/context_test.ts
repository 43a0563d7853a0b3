import assert from "node:assert/strict";
import { ExpressionContext } from "./context.ts";

Deno.test("ExpressionContext rejects empty maps, bad keys and invalid values", () => {
  assert.throws(() => new ExpressionContext({}), /ExpressionAttributeNames must not be empty/);
  assert.throws(
    () => new ExpressionContext(undefined, {}),
    /ExpressionAttributeValues must not be empty/,
  );
  assert.throws(
    () => new ExpressionContext(undefined, { ":b": { N: "1E+126" } }),
    /ExpressionAttributeValues contains invalid value: Number overflow\. Attempting to store a number with magnitude larger than supported range for key :b/,
  );
  assert.throws(() => new ExpressionContext(undefined, { v: { S: "x" } }), /contains invalid key/);
});

Deno.test("ExpressionContext.finish() reports unused and expression-less substitutions", () => {
  const ctx = new ExpressionContext({ "#a": "a", "#b": "b" }, { ":v": { S: "x" } });
  ctx.name("#a");
  assert.throws(
    () => ctx.finish(true),
    /Value provided in ExpressionAttributeNames unused in expressions: keys: \{#b\}/,
  );
  ctx.name("#b");
  assert.throws(
    () => ctx.finish(true),
    /ExpressionAttributeValues unused in expressions: keys: \{:v\}/,
  );
  ctx.value(":v");
  ctx.finish(true);
  assert.throws(
    () => new ExpressionContext(undefined, { ":v": { S: "x" } }).finish(false),
    /ExpressionAttributeValues can only be specified when using expressions/,
  );
});
