/**
 * Evaluates a parsed condition against an item (or against "no item" for a missing one), with
 * DynamoDB's rules: a missing attribute makes comparisons false (but `<>` true), comparisons across
 * types are false, and functions on the wrong type are false.
 *
 * @module
 */
import { type AV, compareBytes, compareValues, type Item, typeOf, valuesEqual } from "../values.ts";
import type { Condition, Operand } from "./ast.ts";
import { getPath } from "./document_path.ts";

const EMPTY: Item = {};

/** True when `item` (absent: `undefined`) satisfies `condition`. */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  return evaluate(condition, item ?? EMPTY);
}

function evaluate(c: Condition, item: Item): boolean {
  switch (c.kind) {
    case "and":
      return evaluate(c.left, item) && evaluate(c.right, item);
    case "or":
      return evaluate(c.left, item) || evaluate(c.right, item);
    case "not":
      return !evaluate(c.operand, item);
    case "exists":
      return (getPath(item, c.path.elements) !== undefined) !== c.negate;
    case "attribute_type": {
      const v = getPath(item, c.path.elements);
      return v !== undefined && typeOf(v) === c.type.value.S;
    }
    case "compare": {
      const a = operandValue(c.left, item);
      const b = operandValue(c.right, item);
      if (c.op === "<>") return a === undefined || b === undefined || !valuesEqual(a, b);
      if (a === undefined || b === undefined) return false;
      if (c.op === "=") return valuesEqual(a, b);
      const order = compareValues(a, b);
      if (order === undefined) return false;
      switch (c.op) {
        case "<":
          return order < 0;
        case "<=":
          return order <= 0;
        case ">":
          return order > 0;
        default:
          return order >= 0;
      }
    }
    case "between": {
      const v = operandValue(c.operand, item);
      const low = operandValue(c.low, item);
      const high = operandValue(c.high, item);
      if (v === undefined || low === undefined || high === undefined) return false;
      const a = compareValues(v, low);
      const b = compareValues(v, high);
      return a !== undefined && b !== undefined && a >= 0 && b <= 0;
    }
    case "in": {
      const v = operandValue(c.operand, item);
      if (v === undefined) return false;
      return c.list.some((o) => {
        const w = operandValue(o, item);
        return w !== undefined && valuesEqual(v, w);
      });
    }
    case "begins_with": {
      const a = operandValue(c.left, item);
      const b = operandValue(c.right, item);
      if (a === undefined || b === undefined) return false;
      if (a.S !== undefined && b.S !== undefined) return a.S.startsWith(b.S);
      if (a.B !== undefined && b.B !== undefined) {
        return b.B.length <= a.B.length && compareBytes(a.B.subarray(0, b.B.length), b.B) === 0;
      }
      return false;
    }
    case "contains": {
      const a = operandValue(c.left, item);
      const b = operandValue(c.right, item);
      return a !== undefined && b !== undefined && contains(a, b);
    }
  }
}

function contains(a: AV, b: AV): boolean {
  if (a.S !== undefined) return b.S !== undefined && a.S.includes(b.S);
  if (a.B !== undefined) return b.B !== undefined && indexOfBytes(a.B, b.B) >= 0;
  if (a.SS !== undefined) return b.S !== undefined && a.SS.includes(b.S);
  if (a.NS !== undefined) return b.N !== undefined && a.NS.some((n) => valuesEqual({ N: n }, b));
  if (a.BS !== undefined) {
    return b.B !== undefined && a.BS.some((x) => compareBytes(x, b.B!) === 0);
  }
  if (a.L !== undefined) return a.L.some((e) => valuesEqual(e, b));
  return false;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The value of an operand against an item; `undefined` when absent or not sizeable. */
export function operandValue(o: Operand, item: Item): AV | undefined {
  switch (o.kind) {
    case "value":
      return o.value;
    case "path":
      return getPath(item, o.elements);
    case "size": {
      const v = getPath(item, o.path.elements);
      const n = v === undefined ? undefined : sizeOf(v);
      return n === undefined ? undefined : { N: String(n) };
    }
  }
}

function sizeOf(v: AV): number | undefined {
  if (v.S !== undefined) return v.S.length;
  if (v.B !== undefined) return v.B.length;
  if (v.L !== undefined) return v.L.length;
  if (v.M !== undefined) return Object.keys(v.M).length;
  if (v.SS !== undefined) return v.SS.length;
  if (v.NS !== undefined) return v.NS.length;
  if (v.BS !== undefined) return v.BS.length;
  return undefined;
}
