/**
 * Attribute values: type tags, validation and canonical copies, equality and DynamoDB's ordering
 * (strings by UTF-8 bytes, numbers as exact decimals, binary by unsigned bytes).
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { canonicalNumber, compareNumberStrings, NumberError } from "./decimal.ts";

/** An attribute value (the SDK's type). */
export type AV = AttributeValue;
/** An item or key: attribute name → value. */
export type Item = Record<string, AttributeValue>;
/** The ten DynamoDB data types. */
export type AVType = "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "NULL" | "BOOL";

const TYPES: readonly AVType[] = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];
const MAX_NESTING = 32;
/** DynamoDB's limit on an attribute name (top level or map key), in UTF-8 bytes, exclusive. */
export const MAX_ATTRIBUTE_NAME_BYTES = 65536;

/** Raised for an invalid attribute value; the message is DynamoDB's. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** The type tag of a value that is known to be valid. */
export function typeOf(av: AV): AVType {
  const v = av as unknown as Record<string, unknown>;
  if (v.S !== undefined) return "S";
  if (v.N !== undefined) return "N";
  if (v.M !== undefined) return "M";
  if (v.L !== undefined) return "L";
  if (v.BOOL !== undefined) return "BOOL";
  if (v.NULL !== undefined) return "NULL";
  if (v.B !== undefined) return "B";
  if (v.SS !== undefined) return "SS";
  if (v.NS !== undefined) return "NS";
  return "BS";
}

const SET_NAMES: Record<string, string> = { SS: "string", NS: "number", BS: "binary" };

/**
 * Validates a value from a request and returns a canonical deep copy (numbers normalised, binary
 * copied). Throws {@link ValueError} with DynamoDB's message.
 */
export function validateValue(av: unknown, depth = 0): AV {
  if (depth > MAX_NESTING) throw new ValueError("Nesting Levels have exceeded supported limits");
  if (av === null || typeof av !== "object") {
    throw new ValueError(
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
    );
  }
  const v = av as Record<string, unknown>;
  // Fast path for the most common value, a lone string (same outcome as the general path).
  if (
    typeof v.S === "string" && v.N === undefined && v.M === undefined && v.L === undefined &&
    v.BOOL === undefined && v.NULL === undefined && v.B === undefined && v.SS === undefined &&
    v.NS === undefined && v.BS === undefined
  ) {
    return { S: v.S };
  }
  const present = TYPES.filter((t) => v[t] !== undefined);
  if (present.length === 0) {
    throw new ValueError(
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
    );
  }
  if (present.length > 1) {
    throw new ValueError(
      "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
    );
  }
  const type = present[0] as AVType;
  const raw = v[type];
  switch (type) {
    case "S":
      if (typeof raw !== "string") throw new ValueError("Invalid string value");
      return { S: raw };
    case "N":
      return { N: number(raw) };
    case "B":
      return { B: bytes(raw) };
    case "BOOL":
      if (typeof raw !== "boolean") throw new ValueError("Invalid boolean value");
      return { BOOL: raw };
    case "NULL":
      if (raw !== true) {
        throw new ValueError(
          "One or more parameter values were invalid: Null attribute value types must have the value of true",
        );
      }
      return { NULL: true };
    case "L":
      if (!Array.isArray(raw)) throw new ValueError("Invalid list value");
      return { L: raw.map((e) => validateValue(e, depth + 1)) };
    case "M": {
      if (typeof raw !== "object" || raw === null) throw new ValueError("Invalid map value");
      const out: Item = {};
      for (const [k, e] of Object.entries(raw)) {
        checkAttributeName(k);
        out[k] = validateValue(e, depth + 1);
      }
      return { M: out };
    }
    default:
      return validateSet(type, raw);
  }
}

/**
 * Validates an attribute name (top level or map key) as DynamoDB does: not empty, under 64 KB of
 * UTF-8. A lone UTF-16 surrogate is refused too: DynamoDB Local refuses it in an item
 * (`InternalFailure`) and, when it slips in through an update path, fails every later read of the
 * item, so the engine never stores one. Throws {@link ValueError} with DynamoDB's wording.
 */
export function checkAttributeName(name: string): void {
  if (name === "") throw new ValueError("Empty attribute name");
  if (name.length * 3 >= MAX_ATTRIBUTE_NAME_BYTES && utf8Bytes(name) >= MAX_ATTRIBUTE_NAME_BYTES) {
    throw new ValueError(
      `Attribute name is too large, must be less than ${MAX_ATTRIBUTE_NAME_BYTES} bytes`,
    );
  }
  if (!name.isWellFormed()) {
    throw new ValueError("Attribute name contains an unpaired UTF-16 surrogate");
  }
}

function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

function number(raw: unknown): string {
  if (typeof raw !== "string") {
    throw new ValueError("A value provided cannot be converted into a number");
  }
  try {
    return canonicalNumber(raw);
  } catch (e) {
    if (e instanceof NumberError) throw new ValueError(e.message);
    throw e;
  }
}

function bytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) return new Uint8Array(raw);
  throw new ValueError("Invalid binary value");
}

