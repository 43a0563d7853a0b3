import assert from "node:assert/strict";
import { tokenize } from "./lexer.ts";

function kinds(text: string): string[] {
  return tokenize(text).filter((t) => t.kind !== "ws").map((t) => `${t.kind}:${t.text}`);
}

const CASES: [string, string[]][] = [
  ["metrics.acc >= 0.94", ["name:metrics", "punct:.", "name:acc", "comparison:>=", "float:0.94"]],
  ["params.m!='tf'", ["name:params", "punct:.", "name:m", "comparison:!=", "string:'tf'"]],
  ['tags."a b" = "x"', ["name:tags", "punct:.", 'symbol:"a b"', "comparison:=", 'symbol:"x"']],
  ["metrics.`a b` > -1", ["name:metrics", "punct:.", "name:`a b`", "comparison:>", "integer:-1"]],
  ["x NOT LIKE 'a%'", ["name:x", "comparison:NOT LIKE", "string:'a%'"]],
  ["x ilike 'a'", ["name:x", "comparison:ilike", "string:'a'"]],
  ["x IS NOT NULL", ["name:x", "keyword:IS", "keyword:NOT NULL"]],
  ["id in ('a','b')", [
    "name:id",
    "keyword:in",
    "punct:(",
    "string:'a'",
    "punct:,",
    "string:'b'",
    "punct:)",
  ]],
  ["a AND b or c", ["name:a", "keyword:AND", "name:b", "keyword:or", "name:c"]],
  ["timestamp DESC", ["builtin:timestamp", "order:DESC"]],
  ["x > 1e3 AND y < .5", [
    "name:x",
    "comparison:>",
    "float:1e3",
    "keyword:AND",
    "name:y",
    "comparison:<",
    "float:.5",
  ]],
  ["x > 0x1F", ["name:x", "comparison:>", "hex:0x1F"]],
  ["'it''s' 'a\\'b'", ["string:'it''s'", "string:'a\\'b'"]],
  ["x = 1; y", ["name:x", "comparison:=", "integer:1", "punct:;", "name:y"]],
  ["tags.in = 1", ["name:tags", "punct:.", "keyword:in", "comparison:=", "integer:1"]],
  ["x <> 1 -- note", ["name:x", "comparison:<>", "integer:1", "comment:-- note"]],
  ["`unclosed", ["error:`", "name:unclosed"]],
  ["user = 'a'", ["keyword:user", "comparison:=", "string:'a'"]],
];

Deno.test("tokenize follows sqlparse's lexer", () => {
  for (const [text, expected] of CASES) assert.deepEqual(kinds(text), expected, text);
});

Deno.test("tokens cover the whole input", () => {
  for (const [text] of CASES) assert.equal(tokenize(text).map((t) => t.text).join(""), text);
});
