import assert from "node:assert/strict";
import {
  addDecimal,
  canonicalNumber,
  compareNumberStrings,
  decimalSize,
  formatDecimal,
  NumberError,
  parseDecimal,
  subtractDecimal,
  validDecimal,
} from "./decimal.ts";

Deno.test("canonicalNumber() normalises like DynamoDB", () => {
  const cases: [string, string][] = [
    ["1.50", "1.5"],
    ["-0", "0"],
    ["1e2", "100"],
    ["01", "1"],
    ["+7", "7"],
    [".5", "0.5"],
    ["5.", "5"],
    ["1.23E-3", "0.00123"],
    ["-12.3400", "-12.34"],
    ["0.000", "0"],
    ["1E+125", "1" + "0".repeat(125)],
  ];
  for (const [input, want] of cases) assert.equal(canonicalNumber(input), want, input);
});

Deno.test("validDecimal() rejects malformed, imprecise and out-of-range numbers", () => {
  for (const bad of ["", "abc", "1.2.3", "--1", "1e", ".", "e5", " 1", "0x10", "NaN", "Infinity"]) {
    assert.throws(() => validDecimal(bad), NumberError, bad);
  }
  assert.throws(
    () => validDecimal("123456789012345678901234567890123456789"),
    /precision up to 38 digits/,
  );
  assert.equal(validDecimal("12345678901234567890123456789012345678000").digits.length, 38);
  assert.throws(() => validDecimal("1E+126"), /Number overflow/);
  assert.throws(() => validDecimal("1E-131"), /Number underflow/);
  assert.doesNotThrow(() => validDecimal("9.9999999999999999999999999999999999999E+125"));
  assert.doesNotThrow(() => validDecimal("1E-130"));
});

Deno.test("compareNumberStrings() compares exactly, beyond float precision", () => {
  assert.equal(compareNumberStrings("1", "1.0"), 0);
  assert.ok(compareNumberStrings("2", "10") < 0);
  assert.ok(compareNumberStrings("-2", "-10") > 0);
  assert.ok(compareNumberStrings("-1", "0") < 0);
  assert.ok(compareNumberStrings("0", "0.0001") < 0);
  assert.ok(
    compareNumberStrings(
      "12345678901234567890123456789012345678",
      "12345678901234567890123456789012345679",
    ) < 0,
  );
  assert.ok(compareNumberStrings("0.30000000000000000000000000000000001", "0.3") > 0);
  assert.ok(compareNumberStrings("1E+100", "99999999999999999999") > 0);
});

Deno.test("addDecimal() and subtractDecimal() are exact", () => {
  const add = (a: string, b: string) => formatDecimal(addDecimal(parseDecimal(a), parseDecimal(b)));
  assert.equal(add("0.1", "0.2"), "0.3");
  assert.equal(add("99999999999999999999999999999999999999", "1"), "1" + "0".repeat(38));
  assert.equal(add("-5", "5"), "0");
  assert.equal(add("1.5", "-3"), "-1.5");
  assert.equal(add("0", "-7"), "-7");
  assert.throws(
    () => add("12345678901234567890123456789012345678", "0.5"),
    /precision up to 38 digits/,
  );
  assert.equal(formatDecimal(subtractDecimal(parseDecimal("10"), parseDecimal("0.01"))), "9.99");
});

Deno.test("decimalSize() counts digit pairs aligned on the decimal point", () => {
  const size = (s: string) => decimalSize(parseDecimal(s));
  assert.equal(size("0"), 1);
  assert.equal(size("1"), 2);
  assert.equal(size("12"), 2);
  assert.equal(size("123"), 3);
  assert.equal(size("100"), 2);
  assert.equal(size("1.5"), 3);
  assert.equal(size("-1"), 3);
  assert.equal(size("12345678901234567890123456789012345678"), 20);
});
