import assert from "node:assert/strict";
import { compareText, numericAffinity, storedMetricValue } from "./sql_values.ts";

Deno.test("text order is code point order; metrics stored like the SQL store", () => {
  assert.ok(compareText("Z", "a") < 0);
  assert.ok(compareText("\uffff", "\u{1F600}") < 0);
  assert.equal(storedMetricValue(NaN), 0);
  assert.equal(storedMetricValue(Infinity), Number.MAX_VALUE);
  assert.equal(numericAffinity(" 1.5 "), 1.5);
  assert.equal(numericAffinity("1x"), "1x");
});
