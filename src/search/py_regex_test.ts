import assert from "node:assert/strict";
import { reSearch } from "./py_regex.ts";

// Expected values are Python 3.11's `re.search(pattern, text) is not None` (a `re.error` is
// False, as MLflow's SQLite REGEXP function answers it).
const CASES: [string, string, boolean][] = [
  ["[", "a", false],
  ["ab", "xaby", true],
  ["^ab", "xab", false],
  ["AB", "ab", false],
  ["(?i)AB", "ab", true],
  ["(?P<x>a)(?P=x)", "baab", true],
  ["\\Ahello", "hello", true],
  ["end\\Z", "the end", true],
  ["end$", "the end\n", true],
  ["end\\Z", "the end\n", false],
  ["^\\d+$", "١٢٣", true],
  ["^\\w+$", "héllo", true],
  ["\\bb", "éb", false],
  ["[]a]", "]", true],
  ["\\-", "-", true],
  ["a{", "a{", true],
  ["(?x) a b # c", "ab", true],
  ["(?s)a.b", "a\nb", true],
  ["a.b", "a\nb", false],
  ["(?m)^b", "a\nb", true],
  ["^b", "a\nb", false],
  ["😀.", "😀x", true],
  ["\\u00e9", "é", true],
  ["\\x41", "A", true],
  ["a(?i)b", "aB", false],
  ["[\\w]+$", "ü", true],
  ["\\(?P<", "(P<", true],
  ["^a{,2}$", "aa", true],
  ["^a{,2}$", "aaa", false],
  ["a(?#note)b", "ab", true],
  ["(?x)[ ]a", "  a", true],
  ["^x{2,}$", "xxx", true],
  ["a{1,2", "a{1,2", true],
  ["\\e", "e", false],
  ["\\z", "z", false],
  ["\\Z?", "a", false],
  ["^*a", "a", false],
  ["(?P=n)a", "a", false],
  ["\\B", "", false],
  ["(?!b)+\\d", "١", true],
  ["\\U0001F600", "😀", true],
  ["\\x4", "x4", false],
  ["\\a", "\x07", true],
];

Deno.test("reSearch answers as Python's re.search, a bad pattern matching nothing", () => {
  for (const [pattern, text, want] of CASES) {
    assert.equal(reSearch(pattern, text), want, `re.search(${pattern}, ${JSON.stringify(text)})`);
  }
});
