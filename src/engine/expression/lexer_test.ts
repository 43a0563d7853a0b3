import assert from "node:assert/strict";
import { ExpressionSyntaxError, tokenize } from "./lexer.ts";

Deno.test("tokenize() splits names, references, integers and operators", () => {
  const tokens = tokenize("#a.b[12] <= :v AND size(x)<>:w");
  assert.deepEqual(
    tokens.map((t) => `${t.kind}:${t.text}`),
    [
      "nameRef:#a",
      "punct:.",
      "identifier:b",
      "punct:[",
      "integer:12",
      "punct:]",
      "punct:<=",
      "valueRef::v",
      "identifier:AND",
      "identifier:size",
      "punct:(",
      "identifier:x",
      "punct:)",
      "punct:<>",
      "valueRef::w",
      "eof:<EOF>",
    ],
  );
});

Deno.test("tokenize() keeps unknown characters as invalid tokens and rejects bare # or :", () => {
  assert.deepEqual(tokenize("a = 'x'").map((t) => t.kind), [
    "identifier",
    "punct",
    "invalid",
    "identifier",
    "invalid",
    "eof",
  ]);
  assert.throws(() => tokenize("a = :"), ExpressionSyntaxError);
  assert.throws(() => tokenize("a = :"), /Syntax error; token: ":"/);
});
