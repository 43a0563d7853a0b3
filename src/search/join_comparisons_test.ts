import assert from "node:assert/strict";
import { parseSql } from "./grouping.ts";
import { describe, joinInComparisons } from "./join_comparisons.ts";

function joined(text: string): string[] {
  const [stmt] = parseSql(text);
  return stmt === undefined ? [] : joinInComparisons(stmt).map(describe);
}

Deno.test("IN, NOT IN, IS NULL and IS NOT NULL become comparisons", () => {
  assert.deepEqual(joined("a IN ('x')"), [
    'comparison[ident[name:"a"] keyword:"IN" paren[punct:"(" string:"\'x\'" punct:")"]]',
  ]);
  assert.deepEqual(joined("a is null and b IS NOT NULL"), [
    'comparison[ident[name:"a"] keyword:"IS NULL"]',
    'keyword:"and"',
    'comparison[ident[name:"b"] keyword:"IS NOT NULL"]',
  ]);
});

Deno.test("anything else passes through", () => {
  assert.deepEqual(joined("a IS 'x'"), ['ident[name:"a"]', 'keyword:"IS"', "string:\"'x'\""]);
  assert.deepEqual(joined("a IN 'x'"), ['ident[name:"a"]', 'keyword:"IN"', "string:\"'x'\""]);
  assert.deepEqual(joined("a IS  NOT  NULL"), [
    'ident[name:"a"]',
    'keyword:"IS"',
    'keyword:"NOT  NULL"',
  ]);
});
