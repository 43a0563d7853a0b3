/**
 * Tokenizer shared by all expression kinds (condition, filter, key condition, update, projection).
 *
 * @module
 */

/** Token kinds. */
export type TokenKind =
  | "identifier"
  | "nameRef"
  | "valueRef"
  | "integer"
  | "punct"
  | "invalid"
  | "eof";

/** One token with its position in the source. */
export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

/** Raised for malformed expressions; `detail` is DynamoDB's text after "Invalid <Kind>: ". */
export class ExpressionSyntaxError extends Error {
  override name = "ExpressionSyntaxError";
  constructor(readonly detail: string) {
    super(detail);
  }
}

const PUNCT2 = new Set(["<>", "<=", ">="]);
const PUNCT1 = new Set(["(", ")", "[", "]", ",", ".", "=", "<", ">", "+", "-"]);

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Splits `source` into tokens; the last token is always `eof`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === 35 /* # */ || c === 58 /* : */) {
      i++;
      while (i < n && isIdentChar(source.charCodeAt(i))) i++;
      if (i === start + 1) {
        const prev = tokens[tokens.length - 1];
        throw new ExpressionSyntaxError(
          `Syntax error; token: "${source[start]}", near: "${
            source.slice(prev?.start ?? start, i)
          }"`,
        );
      }
      tokens.push({
        kind: c === 35 ? "nameRef" : "valueRef",
        text: source.slice(start, i),
        start,
        end: i,
      });
      continue;
    }
    if (isDigit(c)) {
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      tokens.push({ kind: "integer", text: source.slice(start, i), start, end: i });
      continue;
    }
    if (isIdentChar(c)) {
      while (i < n && isIdentChar(source.charCodeAt(i))) i++;
      tokens.push({ kind: "identifier", text: source.slice(start, i), start, end: i });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      tokens.push({ kind: "punct", text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (PUNCT1.has(source[i]!)) {
      tokens.push({ kind: "punct", text: source[i]!, start, end: i + 1 });
      i++;
      continue;
    }
    // Unknown characters become tokens of their own; the parser reports them as syntax errors.
    const cp = source.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    tokens.push({ kind: "invalid", text: source.slice(i, i + width), start, end: i + width });
    i += width;
  }
  tokens.push({ kind: "eof", text: "<EOF>", start: n, end: n });
  return tokens;
}
