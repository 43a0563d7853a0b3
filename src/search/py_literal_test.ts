import assert from "node:assert/strict";
import { PyLiteralError, pyLiteralEval } from "./py_literal.ts";
import { reprValue } from "./py_repr.ts";

const OK: [string, string][] = [
  ["('a', 'b')", "('a', 'b')"],
  ["('a',)", "('a',)"],
  ["('a')", "'a'"],
  ["('a' 'b')", "'ab'"],
  ["(\"a\", 'b')", "('a', 'b')"],
  ["()", "()"],
  ["(1, -2.5, True, None)", "(1, -2.5, True, None)"],
  ["('a\\x41\\n',)", "('aA\\n',)"],
  ["(r'a\\n',)", "('a\\\\n',)"],
  ["(['a'], ('b',))", "(['a'], ('b',))"],
  ["(0x10, 1_000)", "(16, 1000)"],
];

Deno.test("reads the literals ast.literal_eval reads", () => {
  for (const [text, repr] of OK) assert.equal(reprValue(pyLiteralEval(text)), repr, text);
});

Deno.test("rejects what Python rejects", () => {
  for (const text of ["(a)", "('a' b)", "(,)", "('a'", "(f'x')", "('a' b'b')", "(1 2)", "(01)"]) {
    assert.throws(() => pyLiteralEval(text), PyLiteralError, text);
  }
});
