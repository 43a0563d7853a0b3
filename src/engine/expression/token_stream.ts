/**
 * Cursor over tokens with the pieces every expression grammar shares: document paths,
 * `#name`/`:value` substitution, keywords and DynamoDB's error texts.
 *
 * @module
 */
import { validationError } from "../errors.ts";
import type { PathElement, PathOperand, ValueOperand } from "./ast.ts";
import type { ExpressionContext } from "./context.ts";
import { ExpressionSyntaxError, type Token, tokenize } from "./lexer.ts";
import { isReservedWord } from "./reserved_words.ts";

// Words the expression grammar itself uses: never attribute names, even where unambiguous.
const KEYWORDS = new Set(["and", "or", "not", "between", "in", "set", "remove", "add", "delete"]);

/** Longest expression DynamoDB accepts, in bytes. */
export const MAX_EXPRESSION_SIZE = 4096;

/**
 * Error classes in the order DynamoDB reports them: after the syntax (which fails at once), the
 * first reserved word, then undefined names, overlapping paths, undefined values, and last the
 * semantic checks (operand types, function use).
 */
export const RESERVED = 1;
export const UNDEFINED_NAME = 2;
export const OVERLAP = 3;
export const UNDEFINED_VALUE = 4;
export const SEMANTIC = 5;

/** A parser's view of one expression. */
export class TokenStream {
  readonly tokens: Token[];
  pos = 0;
  readonly #deferred: (ExpressionSyntaxError | undefined)[] = [];

  constructor(readonly source: string, readonly ctx: ExpressionContext) {
    if (new TextEncoder().encode(source).length > MAX_EXPRESSION_SIZE) {
      throw new ExpressionSyntaxError(
        `Expression size has exceeded the maximum allowed size; expression size: ${source.length}`,
      );
    }
    this.tokens = tokenize(source);
    if (this.tokens.length === 1) {
      throw new ExpressionSyntaxError("The expression can not be empty;");
    }
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  /** True when the current token is the punctuation `p`. */
  isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "punct" && t.text === p;
  }

  /** True when the current token is the keyword `word` (case-insensitive). */
  isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "identifier" && t.text.toUpperCase() === word;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.next();
    return true;
  }

  acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.next();
    return true;
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.error();
  }

  expectEnd(): void {
    if (this.peek().kind !== "eof") throw this.error();
  }

  /**
   * Records an error to report once parsing is complete (see {@link SEMANTIC} etc.); per class the
   * first one wins, or the last one with `last` (DynamoDB checks update actions back to front).
   */
  defer(priority: number, error: ExpressionSyntaxError, last = false): void {
    if (last) this.#deferred[priority] = error;
    else this.#deferred[priority] ??= error;
  }

  /** Requires the end of input, then throws the most important deferred error, if any. */
  finish(): void {
    this.expectEnd();
    const first = this.#deferred.find((e) => e !== undefined);
    if (first) throw first;
  }

  /** DynamoDB's syntax error at the current token (or at `pos`). */
  error(pos = this.pos): ExpressionSyntaxError {
    const token = this.tokens[pos]!;
    const prev = pos > 0 ? this.tokens[pos - 1]! : token;
    const next = this.tokens[pos + 1];
    const end = next && next.kind !== "eof" ? next.end : token.end;
    return new ExpressionSyntaxError(
      `Syntax error; token: "${token.text}", near: "${this.source.slice(prev.start, end)}"`,
    );
  }

  /** True when a document path starts here. */
  atPath(): boolean {
    const t = this.peek();
    return t.kind === "nameRef" || (t.kind === "identifier" && !this.isPunct("(", 1));
  }

  /** Parses `name(.name | [n])*` with substitution and the reserved-word check. */
  parsePath(): PathOperand {
    const elements: PathElement[] = [this.pathName()];
    for (;;) {
      if (this.acceptPunct(".")) {
        elements.push(this.pathName());
      } else if (this.isPunct("[")) {
        this.next();
        const t = this.peek();
        if (t.kind !== "integer") throw this.error();
        this.next();
        this.expectPunct("]");
        elements.push(Number(t.text));
      } else {
        return { kind: "path", elements };
      }
    }
  }

  private pathName(): string {
    const t = this.peek();
    if (t.kind === "nameRef") {
      this.next();
      try {
        return this.ctx.name(t.text);
      } catch (e) {
        if (!(e instanceof ExpressionSyntaxError)) throw e;
        this.defer(UNDEFINED_NAME, e);
        return t.text;
      }
    }
    if (t.kind === "identifier") {
      if (KEYWORDS.has(t.text.toLowerCase())) throw this.error();
      if (isReservedWord(t.text)) {
        this.defer(
          RESERVED,
          new ExpressionSyntaxError(
            `Attribute name is a reserved keyword; reserved keyword: ${t.text}`,
          ),
        );
      }
      this.next();
      return t.text;
    }
    throw this.error();
  }

  /** Parses `:value` (an undefined one is reported at the end; NULL stands in meanwhile). */
  parseValue(): ValueOperand {
    const t = this.peek();
    if (t.kind !== "valueRef") throw this.error();
    this.next();
    try {
      return { kind: "value", value: this.ctx.value(t.text), ref: t.text };
    } catch (e) {
      if (!(e instanceof ExpressionSyntaxError)) throw e;
      this.defer(UNDEFINED_VALUE, e);
      return { kind: "value", value: { NULL: true }, ref: t.text };
    }
  }
}

/** Runs `parse`, turning expression errors into DynamoDB's ValidationException for `label`. */
export function withLabel<T>(label: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw validationError(`Invalid ${label}: ${e.detail}`);
    throw e;
  }
}
