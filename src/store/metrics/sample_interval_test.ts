import assert from "node:assert/strict";
import { samplePoints } from "./sample_interval.ts";
import type { Metric } from "../entities.ts";

// Vectors computed by MLflow 3.17.2's SqlAlchemyStore (SQLite) for the same histories
// (testdata/interval_samples.json, written by testdata/interval_samples.py).
const ref = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/interval_samples.json", import.meta.url)),
) as {
  cases: { n: number; k: number; steps: number[] }[];
  dup: [number, number][];
  range: number[];
};

const point = (step: number, timestamp = 1, value = step): Metric => ({
  key: "m",
  value,
  timestamp,
  step,
});

Deno.test("samplePoints matches MLflow 3.17.2 for every history size in the reference", () => {
  assert.ok(ref.cases.length >= 10);
  for (const { n, k, steps } of ref.cases) {
    // Given shuffled: the sampler orders the points itself.
    const points = Array.from({ length: n }, (_, i) => point(i)).reverse();
    assert.deepEqual(samplePoints(points, k).map((p) => p.step), steps, `n=${n} k=${k}`);
  }
});

Deno.test("samplePoints samples values, not steps, when a step holds several", () => {
  const points: Metric[] = [];
  for (let step = 0; step < 6; step++) for (const t of [1, 2, 3]) points.push(point(step, t));
  assert.deepEqual(samplePoints(points, 5).map((p) => [p.step, p.timestamp]), ref.dup);
});

Deno.test("samplePoints on a step range keeps the range's first and last point", () => {
  const points = Array.from({ length: 20 }, (_, i) => point(i * 2)).filter((p) =>
    p.step >= 3 && p.step <= 30
  );
  assert.deepEqual(samplePoints(points, 4).map((p) => p.step), ref.range);
});

Deno.test("samplePoints orders NaN after 0 and infinities as the largest floats", () => {
  const points = [point(0, 1, NaN), point(0, 1, 0), point(0, 1, Infinity), point(0, 1, -Infinity)];
  assert.deepEqual(samplePoints(points, 10).map((p) => p.value), [-Infinity, 0, NaN, Infinity]);
  assert.deepEqual(samplePoints([], 3), []);
});
