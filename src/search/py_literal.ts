/**
 * A small reader for the Python literal MLflow evaluates (`ast.literal_eval`) when a
 * filter has `IN (...)`: `('a', 'b')`, `('a',)`, `('a' 'b')` (adjacent strings join),
 * numbers, `True`/`False`/`None`, nested tuples and lists. Anything else is "ill-formed".
 *
 * @module
 */

import type { PyValue } from "./py_repr.ts";

/** The literal could not be read (Python would raise `SyntaxError` or `ValueError`). */
export class PyLiteralError extends Error {
  override name = "PyLiteralError";
}

type Tok =
  | { k: "str"; bytes: boolean; value: string }
  | { k: "num"; value: PyValue }
  | { k: "name"; value: string }
  | { k: "op"; value: string }
  | { k: "end" };

const NUMBER_RE =
  /(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?[jJ]?)/y;
const STRING_START_RE = /([rRuUbBfF]{0,2})('''|"""|'|")/y;
const NAME_RE = /[\p{L}_][\p{L}\p{N}_]*/uy;

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    STRING_START_RE.lastIndex = i;
    const sm = STRING_START_RE.exec(src);
    if (sm) {
      const prefix = (sm[1] ?? "").toLowerCase();
      const quote = sm[2] ?? "'";
      if (prefix.includes("f") || (prefix.length === 2 && !prefix.includes("r"))) {
        throw new PyLiteralError("unsupported string prefix");
      }
      const [value, next] = readString(src, i + sm[0].length, quote, prefix.includes("r"));
      toks.push({ k: "str", bytes: prefix.includes("b"), value });
      i = next;
      continue;
    }
    if (/[\d.]/.test(ch)) {
      NUMBER_RE.lastIndex = i;
      const nm = NUMBER_RE.exec(src);
      if (nm && nm[0] !== "." && nm[0].length > 0) {
        toks.push({ k: "num", value: readNumber(nm[0]) });
        i += nm[0].length;
        if (i < src.length && /[\p{L}\p{N}_]/u.test(src[i] as string)) {
          throw new PyLiteralError("invalid number");
        }
        continue;
      }
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(src);
    if (name) {
      toks.push({ k: "name", value: name[0] });
      i += name[0].length;
      continue;
    }
    if ("()[],+-".includes(ch)) {
      toks.push({ k: "op", value: ch });
      i++;
      continue;
    }
    throw new PyLiteralError(`unexpected character ${ch}`);
  }
  toks.push({ k: "end" });
  return toks;
}

function readString(src: string, start: number, quote: string, raw: boolean): [string, number] {
  let out = "";
  let i = start;
  while (i < src.length) {
    if (src.startsWith(quote, i)) return [out, i + quote.length];
    const ch = src[i] as string;
    if (ch === "\n" && quote.length === 1) throw new PyLiteralError("EOL in string");
    if (ch === "\\") {
      const nx = src[i + 1];
      if (nx === undefined) break;
      if (raw) {
        out += "\\" + nx;
        i += 2;
        continue;
      }
      const [text, used] = readEscape(src, i + 1);
      out += text;
      i += 1 + used;
      continue;
    }
    out += ch;
    i++;
  }
  throw new PyLiteralError("unterminated string");
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\n": "",
};

function readEscape(src: string, at: number): [string, number] {
  const c = src[at] as string;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const oct = /^[0-7]{1,3}/.exec(src.slice(at, at + 3));
  if (oct) return [String.fromCodePoint(parseInt(oct[0], 8)), oct[0].length];
  const widths: Record<string, number> = { x: 2, u: 4, U: 8 };
  const width = widths[c];
  if (width !== undefined) {
    const hex = src.slice(at + 1, at + 1 + width);
    if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new PyLiteralError("bad escape");
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) throw new PyLiteralError("bad escape");
    return [String.fromCodePoint(cp), 1 + width];
  }
  if (c === "N") throw new PyLiteralError("named escapes are not supported");
  return ["\\" + c, 1];
}

function readNumber(text: string): PyValue {
  const t = text.replaceAll("_", "");
  if (/[jJ]$/.test(t)) throw new PyLiteralError("complex numbers are not supported");
  if (/^0[xXoObB]/.test(t)) return { py: "int", value: BigInt(t.toLowerCase()) };
  if (/[.eE]/.test(t)) return { py: "float", value: Number(t) };
  if (/^0+\d/.test(t)) throw new PyLiteralError("leading zeros");
  return { py: "int", value: BigInt(t) };
}

class Reader {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(): Tok {
    return this.toks[this.pos] ?? { k: "end" };
  }

  take(): Tok {
    const t = this.peek();
    this.pos++;
    return t;
  }

  isOp(v: string): boolean {
    const t = this.peek();
    return t.k === "op" && t.value === v;
  }

  expectOp(v: string): void {
    if (!this.isOp(v)) throw new PyLiteralError(`expected ${v}`);
    this.pos++;
  }

  value(): PyValue {
    const t = this.take();
    switch (t.k) {
      case "str": {
        let value = t.value;
        while (this.peek().k === "str") {
          const more = this.take() as { k: "str"; bytes: boolean; value: string };
          if (more.bytes !== t.bytes) throw new PyLiteralError("cannot mix bytes and str");
          value += more.value;
        }
        return t.bytes ? { py: "bytes", value } : value;
      }
      case "num":
        return t.value;
      case "name":
        if (t.value === "True") return true;
        if (t.value === "False") return false;
        if (t.value === "None") return null;
        throw new PyLiteralError(`malformed node: ${t.value}`);
      case "op":
        if (t.value === "+" || t.value === "-") return this.signed(t.value);
        if (t.value === "(") return this.sequence(")", "tuple");
        if (t.value === "[") return this.sequence("]", "list");
        throw new PyLiteralError(`unexpected ${t.value}`);
      case "end":
        throw new PyLiteralError("unexpected end");
    }
  }

  private signed(sign: string): PyValue {
    const v = this.value();
    if (typeof v === "object" && v !== null && (v.py === "int" || v.py === "float")) {
      if (sign === "+") return v;
      return v.py === "int" ? { py: "int", value: -v.value } : { py: "float", value: -v.value };
    }
    throw new PyLiteralError("malformed unary operand");
  }

  private sequence(close: string, kind: "tuple" | "list"): PyValue {
    const items: PyValue[] = [];
    let trailingComma = false;
    while (!this.isOp(close)) {
      items.push(this.value());
      trailingComma = false;
      if (this.isOp(",")) {
        this.take();
        trailingComma = true;
      } else if (!this.isOp(close)) {
        throw new PyLiteralError("expected , or " + close);
      }
    }
    this.expectOp(close);
    if (kind === "tuple" && items.length === 1 && !trailingComma) return items[0] as PyValue;
    return { py: kind, items };
  }
}

/** `ast.literal_eval(text)` for the literal kinds above; throws {@link PyLiteralError}. */
export function pyLiteralEval(text: string): PyValue {
  const reader = new Reader(tokenize(text.replace(/^[ \t]+/, "")));
  const v = reader.value();
  if (reader.peek().k !== "end") throw new PyLiteralError("trailing input");
  return v;
}
