import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import {
  filterComparisons,
  parseLowerCaseList,
  parseStringList,
  pyIsLower,
  stripQuotes,
  trimBackticks,
  unquoteKey,
} from "./filter_syntax.ts";
import { parseSql } from "./grouping.ts";

function paren(text: string) {
  const [stmt] = parseSql(text);
  return stmt?.children[0] ?? assert.fail("no node");
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MlflowError);
    assert.equal(e.code, "INVALID_PARAMETER_VALUE");
    return e.message;
  }
  return assert.fail("did not throw");
}

Deno.test("quotes and backticks", () => {
  assert.equal(stripQuotes("'a'"), "a");
  assert.equal(stripQuotes('"a"'), "a");
  assert.equal(stripQuotes("`a`"), "`a`");
  assert.equal(trimBackticks("`a b`"), "a b");
  assert.equal(unquoteKey('"`x`"'), "x");
  assert.match(message(() => stripQuotes("LR", true)), /^Parameter value is either not quoted/);
});

Deno.test("AND-only conjunctions; invalid clauses listed quoted or plain", () => {
  assert.equal(filterComparisons("a = 1 and b = 2 AND c = 3", "quoted").length, 3);
  assert.equal(
    message(() => filterComparisons("a = 1 OR b = 2", "quoted")),
    "Invalid clause(s) in filter string: 'OR'",
  );
  assert.equal(
    message(() => filterComparisons("a = 1 OR b = 2", "plain")),
    "Invalid clause(s) in filter string: OR",
  );
  assert.equal(
    message(() => filterComparisons("a = 1; b = 2", "plain")),
    "Search filter contained multiple expression 'a = 1; b = 2'. Provide AND-ed expression list.",
  );
  assert.equal(
    message(() => filterComparisons(" ", "plain")),
    "Invalid filter ' '. Could not be parsed.",
  );
});

Deno.test("IN lists", () => {
  assert.deepEqual(parseStringList(paren("('a', 'B')")), ["a", "B"]);
  assert.deepEqual(parseLowerCaseList(paren("('a', 'B', '12', 'x1')")), ["a", "x1"]);
  assert.match(message(() => parseStringList(paren("()"))), /but got empty list$/);
  assert.match(
    message(() => parseStringList(paren("(1, 'a')"))),
    /different type in list: \(1, 'a'\)$/,
  );
  assert.match(message(() => parseStringList(paren("(a)"))), /ill-formed list\.$/);
  assert.ok(pyIsLower("abc1") && !pyIsLower("123") && !pyIsLower("aB"));
});
