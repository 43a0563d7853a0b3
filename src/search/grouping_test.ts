import assert from "node:assert/strict";
import { parseSql, splitStatements } from "./grouping.ts";
import { describe, joinInComparisons } from "./join_comparisons.ts";

function tree(text: string): string[] {
  const [stmt] = parseSql(text);
  return stmt === undefined ? [] : joinInComparisons(stmt).map(describe);
}

const CASES: [string, string[]][] = [
  ["metrics.a > 1", [
    'comparison[ident[name:"metrics" punct:"." name:"a"] comparison:">" integer:"1"]',
  ]],
  ["a = 1 AND b IS NULL", [
    'comparison[ident[name:"a"] comparison:"=" integer:"1"]',
    'keyword:"AND"',
    'comparison[ident[name:"b"] keyword:"IS NULL"]',
  ]],
  ["run_id NOT IN ('a')", [
    'comparison[ident[name:"run_id"] keyword:"NOT IN" paren[punct:"(" string:"\'a\'" punct:")"]]',
  ]],
  ["a b c", ['ident[name:"a" ident[name:"b"]]', 'ident[name:"c"]']],
  ["x > 1 extra", [
    'ident[comparison[ident[name:"x"] comparison:">" integer:"1"] ident[name:"extra"]]',
  ]],
  ["a = = 'x'", ['ident[name:"a"]', 'comparison:"="', 'comparison:"="', "string:\"'x'\""]],
  ["tags.in = 'a'", [
    'ident[name:"tags" punct:"."]',
    'keyword:"in"',
    'comparison:"="',
    "string:\"'a'\"",
  ]],
  ["f(1) = 2", [
    'comparison[func[ident[name:"f"] paren[punct:"(" integer:"1" punct:")"]] comparison:"=" integer:"2"]',
  ]],
  ["a = 1 = 2", [
    'comparison[comparison[ident[name:"a"] comparison:"=" integer:"1"] comparison:"=" integer:"2"]',
  ]],
  ["x = 1 + 2", [
    'comparison[ident[name:"x"] comparison:"=" operation[integer:"1" operator:"+" integer:"2"]]',
  ]],
];

Deno.test("grouping matches sqlparse plus MLflow's IN / IS NULL joining", () => {
  for (const [text, expected] of CASES) assert.deepEqual(tree(text), expected, text);
});

Deno.test("statements split at semicolons; blank ones are dropped", () => {
  assert.equal(splitStatements("a = 1; b = 2").length, 2);
  assert.equal(splitStatements("a = 1; ").length, 1);
  assert.equal(splitStatements("   ").length, 0);
});
