/**
 * Python's view of a JSON request value, for MLflow's validation messages.
 *
 * MLflow echoes a bad value with `json.dumps(value, sort_keys=True, separators=(",", ":"))` and
 * names its Python type. Python keeps what JavaScript's `JSON.parse` loses: `9.0` is a float
 * (echoed `9.0`, type `float`) while `9` is an int, and big integers stay exact. So when a
 * message needs it, the body is parsed again keeping each number's source text
 * ({@link parseKeepingNumbers}), and {@link pyJsonDumps}/{@link pyTypeName} format it as Python.
 *
 * @module
 */
import { reprFloat } from "../search/py_repr.ts";

/** A JSON number with the text it was written as. */
export class SourceNumber {
  constructor(readonly value: number, readonly source: string) {}

  /** Python's `json.loads` makes a float of a literal with a fraction or an exponent. */
  get isFloat(): boolean {
    return /[.eE]/.test(this.source);
  }
}

/** `JSON.parse`, with every number a {@link SourceNumber}; a double-encoded body is unwrapped. */
export function parseKeepingNumbers(text: string): unknown {
  const reviver = function (_key: string, value: unknown, context?: { source?: string }) {
    return typeof value === "number"
      ? new SourceNumber(value, context?.source ?? String(value))
      : value;
  };
  const parsed: unknown = JSON.parse(text, reviver as (k: string, v: unknown) => unknown);
  return typeof parsed === "string"
    ? JSON.parse(parsed, reviver as (k: string, v: unknown) => unknown)
    : parsed;
}

/** Python's type name of a JSON value (`int`, `float`, `str`, `list`, `dict`, `bool`, `NoneType`). */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (v instanceof SourceNumber) return v.isFloat ? "float" : "int";
  if (Array.isArray(v)) return "list";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  return "dict";
}

function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return reprFloat(x);
}

function pyString(s: string): string {
  // ensure_ascii=True: everything outside printable ASCII is a \uXXXX escape (UTF-16 units).
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `json.dumps(v, sort_keys=True, separators=(",", ":"))` as Python writes it. */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof SourceNumber) {
    if (v.isFloat) return pyFloat(Number(v.source));
    try {
      return BigInt(v.source).toString();
    } catch {
      return String(v.value);
    }
  }
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  return `{${entries.map(([k, x]) => `${pyString(k)}:${pyJsonDumps(x)}`).join(",")}}`;
}
