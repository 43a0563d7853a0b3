/**
 * Parser for condition expressions (ConditionExpression, FilterExpression, KeyConditionExpression).
 *
 * Precedence, loosest first: OR, AND, NOT, then comparisons, BETWEEN, IN and functions; parentheses
 * group. Syntax errors stop the parse; the other errors are collected and the most important one
 * is reported at the end, in DynamoDB's order (see {@link TokenStream.defer}).
 *
 * @module
 */
import { compareValues, typeOf } from "../values.ts";
import type { Comparator, Condition, Operand, PathOperand, ValueOperand } from "./ast.ts";
import { formatPath } from "./ast.ts";
import type { ExpressionContext } from "./context.ts";
import { ExpressionSyntaxError } from "./lexer.ts";
import { SEMANTIC, TokenStream, withLabel } from "./token_stream.ts";

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
const SCALARS = ["S", "N", "B"];

/** Stands in for a part that is already known to be an error. */
const NOTHING: PathOperand = { kind: "path", elements: ["?"] };
const NO_CONDITION: Condition = { kind: "exists", path: NOTHING, negate: false };

/** Parses a condition; `label` names the parameter in error messages ("ConditionExpression"). */
export function parseCondition(source: string, ctx: ExpressionContext, label: string): Condition {
  return withLabel(label, () => {
    const s = new TokenStream(source, ctx);
    const c = parseOr(s);
    s.finish();
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

function semantic(s: TokenStream, message: string): void {
  s.defer(SEMANTIC, new ExpressionSyntaxError(message));
}

function notAllowed(s: TokenStream, fn: string): void {
  semantic(s, `The function is not allowed to be used this way in an expression; function: ${fn}`);
}

function misplacedFunction(s: TokenStream, fn: string): void {
  if (UPDATE_FUNCTIONS.has(fn)) {
    semantic(s, `The function is not allowed in a condition expression; function: ${fn}`);
  } else if (CONDITION_FUNCTIONS.has(fn) || fn === "size") {
    notAllowed(s, fn);
  } else {
    semantic(s, `Invalid function name; function: ${fn}`);
  }
}

function isFunctionCall(s: TokenStream): boolean {
  return s.peek().kind === "identifier" && s.isPunct("(", 1);
}

function atComparison(s: TokenStream): boolean {
  const t = s.peek();
  return (t.kind === "punct" && COMPARATORS.has(t.text)) || s.isKeyword("BETWEEN") ||
    s.isKeyword("IN");
}

function parsePrimary(s: TokenStream): Condition {
  if (s.acceptPunct("(")) {
    const c = parseOr(s);
    s.expectPunct(")");
    if (PARENTHESIZED.has(c)) semantic(s, "The expression has redundant parentheses;");
    // Only a group that directly wraps another group is redundant.
    const group = { ...c } as Condition;
    PARENTHESIZED.add(group);
    return group;
  }
  if (isFunctionCall(s) && s.peek().text !== "size") {
    const fn = s.next().text;
    const args = parseArgs(s);
    if (!CONDITION_FUNCTIONS.has(fn) || atComparison(s)) {
      misplacedFunction(s, fn);
      if (atComparison(s)) comparison(s, NOTHING);
      return NO_CONDITION;
    }
    return conditionFunction(s, fn, args);
  }
  const left = parseOperand(s);
  if (!atComparison(s) && left.kind === "size") {
    notAllowed(s, "size");
    return NO_CONDITION;
  }
  return comparison(s, left);
}

function comparison(s: TokenStream, left: Operand): Condition {
  const t = s.peek();
  if (t.kind === "punct" && COMPARATORS.has(t.text)) {
    s.next();
    const right = parseOperand(s);
    return checkCompare(s, { kind: "compare", op: t.text as Comparator, left, right });
  }
  if (s.acceptKeyword("BETWEEN")) {
    const low = parseOperand(s);
    if (!s.acceptKeyword("AND")) throw s.error();
    const high = parseOperand(s);
    return checkBetween(s, left, low, high);
  }
  if (s.acceptKeyword("IN")) {
    s.expectPunct("(");
    const list = [parseOperand(s)];
    while (s.acceptPunct(",")) list.push(parseOperand(s));
    s.expectPunct(")");
    if (list.length > MAX_IN_OPERANDS) {
      semantic(
        s,
        `The IN operator is provided with too many operands; number of operands: ${list.length}`,
      );
    }
    for (const o of list) distinct(s, "IN", left, o);
    return { kind: "in", operand: left, list };
  }
  throw s.error();
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
    const args = parseArgs(s);
    if (t.text !== "size") {
      misplacedFunction(s, t.text);
      return NOTHING;
    }
    arity(s, "size", args, 1);
    operandType(s, "size", args[0]!, []);
    return { kind: "size", path: requirePath(s, "size", args[0]!) };
  }
  if (s.atPath()) return s.parsePath();
  throw s.error();
}

function arity(s: TokenStream, fn: string, args: Operand[], n: number): boolean {
  if (args.length === n) return true;
  semantic(
    s,
    `Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${args.length}`,
  );
  return false;
}

function requirePath(s: TokenStream, fn: string, o: Operand | undefined): PathOperand {
  if (o?.kind === "path") return o;
  semantic(s, `Operator or function requires a document path; operator or function: ${fn}`);
  return NOTHING;
}

function operandType(s: TokenStream, fn: string, o: Operand, allowed: readonly string[]): void {
  if (o.kind !== "value") return;
  const t = typeOf(o.value);
  if (!allowed.includes(t)) {
    semantic(
      s,
      `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${t}`,
    );
  }
}

function conditionFunction(s: TokenStream, fn: string, args: Operand[]): Condition {
  switch (fn) {
    case "attribute_exists":
    case "attribute_not_exists":
      arity(s, fn, args, 1);
      return {
        kind: "exists",
        path: requirePath(s, fn, args[0]),
        negate: fn === "attribute_not_exists",
      };
    case "attribute_type": {
      if (!arity(s, fn, args, 2)) return NO_CONDITION;
      const path = requirePath(s, fn, args[0]);
      const type = args[1]!;
      if (type.kind !== "value" || type.value.S === undefined) {
        operandType(s, fn, type, ["S"]);
        return NO_CONDITION;
      }
      if (!TYPE_NAMES.includes(type.value.S)) {
        semantic(
          s,
          `Invalid attribute type name found; type: ${type.value.S}, valid types: {${
            TYPE_NAMES.join(",")
          }}`,
        );
      }
      return { kind: "attribute_type", path, type: type as ValueOperand };
    }
    case "begins_with":
    case "contains": {
      if (!arity(s, fn, args, 2)) return NO_CONDITION;
      const [left, right] = args as [Operand, Operand];
      if (fn === "begins_with") {
        operandType(s, fn, left, ["S", "B"]);
        operandType(s, fn, right, ["S", "B"]);
      }
      distinct(s, fn, left, right);
      return { kind: fn, left, right };
    }
    default:
      return NO_CONDITION;
  }
}

function samePath(a: Operand, b: Operand): boolean {
  return a.kind === "path" && b.kind === "path" &&
    a.elements.length === b.elements.length && a.elements.every((e, i) => e === b.elements[i]);
}

function distinct(s: TokenStream, op: string, first: Operand, other: Operand): void {
  if (samePath(first, other)) {
    semantic(
      s,
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${
        formatPath(first as PathOperand)
      }`,
    );
  }
}

function checkCompare(s: TokenStream, c: Condition & { kind: "compare" }): Condition {
  if (c.op !== "=" && c.op !== "<>") {
    operandType(s, c.op, c.left, SCALARS);
    operandType(s, c.op, c.right, SCALARS);
  }
  distinct(s, c.op, c.left, c.right);
  return c;
}

/** `{N:5}` as in DynamoDB's messages. */
function show(o: ValueOperand): string {
  const t = typeOf(o.value);
  const v = (o.value as unknown as Record<string, unknown>)[t];
  return `AttributeValue: {${t}:${v instanceof Uint8Array ? `[${v.length} bytes]` : v}}`;
}

function checkBetween(s: TokenStream, operand: Operand, low: Operand, high: Operand): Condition {
  for (const o of [operand, low, high]) operandType(s, "BETWEEN", o, SCALARS);
  distinct(s, "BETWEEN", operand, low);
  distinct(s, "BETWEEN", operand, high);
  if (low.kind === "value" && high.kind === "value") {
    const order = compareValues(low.value, high.value);
    if (order === undefined) {
      semantic(
        s,
        `The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: ${
          show(low)
        }, upper bound operand: ${show(high)}`,
      );
    } else if (order > 0) {
      semantic(
        s,
        `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: ${
          show(low)
        }, upper bound operand: ${show(high)}`,
      );
    }
  }
  return { kind: "between", operand, low, high };
}
