/**
 * Applies parsed update actions to an item. All operands are evaluated against the item as it was
 * before the update, as DynamoDB does; the result is a new item (the input is not modified).
 *
 * @module
 */
import {
  addDecimal,
  formatDecimal,
  NumberError,
  parseDecimal,
  subtractDecimal,
} from "../decimal.ts";
import { validationError } from "../errors.ts";
import { type AV, binaryKey, cloneItem, cloneValue, type Item } from "../values.ts";
import type { PathElement, SetValue, UpdateActions, UpdateOperand } from "./ast.ts";
import { getPath, InvalidPathError, removePath, setPath } from "./document_path.ts";

function wrongType(): Error {
  return validationError("An operand in the update expression has an incorrect data type");
}

/** Returns the updated copy of `old` (or of `key` when the item does not exist yet). */
export function applyUpdate(actions: UpdateActions, old: Item | undefined, key: Item): Item {
  const base = old ?? key;
  const setValues = actions.set.map((a) => evaluateSet(a.value, base));
  const result = cloneItem(base);
  try {
    actions.set.forEach((a, i) => setPath(result, a.path.elements, setValues[i]!));
    const removes = actions.remove.map((p) => p.elements).sort(removeOrder);
    for (const path of removes) removePath(result, path);
    for (const { path, value } of actions.add) {
      const current = getPath(result, path.elements);
      setPath(result, path.elements, add(current, value.value));
    }
    for (const { path, value } of actions.delete) {
      const current = getPath(result, path.elements);
      if (current === undefined) {
        // Deleting from a missing set is a no-op, but its parent must exist.
        if (path.elements.length > 1 && !parentExists(result, path.elements)) {
          throw new InvalidPathError();
        }
        continue;
      }
      const remaining = subtractSet(current, value.value);
      if (remaining === undefined) removePath(result, path.elements);
      else setPath(result, path.elements, remaining);
    }
  } catch (e) {
    if (e instanceof InvalidPathError) throw validationError(e.message);
    throw e;
  }
  return result;
}

function parentExists(item: Item, path: PathElement[]): boolean {
  const parent = getPath(item, path.slice(0, -1));
  return typeof path[path.length - 1] === "number"
    ? parent?.L !== undefined
    : parent?.M !== undefined;
}

// Later list indexes first, so that removing one element does not shift the others.
function removeOrder(a: PathElement[], b: PathElement[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return y - x;
    return String(x) < String(y) ? -1 : 1;
  }
  return b.length - a.length;
}

function evaluateSet(v: SetValue, item: Item): AV {
  if (v.kind !== "arith") return evaluateOperand(v, item);
  const a = evaluateOperand(v.left, item);
  const b = evaluateOperand(v.right, item);
  if (a.N === undefined || b.N === undefined) throw wrongType();
  return { N: arithmetic(a.N, b.N, v.op) };
}

function arithmetic(a: string, b: string, op: "+" | "-"): string {
  try {
    const x = parseDecimal(a);
    const y = parseDecimal(b);
    return formatDecimal(op === "+" ? addDecimal(x, y) : subtractDecimal(x, y));
  } catch (e) {
    if (e instanceof NumberError) throw validationError(e.message);
    throw e;
  }
}

function evaluateOperand(o: UpdateOperand, item: Item): AV {
  switch (o.kind) {
    case "value":
      return cloneValue(o.value);
    case "path": {
      const v = getPath(item, o.elements);
      if (v === undefined) {
        throw validationError(
          "The provided expression refers to an attribute that does not exist in the item",
        );
      }
      return cloneValue(v);
    }
    case "if_not_exists": {
      const v = getPath(item, o.path.elements);
      return v !== undefined ? cloneValue(v) : evaluateOperand(o.fallback, item);
    }
    case "list_append": {
      const a = evaluateOperand(o.left, item);
      const b = evaluateOperand(o.right, item);
      if (a.L === undefined || b.L === undefined) throw wrongType();
      return { L: [...a.L, ...b.L] };
    }
  }
}

function add(current: AV | undefined, value: AV): AV {
  if (value.N !== undefined) {
    if (current === undefined) return { N: value.N };
    if (current.N === undefined) throw wrongType();
    return { N: arithmetic(current.N, value.N, "+") };
  }
  if (current === undefined) return cloneValue(value);
  if (value.SS !== undefined && current.SS !== undefined) {
    return { SS: [...new Set([...current.SS, ...value.SS])] };
  }
  if (value.NS !== undefined && current.NS !== undefined) {
    const seen = new Set(current.NS);
    return { NS: [...current.NS, ...value.NS.filter((n) => !seen.has(n))] };
  }
  if (value.BS !== undefined && current.BS !== undefined) {
    const seen = new Set(current.BS.map(binaryKey));
    return { BS: [...current.BS, ...value.BS.filter((b) => !seen.has(binaryKey(b)))] };
  }
  throw wrongType();
}

/** The set minus `value`'s elements, or `undefined` when nothing is left. */
function subtractSet(current: AV, value: AV): AV | undefined {
  let out: AV;
  if (value.SS !== undefined && current.SS !== undefined) {
    const drop = new Set(value.SS);
    out = { SS: current.SS.filter((s) => !drop.has(s)) };
  } else if (value.NS !== undefined && current.NS !== undefined) {
    const drop = new Set(value.NS);
    out = { NS: current.NS.filter((n) => !drop.has(n)) };
  } else if (value.BS !== undefined && current.BS !== undefined) {
    const drop = new Set(value.BS.map(binaryKey));
    out = { BS: current.BS.filter((b) => !drop.has(binaryKey(b))) };
  } else {
    throw wrongType();
  }
  const size = out.SS?.length ?? out.NS?.length ?? out.BS?.length ?? 0;
  return size === 0 ? undefined : out;
}
