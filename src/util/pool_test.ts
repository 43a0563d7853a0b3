import assert from "node:assert/strict";
import { pooledMap } from "./pool.ts";

Deno.test("pooledMap keeps order and never runs more than the limit at once", async () => {
  let running = 0;
  let peak = 0;
  const out = await pooledMap(Array.from({ length: 50 }, (_, i) => i), async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, n % 3));
    running--;
    return n * 2;
  }, 4);
  assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => i * 2));
  assert.equal(peak, 4);
});

Deno.test("pooledMap rejects with the first failure and starts no new work after it", async () => {
  let started = 0;
  await assert.rejects(
    pooledMap([1, 2, 3, 4, 5, 6], async (n) => {
      started++;
      await Promise.resolve();
      if (n === 2) throw new Error("boom");
      return n;
    }, 2),
    /boom/,
  );
  assert.ok(started <= 3, `started ${started}`);
});

Deno.test("pooledMap of nothing is nothing", async () => {
  assert.deepEqual(await pooledMap([], () => Promise.resolve(1)), []);
});
