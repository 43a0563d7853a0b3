/**
 * Syntax trees of parsed expressions. Names and values are already substituted
 * (`#n` → attribute name, `:v` → attribute value).
 *
 * @module
 */
import type { AV } from "../values.ts";

/** One step of a document path: an attribute or map key, or a list index. */
export type PathElement = string | number;

/** A document path such as `a.b[0].c`. */
export interface PathOperand {
  kind: "path";
  elements: PathElement[];
}

/** A value from ExpressionAttributeValues. */
export interface ValueOperand {
  kind: "value";
  value: AV;
  ref: string;
}

/** `size(path)`. */
export interface SizeOperand {
  kind: "size";
  path: PathOperand;
}

/** An operand of a condition. */
export type Operand = PathOperand | ValueOperand | SizeOperand;

/** Comparison operators. */
export type Comparator = "=" | "<>" | "<" | "<=" | ">" | ">=";

/** A condition (ConditionExpression, FilterExpression, KeyConditionExpression). */
export type Condition =
  | { kind: "compare"; op: Comparator; left: Operand; right: Operand }
  | { kind: "between"; operand: Operand; low: Operand; high: Operand }
  | { kind: "in"; operand: Operand; list: Operand[] }
  | { kind: "exists"; path: PathOperand; negate: boolean }
  | { kind: "attribute_type"; path: PathOperand; type: ValueOperand }
  | { kind: "begins_with"; left: Operand; right: Operand }
  | { kind: "contains"; left: Operand; right: Operand }
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "not"; operand: Condition };

/** An operand of a SET action. */
export type UpdateOperand =
  | PathOperand
  | ValueOperand
  | { kind: "if_not_exists"; path: PathOperand; fallback: UpdateOperand }
  | { kind: "list_append"; left: UpdateOperand; right: UpdateOperand };

/** The right-hand side of a SET action. */
export type SetValue =
  | UpdateOperand
  | { kind: "arith"; op: "+" | "-"; left: UpdateOperand; right: UpdateOperand };

/** A parsed UpdateExpression. */
export interface UpdateActions {
  set: { path: PathOperand; value: SetValue }[];
  remove: PathOperand[];
  add: { path: PathOperand; value: ValueOperand }[];
  delete: { path: PathOperand; value: ValueOperand }[];
}

/** Formats a path the way DynamoDB's messages do: `[a, b, [0]]`. */
export function formatPath(path: PathOperand | PathElement[]): string {
  const elements = Array.isArray(path) ? path : path.elements;
  return `[${elements.map((e) => (typeof e === "number" ? `[${e}]` : e)).join(", ")}]`;
}
