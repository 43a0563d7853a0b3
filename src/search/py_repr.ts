/**
 * Python `repr()` of the few value kinds MLflow puts in its search error messages
 * (strings, numbers, booleans, `None`, lists, tuples and sets of those), so our messages
 * read exactly like the reference server's.
 *
 * @module
 */

/** A value as Python's `ast.literal_eval` would give it (the subset we need). */
export type PyValue =
  | string
  | { readonly py: "int"; readonly value: bigint }
  | { readonly py: "float"; readonly value: number }
  | { readonly py: "bytes"; readonly value: string }
  | boolean
  | null
  | { readonly py: "tuple"; readonly items: readonly PyValue[] }
  | { readonly py: "list"; readonly items: readonly PyValue[] };

/** Python's `repr(str)`. */
export function reprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (isPrintable(ch, cp)) out += ch;
    else if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + quote;
}

function isPrintable(ch: string, cp: number): boolean {
  if (cp === 0x20) return true;
  // Python treats categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs (except space) as non-printable.
  return !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 ≤ |x| < 1e16. */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant = "0", expStr = "0"] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = exp < 0 ? `-${String(-exp).padStart(2, "0")}` : `+${String(exp).padStart(2, "0")}`;
    return `${sign}${m}e${e}`;
  }
  if (exp >= 0) {
    const intPart = digits.length > exp + 1
      ? digits.slice(0, exp + 1)
      : digits.padEnd(exp + 1, "0");
    const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : "0";
    return `${sign}${intPart}.${frac}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

/** Python's `repr()` of a literal value. */
export function reprValue(v: PyValue): string {
  if (typeof v === "string") return reprStr(v);
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  switch (v.py) {
    case "int":
      return v.value.toString();
    case "float":
      return reprFloat(v.value);
    case "bytes":
      return "b" + reprStr(v.value);
    case "list":
      return `[${v.items.map(reprValue).join(", ")}]`;
    case "tuple":
      return v.items.length === 1
        ? `(${reprValue(v.items[0] as PyValue)},)`
        : `(${v.items.map(reprValue).join(", ")})`;
  }
}

/** Python's `repr(list_of_str)`. */
export function reprStrList(items: readonly string[]): string {
  return `[${items.map(reprStr).join(", ")}]`;
}

/** Python's `repr(tuple_of_str)`. */
export function reprStrTuple(items: readonly string[]): string {
  return items.length === 1
    ? `(${reprStr(items[0] as string)},)`
    : `(${items.map(reprStr).join(", ")})`;
}

/**
 * Python's `repr(set_of_str)`. Python orders a set by hash, which differs per process;
 * we keep the order given, so messages are stable.
 */
export function reprStrSet(items: Iterable<string>): string {
  return `{${[...items].map(reprStr).join(", ")}}`;
}
