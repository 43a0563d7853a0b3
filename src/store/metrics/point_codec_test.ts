import assert from "node:assert/strict";
import { decodePoints, encodePoints, mergeLatest } from "./point_codec.ts";
import type { Metric } from "../entities.ts";

Deno.test("encodePoints() round-trips values, NaN, infinities and model ids", () => {
  const points: Metric[] = [
    { key: "loss", value: 0.125, timestamp: 1700000000000, step: 1 },
    { key: "loss", value: NaN, timestamp: 1700000000001, step: 2 },
    { key: "acc", value: Infinity, timestamp: 5, step: 0 },
    { key: "acc", value: -Infinity, timestamp: 6, step: 0, modelId: "m-1", datasetName: "d" },
  ];
  const back = decodePoints(encodePoints(points));
  assert.equal(back.length, 4);
  assert.ok(Number.isNaN(back.find((p) => p.step === 2)!.value));
  assert.deepEqual(back.find((p) => p.timestamp === 6), points[3]);
  assert.deepEqual(decodePoints(encodePoints(points), "acc").map((p) => p.value), [
    Infinity,
    -Infinity,
  ]);
});

Deno.test("encodePoints() keeps a 10-key single-step batch under 1 KB", () => {
  const points = Array.from({ length: 10 }, (_, i) => ({
    key: `metric_name_${i}`,
    value: 0.123456789012345 * i,
    timestamp: 1700000000000,
    step: 12345,
  }));
  assert.ok(encodePoints(points).length < 900);
});

Deno.test("mergeLatest() picks highest step, then timestamp, then value, in any order", () => {
  const pts: Metric[] = [
    { key: "k", value: 1, timestamp: 10, step: 5 },
    { key: "k", value: 9, timestamp: 99, step: 4 },
    { key: "k", value: 2, timestamp: 10, step: 5 },
    { key: "k", value: 0, timestamp: 11, step: 5 },
  ];
  for (const order of [pts, [...pts].reverse()]) {
    assert.deepEqual(mergeLatest(new Map(), order).get("k"), {
      key: "k",
      value: 0,
      timestamp: 11,
      step: 5,
    });
  }
});
