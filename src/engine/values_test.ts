import assert from "node:assert/strict";
import {
  cloneItem,
  compareUtf8,
  compareValues,
  keyString,
  orderKey,
  typeOf,
  validateValue,
  ValueError,
  valuesEqual,
} from "./values.ts";

Deno.test("validateValue() canonicalises numbers and copies binary", () => {
  const b = new Uint8Array([1, 2]);
  const v = validateValue({ M: { n: { N: "1.50" }, b: { B: b }, s: { NS: ["01", "2"] } } });
  assert.deepEqual(v.M!.n, { N: "1.5" });
  assert.deepEqual(v.M!.s, { NS: ["1", "2"] });
  assert.notEqual(v.M!.b!.B, b);
  assert.deepEqual(v.M!.b!.B, b);
});

Deno.test("validateValue() rejects what DynamoDB rejects", () => {
  const bad: [unknown, RegExp][] = [
    [{}, /is empty/],
    [{ S: "a", N: "1" }, /more than one datatypes/],
    [{ SS: [] }, /An string set {2}may not be empty/],
    [{ NS: [] }, /An number set {2}may not be empty/],
    [{ SS: ["a", "a"] }, /Input collection \[a, a\] contains duplicates/],
    [{ NS: ["1", "1.0"] }, /contains duplicates/],
    [{ BS: [new Uint8Array([1]), new Uint8Array([1])] }, /contains duplicates/],
    [{ NULL: false }, /must have the value of true/],
    [{ N: "x" }, /cannot be converted into a number/],
    [{ L: [{ N: "1e200" }] }, /Number overflow/],
  ];
  for (const [v, re] of bad) {
    assert.throws(() => validateValue(v), (e) => e instanceof ValueError && re.test(e.message));
  }
  let deep: unknown = { S: "x" };
  for (let i = 0; i < 40; i++) deep = { L: [deep] };
  assert.throws(() => validateValue(deep), /Nesting Levels/);
});

Deno.test("compareUtf8() orders by UTF-8 bytes, not UTF-16 code units", () => {
  assert.ok(compareUtf8("a", "b") < 0);
  assert.ok(compareUtf8("ab", "a") > 0);
  // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 9F 98 80).
  assert.ok(compareUtf8("\uff5e", "\u{1f600}") < 0);
  assert.ok("\uff5e" > "\u{1f600}"); // JavaScript's own order differs
  assert.ok(compareUtf8("Z", "a") < 0);
  assert.ok(compareUtf8("é", "z") > 0);
});

Deno.test("compareValues() is undefined across types and for non-scalars", () => {
  assert.equal(compareValues({ S: "1" }, { N: "1" }), undefined);
  assert.equal(compareValues({ L: [] }, { L: [] }), undefined);
  assert.ok(compareValues({ N: "10" }, { N: "9" })! > 0);
  assert.ok(compareValues({ B: new Uint8Array([255]) }, { B: new Uint8Array([1, 2]) })! > 0);
});

Deno.test("valuesEqual() compares sets as sets and numbers numerically", () => {
  assert.ok(valuesEqual({ SS: ["a", "b"] }, { SS: ["b", "a"] }));
  assert.ok(valuesEqual({ N: "1" }, { N: "1.0" }));
  assert.ok(!valuesEqual({ N: "1" }, { S: "1" }));
  assert.ok(
    valuesEqual({ M: { a: { L: [{ NULL: true }] } } }, { M: { a: { L: [{ NULL: true }] } } }),
  );
  assert.ok(!valuesEqual({ M: { a: { S: "x" } } }, { M: { b: { S: "x" } } }));
});

Deno.test("keyString() and typeOf()", () => {
  assert.equal(keyString({ S: "a" }), "Sa");
  assert.notEqual(keyString({ S: "1" }), keyString({ N: "1" }));
  assert.equal(typeOf({ BOOL: false }), "BOOL");
  assert.equal(typeOf({ NULL: true }), "NULL");
  const item = { a: { L: [{ B: new Uint8Array([1]) }] } };
  const copy = cloneItem(item);
  copy.a!.L![0]!.B![0] = 9;
  assert.equal(item.a.L[0]!.B[0], 1);
});

Deno.test("orderKey() strings compare natively as compareUtf8 compares the originals", () => {
  const units = [
    "a",
    "z",
    "\u00e9",
    "\ud7ff",
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
    "\ue000",
    "\uffff",
  ];
  const pick = (n: number) => units[n % units.length]!;
  const strings = [""];
  for (let i = 0; i < 400; i++) {
    let s = "";
    for (let j = 0, x = i * 7919; j < (i % 5); j++, x = Math.floor(x / 3) + j) s += pick(x);
    strings.push(s);
  }
  strings.push("\u{10000}", "\uffff", "a\u{1f600}", "a\uffff");
  for (const a of strings) {
    for (const b of strings) {
      const x = orderKey(a);
      const y = orderKey(b);
      const native = x === y ? 0 : x < y ? -1 : 1;
      assert.equal(native, Math.sign(compareUtf8(a, b)), JSON.stringify([a, b]));
    }
  }
  assert.equal(orderKey("plain"), "plain");
});
