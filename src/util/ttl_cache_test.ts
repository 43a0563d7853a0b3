import assert from "node:assert/strict";
import { TtlCache } from "./ttl_cache.ts";

Deno.test("a cached lookup is served until its TTL passes, then loaded again", async () => {
  let t = 0;
  let loads = 0;
  const cache = new TtlCache<number>(1000, 2, () => t);
  const load = () => Promise.resolve(++loads);
  assert.equal(await cache.getOr("a", load), 1);
  assert.equal(await cache.getOr("a", load), 1);
  t = 1000;
  assert.equal(await cache.getOr("a", load), 2);
  cache.set("b", 5);
  cache.set("c", 6);
  assert.equal(cache.get("a"), undefined, "the oldest entry is dropped beyond maxSize");
  cache.deletePrefix("b");
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("c"), 6);
  t = 5000;
  assert.equal(cache.get("c"), undefined);
  const off = new TtlCache<number>(0);
  off.set("x", 1);
  assert.equal(off.get("x"), undefined, "TTL 0 disables caching");
});