function validateSet(type: "SS" | "NS" | "BS", raw: unknown): AV {
  if (!Array.isArray(raw)) throw new ValueError("Invalid set value");
  if (raw.length === 0) {
    throw new ValueError(
      `One or more parameter values were invalid: An ${SET_NAMES[type]} set  may not be empty`,
    );
  }
  const seen = new Set<string>();
  const dup = () => {
    if (type === "SS") {
      throw new ValueError(
        `One or more parameter values were invalid: Input collection [${
          raw.join(", ")
        }] contains duplicates`,
      );
    }
    throw new ValueError("Input collection contains duplicates");
  };
  if (type === "SS") {
    for (const s of raw) {
      if (typeof s !== "string") throw new ValueError("Invalid string set value");
      if (seen.has(s)) dup();
      seen.add(s);
    }
    return { SS: [...raw] };
  }
  if (type === "NS") {
    const out = raw.map(number);
    for (const n of out) {
      if (seen.has(n)) dup();
      seen.add(n);
    }
    return { NS: out };
  }
  const out = raw.map(bytes);
  for (const b of out) {
    const key = binaryKey(b);
    if (seen.has(key)) dup();
    seen.add(key);
  }
  return { BS: out };
}

/** Deep copy of a (valid) value, so callers never share structure with stored items. */
export function cloneValue(av: AV): AV {
  switch (typeOf(av)) {
    case "B":
      return { B: new Uint8Array(av.B!) };
    case "L":
      return { L: av.L!.map(cloneValue) };
    case "M":
      return { M: cloneItem(av.M!) };
    case "SS":
      return { SS: [...av.SS!] };
    case "NS":
      return { NS: [...av.NS!] };
    case "BS":
      return { BS: av.BS!.map((b) => new Uint8Array(b)) };
    default:
      return { ...av } as AV;
  }
}

/** Deep copy of an item. */
export function cloneItem(item: Item): Item {
  const out: Item = {};
  for (const k in item) out[k] = cloneValue(item[k]!);
  return out;
}

// A UTF-16 surrogate. Irregexp fails this class at once on one-byte (Latin-1) strings.
const SURROGATE = /[\uD800-\uDFFF]/;

// A unit that orderKey remaps. Irregexp fails it at once on one-byte strings, like SURROGATE.
const HIGH_UNIT = /[\uD800-\uFFFF]/;

/**
 * A string whose native (UTF-16) order is the UTF-8 order of `s` ({@link compareUtf8}): `s`
 * itself unless it holds a unit from U+D800 up, else `s` with each such unit remapped (U+E000…
 * U+FFFF down below the surrogates, the surrogates to the top), the same fix-up compareUtf8
 * applies at the first difference. Every string gets the same per-unit mapping (identity below
 * U+D800), so any two keys compare as their originals. Cached as a stored item's key, it makes each comparison of a
 * search one native string comparison.
 */
export function orderKey(s: string): string {
  if (!HIGH_UNIT.test(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c);
  }
  return out;
}

/** Compares strings by their UTF-8 bytes (equivalently, by code points). */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  // Without surrogates every UTF-16 unit is a code point, so the native order is the same.
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code-point order only between surrogates and U+E000..U+FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Compares byte arrays as unsigned bytes. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * Orders two scalar values of the same type (S, N or B); `undefined` when they are not comparable
 * (different or non-scalar types), which makes any comparison false.
 */
export function compareValues(a: AV, b: AV): number | undefined {
  if (a.S !== undefined) return b.S !== undefined ? compareUtf8(a.S, b.S) : undefined;
  if (a.N !== undefined) return b.N !== undefined ? compareNumberStrings(a.N, b.N) : undefined;
  if (a.B !== undefined) return b.B !== undefined ? compareBytes(a.B, b.B) : undefined;
  return undefined;
}

/** Deep equality; sets compare as sets, numbers numerically. */
export function valuesEqual(a: AV, b: AV): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  switch (t) {
    case "S":
      return a.S === b.S;
    case "N":
      return compareNumberStrings(a.N!, b.N!) === 0;
    case "B":
      return compareBytes(a.B!, b.B!) === 0;
    case "BOOL":
      return a.BOOL === b.BOOL;
    case "NULL":
      return true;
    case "L": {
      const x = a.L!;
      const y = b.L!;
      return x.length === y.length && x.every((e, i) => valuesEqual(e, y[i]!));
    }
    case "M":
      return itemsEqual(a.M!, b.M!);
    case "SS":
      return sameSet(a.SS!, b.SS!, (s) => s);
    case "NS":
      return sameSet(a.NS!, b.NS!, canonicalNumber);
    case "BS":
      return sameSet(a.BS!, b.BS!, binaryKey);
  }
}

function sameSet<T>(a: T[], b: T[], key: (v: T) => string): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map(key));
  return b.every((v) => keys.has(key(v)));
}

/** Deep equality of two items or maps. */
export function itemsEqual(a: Item, b: Item): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && valuesEqual(a[k]!, b[k]!));
}

/** A string identifying binary content (for sets and map keys). */
export function binaryKey(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** A string that identifies a key value (S, N or B) exactly; used as a map key. */
export function keyString(av: AV): string {
  if (av.S !== undefined) return "S" + av.S;
  if (av.N !== undefined) return "N" + av.N;
  if (av.B !== undefined) return "B" + binaryKey(av.B);
  throw new ValueError("Key attributes must be scalars");
}

/** DynamoDB's long type name for messages ("STRING", "NUMBER", …). */
export function longTypeName(t: AVType): string {
  const names: Record<AVType, string> = {
    S: "STRING",
    N: "NUMBER",
    B: "BINARY",
    SS: "STRING_SET",
    NS: "NUMBER_SET",
    BS: "BINARY_SET",
    M: "MAP",
    L: "LIST",
    NULL: "NULL",
    BOOL: "BOOLEAN",
  };
  return names[t];
}
