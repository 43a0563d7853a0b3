/**
 * Parser for condition expressions (ConditionExpression, FilterExpression, KeyConditionExpression).
 *
 * Precedence, loosest first: OR, AND, NOT, then comparisons, BETWEEN, IN and functions; parentheses
 * group. Literal operands are type-checked at parse time as DynamoDB does.
 *
 * @module
 */
import { compareValues, typeOf } from "../values.ts";
import type { Comparator, Condition, Operand, PathOperand, ValueOperand } from "./ast.ts";
import { formatPath } from "./ast.ts";
import type { ExpressionContext } from "./context.ts";
import { ExpressionSyntaxError } from "./lexer.ts";
import { TokenStream, withLabel } from "./token_stream.ts";

const COMPARATORS = new Set(["=", "<>", "<", "<=", ">", ">="]);
const CONDITION_FUNCTIONS = new Set([
  "attribute_exists",
  "attribute_not_exists",
  "attribute_type",
  "begins_with",
  "contains",
]);
const UPDATE_FUNCTIONS = new Set(["if_not_exists", "list_append"]);
const TYPE_NAMES = ["N", "BS", "L", "B", "NULL", "M", "S", "SS", "NS", "BOOL"];
const MAX_IN_OPERANDS = 100;
const PARENTHESIZED = new WeakSet<Condition>();

/** Parses a condition; `label` names the parameter in error messages ("ConditionExpression"). */
export function parseCondition(source: string, ctx: ExpressionContext, label: string): Condition {
  return withLabel(label, () => {
    const s = new TokenStream(source, ctx);
    const c = parseOr(s);
    s.expectEnd();
    return c;
  });
}

function parseOr(s: TokenStream): Condition {
  let left = parseAnd(s);
  while (s.acceptKeyword("OR")) left = { kind: "or", left, right: parseAnd(s) };
  return left;
}

function parseAnd(s: TokenStream): Condition {
  let left = parseNot(s);
  while (s.acceptKeyword("AND")) left = { kind: "and", left, right: parseNot(s) };
  return left;
}

function parseNot(s: TokenStream): Condition {
  if (s.acceptKeyword("NOT")) return { kind: "not", operand: parseNot(s) };
  return parsePrimary(s);
}

function notAllowed(fn: string): ExpressionSyntaxError {
  return new ExpressionSyntaxError(
    `The function is not allowed to be used this way in an expression; function: ${fn}`,
  );
}

function isFunctionCall(s: TokenStream): boolean {
  return s.peek().kind === "identifier" && s.isPunct("(", 1);
}

function parsePrimary(s: TokenStream): Condition {
  if (s.acceptPunct("(")) {
    const c = parseOr(s);
    s.expectPunct(")");
    if (PARENTHESIZED.has(c)) {
      throw new ExpressionSyntaxError("The expression has redundant parentheses;");
    }
    // Only a group that directly wraps another group is redundant.
    const group = { ...c } as Condition;
    PARENTHESIZED.add(group);
    return group;
  }
  if (isFunctionCall(s)) {
    const fn = s.peek().text;
    if (CONDITION_FUNCTIONS.has(fn)) {
      s.next();
      const c = conditionFunction(fn, parseArgs(s));
      const t = s.peek();
      if (
        (t.kind === "punct" && COMPARATORS.has(t.text)) || s.isKeyword("BETWEEN") ||
        s.isKeyword("IN")
      ) {
        throw notAllowed(fn);
      }
      return c;
    }
    if (fn !== "size") {
      throw UPDATE_FUNCTIONS.has(fn) ? notInCondition(fn) : invalidFunction(fn);
    }
  }
  const left = parseOperand(s);
  const t = s.peek();
  if (t.kind === "punct" && COMPARATORS.has(t.text)) {
    s.next();
    const right = parseOperand(s);
    return checkCompare({ kind: "compare", op: t.text as Comparator, left, right });
  }
  if (s.acceptKeyword("BETWEEN")) {
    const low = parseOperand(s);
    if (!s.acceptKeyword("AND")) throw s.error();
    const high = parseOperand(s);
    return checkBetween(left, low, high);
  }
  if (s.acceptKeyword("IN")) {
    s.expectPunct("(");
    const list = [parseOperand(s)];
    while (s.acceptPunct(",")) list.push(parseOperand(s));
    s.expectPunct(")");
    if (list.length > MAX_IN_OPERANDS) {
      throw new ExpressionSyntaxError(
        `The IN operator is provided with too many operands; number of operands: ${list.length}`,
      );
    }
    for (const o of list) distinct("IN", left, o);
    return { kind: "in", operand: left, list };
  }
  if (left.kind === "size") throw notAllowed("size");
  throw s.error();
}

function notInCondition(fn: string): ExpressionSyntaxError {
  return new ExpressionSyntaxError(
    `The function is not allowed in a condition expression; function: ${fn}`,
  );
}

function invalidFunction(fn: string): ExpressionSyntaxError {
  return new ExpressionSyntaxError(`Invalid function name; function: ${fn}`);
}

