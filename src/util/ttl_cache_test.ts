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

Deno.test("a load in flight when its key is dropped does not store what it read", async () => {
  // A grant read races a grant write: the read began before the write, the write dropped the
  // key, then the read ended. Its (stale) answer may serve that one caller, never the next ones.
  const cache = new TtlCache<string | null>(60_000);
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const stale = cache.getOr("editor\u0000rm-1", async () => {
    await gate;
    return null;
  });
  cache.deletePrefix("editor\u0000");
  release();
  assert.equal(await stale, null);
  assert.equal(await cache.getOr("editor\u0000rm-1", () => Promise.resolve("EDIT")), "EDIT");
  // A drop of another prefix leaves a load in flight free to store its answer.
  let release2!: () => void;
  const gate2 = new Promise<void>((r) => release2 = r);
  const other = cache.getOr("reader\u0000rm-1", async () => {
    await gate2;
    return "READ";
  });
  cache.deletePrefix("editor\u0000");
  release2();
  assert.equal(await other, "READ");
  assert.equal(cache.get("reader\u0000rm-1"), "READ");
});
