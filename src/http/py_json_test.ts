import assert from "node:assert/strict";
import { parseKeepingNumbers, pyJsonDumps, pyTypeName, SourceNumber } from "./py_json.ts";

// Expected strings are Python's json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")).
Deno.test("pyJsonDumps writes what Python's json.dumps writes for the same JSON text", () => {
  const cases: [string, string][] = [
    ["9.0", "9.0"],
    ["9", "9"],
    ["1e20", "1e+20"],
    ["1.5E-7", "1.5e-07"],
    ["12345678901234567890123", "12345678901234567890123"],
    ['{"b": [1, 2.50], "a": "é\\n"}', '{"a":"\\u00e9\\n","b":[1,2.5]}'],
    ["[true, null, false]", "[true,null,false]"],
  ];
  for (const [text, want] of cases) {
    assert.equal(pyJsonDumps(parseKeepingNumbers(text)), want, text);
  }
  assert.equal(pyJsonDumps(NaN), "NaN");
  assert.equal(pyJsonDumps(-Infinity), "-Infinity");
  assert.equal(pyJsonDumps(0.5), "0.5");
});

Deno.test("pyTypeName names Python's types, a float literal included", () => {
  assert.equal(pyTypeName(new SourceNumber(9, "9.0")), "float");
  assert.equal(pyTypeName(new SourceNumber(9, "9")), "int");
  assert.equal(pyTypeName(9), "int");
  assert.equal(pyTypeName(9.5), "float");
  assert.equal(pyTypeName("s"), "str");
  assert.equal(pyTypeName([]), "list");
  assert.equal(pyTypeName({}), "dict");
  assert.equal(pyTypeName(true), "bool");
  assert.equal(pyTypeName(null), "NoneType");
  // A double-encoded body is unwrapped once.
  assert.equal(pyJsonDumps(parseKeepingNumbers(JSON.stringify('{"a": 1.0}'))), '{"a":1.0}');
});