function parseArgs(s: TokenStream): Operand[] {
  s.expectPunct("(");
  const args = [parseOperand(s)];
  while (s.acceptPunct(",")) args.push(parseOperand(s));
  s.expectPunct(")");
  return args;
}

/** Parses a path, a `:value` or `size(path)`. */
export function parseOperand(s: TokenStream): Operand {
  const t = s.peek();
  if (t.kind === "valueRef") return s.parseValue();
  if (isFunctionCall(s)) {
    s.next();
    if (t.text === "size") {
      const args = parseArgs(s);
      arity("size", args, 1);
      operandType("size", args[0]!, []);
      return { kind: "size", path: requirePath("size", args[0]!) };
    }
    if (UPDATE_FUNCTIONS.has(t.text)) throw notInCondition(t.text);
    if (CONDITION_FUNCTIONS.has(t.text)) throw notAllowed(t.text);
    throw invalidFunction(t.text);
  }
  if (s.atPath()) return s.parsePath();
  throw s.error();
}

function arity(fn: string, args: Operand[], n: number): void {
  if (args.length !== n) {
    throw new ExpressionSyntaxError(
      `Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${args.length}`,
    );
  }
}

function requirePath(fn: string, o: Operand): PathOperand {
  if (o.kind !== "path") {
    throw new ExpressionSyntaxError(
      `Operator or function requires a document path; operator or function: ${fn}`,
    );
  }
  return o;
}

function operandType(fn: string, o: Operand, allowed: readonly string[]): void {
  if (o.kind !== "value") return;
  const t = typeOf(o.value);
  if (!allowed.includes(t)) {
    throw new ExpressionSyntaxError(
      `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${t}`,
    );
  }
}

function conditionFunction(fn: string, args: Operand[]): Condition {
  switch (fn) {
    case "attribute_exists":
    case "attribute_not_exists":
      arity(fn, args, 1);
      return {
        kind: "exists",
        path: requirePath(fn, args[0]!),
        negate: fn === "attribute_not_exists",
      };
    case "attribute_type": {
      arity(fn, args, 2);
      const path = requirePath(fn, args[0]!);
      const type = args[1]!;
      if (type.kind !== "value" || type.value.S === undefined) {
        throw new ExpressionSyntaxError(
          `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${
            type.kind === "value" ? typeOf(type.value) : "PATH"
          }`,
        );
      }
      if (!TYPE_NAMES.includes(type.value.S)) {
        throw new ExpressionSyntaxError(
          `Invalid attribute type name found; type: ${type.value.S}, valid types: {${
            TYPE_NAMES.join(",")
          }}`,
        );
      }
      return { kind: "attribute_type", path, type: type as ValueOperand };
    }
    case "begins_with":
      arity(fn, args, 2);
      operandType(fn, args[0]!, ["S", "B"]);
      operandType(fn, args[1]!, ["S", "B"]);
      distinct(fn, args[0]!, args[1]!);
      return { kind: "begins_with", left: args[0]!, right: args[1]! };
    default:
      arity(fn, args, 2);
      distinct(fn, args[0]!, args[1]!);
      return { kind: "contains", left: args[0]!, right: args[1]! };
  }
}

function samePath(a: Operand, b: Operand): boolean {
  return a.kind === "path" && b.kind === "path" &&
    a.elements.length === b.elements.length && a.elements.every((e, i) => e === b.elements[i]);
}

function distinct(op: string, first: Operand, other: Operand): void {
  if (samePath(first, other)) {
    throw new ExpressionSyntaxError(
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${
        formatPath(first as PathOperand)
      }`,
    );
  }
}

function checkCompare(c: Condition & { kind: "compare" }): Condition {
  if (c.op !== "=" && c.op !== "<>") {
    operandType(c.op, c.left, ["S", "N", "B"]);
    operandType(c.op, c.right, ["S", "N", "B"]);
  }
  distinct(c.op, c.left, c.right);
  return c;
}

/** `{N:5}` as in DynamoDB's messages. */
function show(o: ValueOperand): string {
  const t = typeOf(o.value);
  const v = (o.value as unknown as Record<string, unknown>)[t];
  return `AttributeValue: {${t}:${v instanceof Uint8Array ? `[${v.length} bytes]` : v}}`;
}

function checkBetween(operand: Operand, low: Operand, high: Operand): Condition {
  operandType("BETWEEN", operand, ["S", "N", "B"]);
  operandType("BETWEEN", low, ["S", "N", "B"]);
  operandType("BETWEEN", high, ["S", "N", "B"]);
  distinct("BETWEEN", operand, low);
  distinct("BETWEEN", operand, high);
  if (low.kind === "value" && high.kind === "value") {
    const order = compareValues(low.value, high.value);
    if (order === undefined) {
      throw new ExpressionSyntaxError(
        `The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: ${
          show(low)
        }, upper bound operand: ${show(high)}`,
      );
    }
    if (order > 0) {
      throw new ExpressionSyntaxError(
        `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: ${
          show(low)
        }, upper bound operand: ${show(high)}`,
      );
    }
  }
  return { kind: "between", operand, low, high };
}
