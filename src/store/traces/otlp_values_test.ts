import assert from "node:assert/strict";
import { pyFloat, pyJson, pyJsonOfAnyValue } from "./otlp_values.ts";

Deno.test("pyFloat writes floats as Python's json.dumps does", () => {
  assert.equal(pyFloat(1), "1.0");
  assert.equal(pyFloat(2.5), "2.5");
  assert.equal(pyFloat(1e16), "1e+16");
  assert.equal(pyFloat(0.00001), "1e-05");
  assert.equal(pyFloat(0.0001), "0.0001");
  assert.equal(pyFloat(NaN), "NaN");
  assert.equal(pyFloat(-Infinity), "-Infinity");
});

Deno.test("pyJsonOfAnyValue keeps ints and doubles apart and uses Python separators", () => {
  const v = {
    kvlistValue: {
      values: [
        { key: "i", value: { intValue: "3" } },
        { key: "d", value: { doubleValue: 3 } },
        { key: "s", value: { stringValue: "é" } },
        { key: "a", value: { arrayValue: { values: [{ boolValue: true }, {}] } } },
      ],
    },
  };
  assert.equal(pyJsonOfAnyValue(v), '{"i": 3, "d": 3.0, "s": "é", "a": [true, null]}');
  assert.equal(pyJson({ x: [1, 2.5] }), '{"x": [1, 2.5]}');
});
