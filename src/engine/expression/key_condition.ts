/**
 * KeyConditionExpression: `hash = :v [AND range (= | < | <= | > | >= | BETWEEN | begins_with)]`,
 * turned into the partition value and a range predicate.
 *
 * @module
 */
import { validationError } from "../errors.ts";
import type { KeyAttribute } from "../schema.ts";
import { type AV, typeOf } from "../values.ts";
import type { Comparator, Condition, Operand } from "./ast.ts";
import { parseCondition } from "./condition_parser.ts";
import type { ExpressionContext } from "./context.ts";

/** A condition on the sort key. */
export type RangeCondition =
  | { op: "=" | "<" | "<=" | ">" | ">="; value: AV }
  | { op: "between"; low: AV; high: AV }
  | { op: "begins_with"; prefix: AV };

/** A parsed key condition. */
export interface KeyCondition {
  hash: AV;
  range?: RangeCondition;
}

const FLIP: Record<string, Comparator> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

function unsupported(): Error {
  return validationError("Query key condition not supported");
}

function invalidOperator(op: string): Error {
  return validationError(`Invalid operator used in KeyConditionExpression: ${op}`);
}

function flatten(c: Condition, out: Condition[]): void {
  if (c.kind === "and") {
    flatten(c.left, out);
    flatten(c.right, out);
  } else {
    out.push(c);
  }
}

function attrName(o: Operand): string | undefined {
  if (o.kind === "size") {
    throw validationError("KeyConditionExpressions cannot contain nested operations");
  }
  if (o.kind !== "path") return undefined;
  if (o.elements.length !== 1) {
    throw validationError(
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${
        o.elements[0]
      }`,
    );
  }
  return o.elements[0] as string;
}

function onePath(a: Operand, b: Operand): void {
  if (a.kind === "path" && b.kind === "path") {
    throw validationError(
      "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
    );
  }
}

function literal(o: Operand): AV {
  if (o.kind !== "value") throw unsupported();
  return o.value;
}

/** Parses and checks a KeyConditionExpression against the queried key schema. */
export function parseKeyCondition(
  source: string,
  ctx: ExpressionContext,
  hash: KeyAttribute,
  range: KeyAttribute | undefined,
): KeyCondition {
  const parts: Condition[] = [];
  flatten(parseCondition(source, ctx, "KeyConditionExpression"), parts);
  if (parts.length > 2) {
    throw validationError("KeyConditionExpressions must only contain one condition per key");
  }
  const found = new Map<string, { op: string; values: AV[] }>();
  for (const c of parts) {
    let name: string | undefined;
    let op: string;
    let values: AV[];
    switch (c.kind) {
      case "compare": {
        if (c.op === "<>") throw invalidOperator("<>");
        onePath(c.left, c.right);
        const left = attrName(c.left);
        name = left ?? attrName(c.right);
        op = left ? c.op : FLIP[c.op]!;
        values = [literal(left ? c.right : c.left)];
        break;
      }
      case "between":
        name = attrName(c.operand);
        op = "between";
        values = [literal(c.low), literal(c.high)];
        break;
      case "begins_with":
        onePath(c.left, c.right);
        name = attrName(c.left);
        op = "begins_with";
        values = [literal(c.right)];
        break;
      case "or":
        throw invalidOperator("OR");
      case "not":
        throw invalidOperator("NOT");
      case "in":
        throw invalidOperator("IN");
      case "exists":
        throw invalidOperator(c.negate ? "attribute_not_exists" : "attribute_exists");
      default:
        throw invalidOperator(c.kind);
    }
    if (name === undefined) throw unsupported();
    if (name !== hash.name && name !== range?.name) {
      throw validationError(
        `Query condition missed key schema element: ${range?.name ?? hash.name}`,
      );
    }
    if (found.has(name)) {
      throw validationError("KeyConditionExpressions must only contain one condition per key");
    }
    found.set(name, { op, values });
  }
  const h = found.get(hash.name);
  if (!h) throw validationError(`Query condition missed key schema element: ${hash.name}`);
  if (h.op !== "=") throw unsupported();
  checkType(hash, h.values);
  const r = range ? found.get(range.name) : undefined;
  if (!r) return { hash: h.values[0]! };
  if (r.op === "begins_with" && range!.type === "N") {
    throw validationError(
      "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
    );
  }
  checkType(range!, r.values);
  const rangeCondition: RangeCondition = r.op === "between"
    ? { op: "between", low: r.values[0]!, high: r.values[1]! }
    : r.op === "begins_with"
    ? { op: "begins_with", prefix: r.values[0]! }
    : { op: r.op as "=", value: r.values[0]! };
  return { hash: h.values[0]!, range: rangeCondition };
}

function checkType(attr: KeyAttribute, values: AV[]): void {
  for (const v of values) {
    if (typeOf(v) !== attr.type) {
      throw validationError(
        "One or more parameter values were invalid: Condition parameter type does not match schema type",
      );
    }
  }
}
