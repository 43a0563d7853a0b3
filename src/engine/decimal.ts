/**
 * Exact decimal numbers as DynamoDB stores them: up to 38 significant digits, magnitude between
 * 1E-130 and 9.99…E+125. Parsing, normalisation, comparison and addition work on the digits, never
 * through floating point.
 *
 * @module
 */

/** A parsed number: `sign × coefficient × 10^exponent`; zero has an empty coefficient. */
export interface Decimal {
  readonly sign: 1 | -1 | 0;
  /** Significant digits, without leading or trailing zeros ("" for zero). */
  readonly digits: string;
  /** Power of ten of the last digit. */
  readonly exponent: number;
}

/** Raised for an invalid number; `message` is DynamoDB's text. */
export class NumberError extends Error {
  override name = "NumberError";
}

const NUMBER_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_DIGITS = 38;
const MAX_ADJUSTED_EXPONENT = 125;
const MIN_ADJUSTED_EXPONENT = -130;

const ZERO: Decimal = { sign: 0, digits: "", exponent: 0 };

/** Parses DynamoDB's number syntax without validating precision or range. */
export function parseDecimal(text: string): Decimal {
  const m = NUMBER_RE.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) {
    throw new NumberError("A value provided cannot be converted into a number");
  }
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  const exp = m[4] ? Number(m[4]) : 0;
  if (!Number.isSafeInteger(exp)) {
    throw new NumberError("A value provided cannot be converted into a number");
  }
  return normalize(m[1] === "-" ? -1 : 1, intPart + fracPart, exp - fracPart.length);
}

function normalize(sign: 1 | -1, rawDigits: string, exponent: number): Decimal {
  let start = 0;
  while (start < rawDigits.length && rawDigits.charCodeAt(start) === 48) start++;
  let end = rawDigits.length;
  while (end > start && rawDigits.charCodeAt(end - 1) === 48) end--;
  if (start === end) return ZERO;
  return {
    sign,
    digits: rawDigits.slice(start, end),
    exponent: exponent + (rawDigits.length - end),
  };
}

/** The power of ten of the leading digit (scientific-notation exponent). */
export function adjustedExponent(d: Decimal): number {
  return d.exponent + d.digits.length - 1;
}

/** Throws DynamoDB's error when `d` exceeds 38 digits or the supported magnitude. */
export function checkDecimal(d: Decimal): Decimal {
  if (d.sign === 0) return d;
  if (d.digits.length > MAX_DIGITS) {
    throw new NumberError("DynamoDB only supports precision up to 38 digits");
  }
  const adj = adjustedExponent(d);
  if (adj > MAX_ADJUSTED_EXPONENT) {
    throw new NumberError(
      "Number overflow. Attempting to store a number with magnitude larger than supported range",
    );
  }
  if (adj < MIN_ADJUSTED_EXPONENT) {
    throw new NumberError(
      "Number underflow. Attempting to store a number with magnitude smaller than supported range",
    );
  }
  return d;
}

/** Parses and validates a number string. */
export function validDecimal(text: string): Decimal {
  return checkDecimal(parseDecimal(text));
}

/** Plain (non-scientific) canonical text, as DynamoDB returns numbers: "1.50" → "1.5", "1e2" → "100". */
export function formatDecimal(d: Decimal): string {
  if (d.sign === 0) return "0";
  const minus = d.sign < 0 ? "-" : "";
  if (d.exponent >= 0) return minus + d.digits + "0".repeat(d.exponent);
  const pointAt = d.digits.length + d.exponent;
  if (pointAt > 0) return `${minus}${d.digits.slice(0, pointAt)}.${d.digits.slice(pointAt)}`;
  return `${minus}0.${"0".repeat(-pointAt)}${d.digits}`;
}

/** Validates and canonicalises a number string. */
export function canonicalNumber(text: string): string {
  return formatDecimal(validDecimal(text));
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  const ea = adjustedExponent(a);
  const eb = adjustedExponent(b);
  if (ea !== eb) return ea < eb ? -1 : 1;
  const n = Math.max(a.digits.length, b.digits.length);
  const da = a.digits.padEnd(n, "0");
  const db = b.digits.padEnd(n, "0");
  return da === db ? 0 : da < db ? -1 : 1;
}

/** Numeric comparison: negative, zero or positive. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  const m = compareMagnitude(a, b);
  return a.sign > 0 ? m : -m;
}

/** Compares two number strings numerically. */
export function compareNumberStrings(a: string, b: string): number {
  if (a === b) return 0;
  return compareDecimal(parseDecimal(a), parseDecimal(b));
}

function toBigInt(d: Decimal, exponent: number): bigint {
  if (d.sign === 0) return 0n;
  const v = BigInt(d.digits) * 10n ** BigInt(d.exponent - exponent);
  return d.sign < 0 ? -v : v;
}

/** Exact sum; throws {@link NumberError} when the result needs more than 38 digits. */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  if (a.sign === 0) return checkDecimal(b);
  if (b.sign === 0) return checkDecimal(a);
  const exponent = Math.min(a.exponent, b.exponent);
  const sum = toBigInt(a, exponent) + toBigInt(b, exponent);
  if (sum === 0n) return ZERO;
  const negative = sum < 0n;
  return checkDecimal(normalize(negative ? -1 : 1, (negative ? -sum : sum).toString(), exponent));
}

/** `a - b`. */
export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  return addDecimal(a, negate(b));
}

function negate(d: Decimal): Decimal {
  return d.sign === 0 ? d : { ...d, sign: d.sign === 1 ? -1 : 1 };
}

/**
 * Storage size of a number in bytes by DynamoDB's rule: one byte per two significant digits
 * (digit pairs aligned on the decimal point), plus one, plus one more for negative numbers.
 */
export function decimalSize(d: Decimal): number {
  if (d.sign === 0) return 1;
  const low = d.exponent;
  const high = d.exponent + d.digits.length - 1;
  const pairs = Math.floor(high / 2) - Math.floor(low / 2) + 1;
  return pairs + 1 + (d.sign < 0 ? 1 : 0);
}
