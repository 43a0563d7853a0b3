import assert from "node:assert/strict";
import { pythonJsonDumps } from "./python_json.ts";

Deno.test("pythonJsonDumps() matches Python's json.dumps separators and escapes", () => {
  assert.equal(
    pythonJsonDumps([{ name: "model", version: 1 }]),
    '[{"name": "model", "version": 1}]',
  );
  assert.equal(
    pythonJsonDumps({ a: "é", b: null, c: [true, 1.5] }),
    '{"a": "\\u00e9", "b": null, "c": [true, 1.5]}',
  );
  assert.equal(pythonJsonDumps(NaN), "NaN");
});
