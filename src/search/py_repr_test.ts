import assert from "node:assert/strict";
import { reprFloat, reprStr, reprStrList, reprStrSet, reprStrTuple, reprValue } from "./py_repr.ts";

Deno.test("reprStr picks quotes and escapes like Python", () => {
  assert.equal(reprStr("abc"), "'abc'");
  assert.equal(reprStr("it's"), `"it's"`);
  assert.equal(reprStr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(reprStr("a\\b\n\t\u0001"), "'a\\\\b\\n\\t\\x01'");
  assert.equal(reprStr("ünï"), "'ünï'");
});

Deno.test("reprFloat matches Python's repr", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [0.1, "0.1"],
    [1.5e-5, "1.5e-05"],
    [1e16, "1e+16"],
    [123456789012345.6, "123456789012345.6"],
    [-2.5, "-2.5"],
    [NaN, "nan"],
    [Infinity, "inf"],
  ];
  for (const [x, s] of cases) assert.equal(reprFloat(x), s);
});

Deno.test("containers", () => {
  assert.equal(reprStrList(["metric", "tag"]), "['metric', 'tag']");
  assert.equal(reprStrTuple(["a"]), "('a',)");
  assert.equal(reprStrTuple(["a", "b"]), "('a', 'b')");
  assert.equal(reprStrSet(["name"]), "{'name'}");
  assert.equal(
    reprValue({ py: "tuple", items: [{ py: "int", value: 1n }, "a", null, true] }),
    "(1, 'a', None, True)",
  );
});
