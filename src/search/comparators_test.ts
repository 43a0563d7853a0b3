import assert from "node:assert/strict";
import { sqlCompare, sqlILike, sqlLike } from "./comparators.ts";

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
  assert.equal(sqlCompare(null, "RLIKE", "."), false);
  assert.equal(sqlCompare(undefined, "IS NULL", null), true);
  assert.equal(sqlCompare("a", "IS NOT NULL", null), true);
  assert.equal(sqlCompare("b", "IN", ["a", "b"]), true);
  assert.equal(sqlCompare("c", "NOT IN", ["a", "b"]), true);
  assert.equal(sqlCompare("a", "NOT IN", []), true);
  assert.equal(sqlCompare("OK", "IN", "OK"), true);
  assert.equal(sqlCompare("O", "IN", "OK"), false, "a lone string is no list of its characters");
  assert.equal(sqlCompare(2, "=", "2"), true);
  assert.equal(sqlCompare(2, "<", "abc"), true);
  assert.equal(sqlCompare("B", "<", "a"), true);
});

Deno.test("RLIKE is Python's re.search: unanchored, case-sensitive, a bad pattern matches nothing", () => {
  assert.equal(sqlCompare("retrieve", "RLIKE", "tri"), true);
  assert.equal(sqlCompare("retrieve", "RLIKE", "^tri"), false);
  assert.equal(sqlCompare("Retrieve", "RLIKE", "retrieve"), false);
  assert.equal(sqlCompare("Retrieve", "RLIKE", "(?i)retrieve"), true);
  assert.equal(sqlCompare("retrieve", "RLIKE", "["), false);
  assert.equal(sqlCompare("aa", "RLIKE", "(?P<x>a)(?P=x)"), true);
  assert.equal(sqlCompare("retrieve", "RLIKE", ["retrieve"]), false);
});
