/** The peer benchmark's load generator stays bounded and counts what failed. */
import assert from "node:assert/strict";
import { runLoad } from "../../bench/peers/load.ts";

Deno.test("the bench load generator stops at its request bound and counts errors", async () => {
  let calls = 0;
  const r = await runLoad(4, 30, 50, async (seq) => {
    calls++;
    await Promise.resolve();
    if (seq % 10 === 0) throw new Error(`boom ${seq}`);
  });
  assert.equal(calls, 50);
  assert.equal(r.requests, 50);
  assert.equal(r.errors, 5);
  assert.match(r.firstError ?? "", /^boom/);
  assert.ok(r.seconds < 30, "bounded by count, not by the 30 s");
});
