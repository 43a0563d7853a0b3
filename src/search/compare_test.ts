import assert from "node:assert/strict";
import { compareBy, presentFirst } from "./compare.ts";

Deno.test("compareBy: keys in turn, SQLite NULL placement unless grouped", () => {
  type R = { a?: number; b: string };
  const rows: R[] = [{ a: 2, b: "x" }, { b: "y" }, { a: 1, b: "z" }, { a: 2, b: "w" }];
  const asc = compareBy<R>([{ value: (r) => r.a, ascending: true }, {
    value: (r) => r.b,
    ascending: true,
  }]);
  assert.deepEqual([...rows].sort(asc).map((r) => r.b), ["y", "z", "w", "x"]);
  const desc = compareBy<R>([{ value: (r) => r.a, ascending: false }]);
  assert.deepEqual([...rows].sort(desc).map((r) => r.b), ["x", "w", "z", "y"]);
  const grouped = compareBy<R>([{
    value: (r) => r.a,
    ascending: true,
    group: presentFirst((r) => r.a),
  }]);
  assert.deepEqual([...rows].sort(grouped).map((r) => r.b), ["z", "x", "w", "y"]);
});
