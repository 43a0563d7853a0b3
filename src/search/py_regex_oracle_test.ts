/**
 * Table test against Python 3.11's `re`: `testdata/py_regex_oracle.json` holds drawn patterns
 * (`testdata/gen_py_regex_oracle.py`) and, per text, whether `re.search` found it (a pattern
 * `re` refuses finds nothing, as MLflow's SQLite REGEXP answers). {@link reSearch} must agree on
 * every one but the documented limit of `py_regex.ts` (a quantifier after a `(?#…)` comment).
 */
import assert from "node:assert/strict";
import { reSearch } from "./py_regex.ts";

const oracle = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/py_regex_oracle.json", import.meta.url)),
) as { texts: string[]; cases: [string, string][] };

const LIMIT = /\(\?#[^)]*\)[*+?{]/;

Deno.test("reSearch agrees with Python's re.search on every drawn pattern and text", () => {
  const wrong: string[] = [];
  const cases = oracle.cases.filter(([pattern]) => !LIMIT.test(pattern));
  assert.ok(cases.length >= 1400, `${cases.length} cases`);
  for (const [pattern, found] of cases) {
    oracle.texts.forEach((text, i) => {
      const want = found[i] === "1";
      if (reSearch(pattern, text) !== want) {
        wrong.push(`re.search(${JSON.stringify(pattern)}, ${JSON.stringify(text)}) is ${want}`);
      }
    });
  }
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} answers differ`);
});
