import assert from "node:assert/strict";
import {
  experimentNameKey,
  nameInKey,
  padInverted,
  padNumber,
  registeredModelGsi1,
  registeredModelNameKey,
  RUN_SHARDS,
  runGsi1,
  runIdFromGsi1Sk,
  runShard,
  unpadInverted,
} from "./key_schema.ts";

Deno.test("padNumber() makes string order equal numeric order", () => {
  const nums = [0, 9, 10, 99, 1700000000000, 1700000000001, Number.MAX_SAFE_INTEGER];
  const padded = nums.map(padNumber);
  assert.deepEqual([...padded].sort(), padded);
  assert.throws(() => padNumber(-1), RangeError);
});

Deno.test("padInverted() sorts newest first and round-trips", () => {
  const nums = [1, 2, 1700000000000];
  const inv = nums.map(padInverted);
  assert.deepEqual([...inv].sort(), [...inv].reverse());
  assert.equal(unpadInverted(padInverted(1700000000123)), 1700000000123);
});

Deno.test("padInverted() keeps negative and huge timestamps in the key range, oldest last", () => {
  assert.equal(padInverted(-1), padInverted(0));
  assert.ok(padInverted(-1) > padInverted(1));
  assert.equal(padInverted(10n ** 25n), "0".repeat(20));
});

Deno.test("runGsi1() orders by start time desc then run id asc, sharded stably", () => {
  const a = runGsi1("1", "aaa", 100);
  const b = runGsi1("1", "bbb", 100);
  const c = runGsi1("1", "ccc", 200);
  assert.ok(c.gsi1sk < a.gsi1sk && a.gsi1sk < b.gsi1sk);
  assert.equal(runIdFromGsi1Sk(b.gsi1sk), "bbb");
  assert.equal(runShard("abc"), runShard("abc"));
  assert.ok(runShard("abc") < RUN_SHARDS);
});

Deno.test("nameInKey keeps names that fit and hashes longer ones within DynamoDB's key limits", () => {
  const bytes = (s: string) => new TextEncoder().encode(s).length;
  for (
    const name of ["m", "x".repeat(1983 - 8), "😀".repeat(500), "é".repeat(1100), "n".repeat(5000)]
  ) {
    const pk = experimentNameKey(name).pk;
    assert.ok(bytes(pk) <= 2048, `${bytes(pk)} bytes`);
    const sk = registeredModelGsi1(name).gsi1sk;
    assert.ok(bytes(sk) <= 1024, `${bytes(sk)} bytes`);
    assert.ok(bytes(registeredModelNameKey(name).pk) <= 2048);
  }
  assert.equal(registeredModelNameKey("short").pk, "RMNAME#short");
  assert.equal(registeredModelGsi1("a".repeat(959)).gsi1sk, "a".repeat(959));
  // Two long names with the same first kilobyte get different keys; a kept name never equals a
  // hashed one (a hashed key is longer than any kept name).
  const a = registeredModelGsi1("a".repeat(2000) + "1").gsi1sk;
  const b = registeredModelGsi1("a".repeat(2000) + "2").gsi1sk;
  assert.notEqual(a, b);
  assert.equal(registeredModelGsi1(a).gsi1sk === a, false);
  assert.equal(nameInKey("é".repeat(600), 1024, 0).startsWith("é".repeat(479) + "#"), true);
});
