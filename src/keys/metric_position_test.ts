import assert from "node:assert/strict";
import { METRIC_POSITION_LENGTH, metricPointPosition } from "./key_schema.ts";

// MLflow's order: timestamp, then step, then value with NaN stored as 0 (ties: NaN after 0).
function compare(a: number[], b: number[]): number {
  const v = (x: number) => (Number.isNaN(x) ? 0 : x);
  return a[0]! - b[0]! || a[1]! - b[1]! ||
    (v(a[2]!) < v(b[2]!) ? -1 : v(a[2]!) > v(b[2]!) ? 1 : 0) ||
    Number(Number.isNaN(a[2]!)) - Number(Number.isNaN(b[2]!));
}

Deno.test("metricPointPosition() sorts as MLflow orders history, at every extreme", () => {
  const timestamps = [0, 1, 1_700_000_000_000, Number.MAX_SAFE_INTEGER];
  const steps = [
    -Number.MAX_SAFE_INTEGER,
    -(2 ** 28) - 1,
    -(2 ** 28),
    -1,
    0,
    1,
    2 ** 28 - 1,
    2 ** 28,
    Number.MAX_SAFE_INTEGER,
  ];
  const values = [
    -Infinity,
    -1.7976931348623157e308,
    -1,
    -Number.MIN_VALUE,
    -0,
    0,
    NaN,
    Number.MIN_VALUE,
    0.5,
    1,
    1e300,
    Infinity,
  ];
  const points: number[][] = [];
  for (const t of timestamps) for (const s of steps) for (const v of values) points.push([t, s, v]);
  const positions = points.map(([t, s, v]) => metricPointPosition(t!, s!, v!));
  for (const p of positions) assert.equal(p.length, METRIC_POSITION_LENGTH);
  for (let i = 0; i < points.length; i++) {
    for (let j = 0; j < points.length; j += 7) {
      const expected = Math.sign(compare(points[i]!, points[j]!));
      const got = positions[i]! < positions[j]! ? -1 : positions[i]! > positions[j]! ? 1 : 0;
      assert.equal(got, expected, `${points[i]} vs ${points[j]}`);
    }
  }
});
