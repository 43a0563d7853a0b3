import assert from "node:assert/strict";
import { CHUNK_SIZE, SortedList } from "./sorted_list.ts";

const byNumber = (a: number, b: number) => a - b;

// A deterministic shuffle, so a failure reproduces.
function shuffled(n: number, seed = 7): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

Deno.test("SortedList keeps order across chunks: upsert, find, remove, at, range", () => {
  const list = new SortedList(byNumber);
  const model: number[] = [];
  for (const v of shuffled(5 * CHUNK_SIZE)) {
    assert.equal(list.upsert(v * 2), undefined);
    model.push(v * 2);
  }
  model.sort(byNumber);
  assert.equal(list.length, model.length);
  assert.deepEqual(list.toArray(), model);
  assert.deepEqual([...list], model);
  assert.equal(list.upsert(10), 10, "an equal element is replaced and returned");
  assert.equal(list.length, model.length);
  assert.equal(list.find(4), 4);
  assert.equal(list.find(5), undefined);
  for (const i of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, model.length - 1]) {
    assert.equal(list.at(i), model[i]);
  }
  assert.equal(list.at(-1), undefined);
  assert.equal(list.at(model.length), undefined);
  assert.deepEqual([...list.range(700, 1300)], model.slice(700, 1300));
  assert.deepEqual([...list.range(700, 1300, false)], model.slice(700, 1300).reverse());
  assert.deepEqual([...list.range(5, 5)], []);
  // partitionPoint: the first position whose element is ≥ 1001, within bounds.
  assert.equal(list.partitionPoint((e) => e >= 1001), 501);
  assert.equal(list.partitionPoint((e) => e >= 1001, 600, 900), 600);
  assert.equal(list.partitionPoint((e) => e >= 1001, 0, 300), 300);
  for (const v of shuffled(model.length, 3)) {
    if (v % 3 === 0) assert.equal(list.remove(v * 2), v * 2);
  }
  assert.equal(list.remove(1), undefined, "absent");
  const left = model.filter((v) => (v / 2) % 3 !== 0);
  assert.deepEqual(list.toArray(), left);
  assert.deepEqual([...list.range(0, left.length, false)], [...left].reverse());
  for (const v of left) list.remove(v);
  assert.equal(list.length, 0);
  assert.deepEqual([...list.range()], []);
  assert.equal(list.find(2), undefined);
});

Deno.test("a write into the middle of a 100,000-element partition moves at most one chunk", () => {
  // The cost guard of issue #11: a plain sorted array moved ~50,000 elements per middle insert
  // (a param added to a run that already holds many). Counted moves, no timing.
  const list = new SortedList(byNumber);
  for (let i = 0; i < 100_000; i++) list.upsert(i * 2);
  const before = list.moved;
  for (let k = 0; k < 100; k++) list.upsert(50_000 + k * 4 + 1);
  for (let k = 0; k < 100; k++) list.remove(60_000 + k * 4);
  const perWrite = (list.moved - before) / 200;
  assert.ok(perWrite <= 1000, `moved ${perWrite} elements per write`);
  assert.equal(list.length, 100_000);
});
