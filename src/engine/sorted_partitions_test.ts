import assert from "node:assert/strict";
import { keyComparator, partitionPoint, segmentOf, SortedPartitions } from "./sorted_partitions.ts";

Deno.test("partitionPoint() finds the first element satisfying a monotone predicate", () => {
  const arr = [1, 3, 5, 7];
  assert.equal(partitionPoint(arr, (x) => x >= 4), 2);
  assert.equal(partitionPoint(arr, (x) => x >= 0), 0);
  assert.equal(partitionPoint(arr, (x) => x >= 9), 4);
  assert.equal(partitionPoint(arr, (x) => x >= 4, 3, 4), 3);
});

Deno.test("keyComparator() orders numbers numerically and binary by bytes", () => {
  const n = keyComparator("N");
  assert.ok(n({ N: "9" }, { N: "10" }) < 0);
  assert.ok(n({ N: "-1" }, { N: "-10" }) > 0);
  const b = keyComparator("B");
  assert.ok(b({ B: new Uint8Array([2]) }, { B: new Uint8Array([1, 255]) }) > 0);
  const s = keyComparator("S");
  assert.ok(s({ S: "\uff5e" }, { S: "\u{1f600}" }) < 0);
});

Deno.test("SortedPartitions keeps each partition sorted and supports replace and remove", () => {
  const p = new SortedPartitions<number>((a, b) => a - b);
  for (const x of [5, 1, 3, 9, 7]) assert.equal(p.upsert("a", x), undefined);
  p.upsert("b", 2);
  assert.deepEqual(p.partition("a")?.toArray(), [1, 3, 5, 7, 9]);
  assert.equal(p.size, 6);
  assert.equal(p.upsert("a", 5), 5, "replacing returns the old element");
  assert.equal(p.size, 6);
  assert.equal(p.find("a", 7), 7);
  assert.equal(p.find("a", 8), undefined);
  assert.equal(p.remove("a", 8), undefined);
  assert.equal(p.remove("b", 2), 2);
  assert.equal(p.partition("b"), undefined, "empty partitions disappear");
  assert.equal(p.size, 5);
  assert.deepEqual([...p.all()].sort((a, b) => a - b), [1, 3, 5, 7, 9]);
});

Deno.test("SortedPartitions.partitionOrder() is stable, hashed, and positions are searchable", () => {
  const p = new SortedPartitions<number>((a, b) => a - b);
  const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
  for (const k of keys) p.upsert(k, 1);
  const order = p.partitionOrder();
  assert.deepEqual([...order].sort(), [...keys].sort());
  assert.notDeepEqual(order, [...keys].sort(), "not in key order");
  order.forEach((k, i) => assert.equal(p.partitionPosition(k), i));
  const segments = new Set(keys.map((k) => segmentOf(k, 4)));
  assert.ok([...segments].every((s) => s >= 0 && s < 4));
  assert.ok(segments.size > 1);
});
