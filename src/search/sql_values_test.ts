import assert from "node:assert/strict";
import {
  compareText,
  numericAffinity,
  sqlCompare,
  sqlILike,
  sqlLike,
  storedMetricValue,
} from "./sql_values.ts";

Deno.test("LIKE is case-sensitive, ILIKE is not (ASCII), wildcards % and _, no escapes", () => {
  assert.ok(sqlLike("abc", "a%"));
  assert.ok(!sqlLike("Abc", "a%"));
  assert.ok(sqlILike("Abc", "a%"));
  assert.ok(sqlLike("a.c", "a_c") && sqlLike("abc", "a_c") && !sqlLike("ac", "a_c"));
  assert.ok(sqlLike("jamie-foo C+W bar", "jamie-foo C+%"));
  assert.ok(sqlLike("a(b)[c]{d}$^|?*\\", "a(b)[c]{d}$^|?*\\"));
  assert.ok(sqlLike("LR%", "%\\%") === false);
  assert.ok(sqlLike("multi\nline", "multi%"));
  assert.ok(!sqlILike("ünï", "ÜNÏ"));
});

Deno.test("SQL comparison semantics", () => {
  assert.equal(sqlCompare(undefined, "!=", "x"), false);
  assert.equal(sqlCompare(undefined, "IS NULL", null), true);
  assert.equal(sqlCompare("a", "IS NOT NULL", null), true);
  assert.equal(sqlCompare("b", "IN", ["a", "b"]), true);
  assert.equal(sqlCompare("c", "NOT IN", ["a", "b"]), true);
  assert.equal(sqlCompare("a", "NOT IN", []), true);
  assert.equal(sqlCompare(2, "=", "2"), true);
  assert.equal(sqlCompare(2, "<", "abc"), true);
  assert.equal(sqlCompare("B", "<", "a"), true);
});

Deno.test("text order is code point order; metrics stored like the SQL store", () => {
  assert.ok(compareText("Z", "a") < 0);
  assert.ok(compareText("\uffff", "\u{1F600}") < 0);
  assert.equal(storedMetricValue(NaN), 0);
  assert.equal(storedMetricValue(Infinity), Number.MAX_VALUE);
  assert.equal(numericAffinity(" 1.5 "), 1.5);
  assert.equal(numericAffinity("1x"), "1x");
});
