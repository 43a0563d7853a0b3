/**
 * Parsed condition expressions, cached per distinct expression: a write path sends the same
 * ConditionExpression with every item (a 100-param batch: 100 × `attribute_not_exists(pk) OR
 * h = :h`), and parsing it each time (lexing, the 4 KB check, the grammar) was a tenth of the
 * transaction's cost.
 *
 * The key is the label, the expression and the context's {@link ExpressionContext.signature}
 * (names and their targets, value references and their types): a parse that succeeded once
 * succeeds again for the same key, with the same tree up to the values. Trees whose validity
 * depends on the values themselves (`BETWEEN` bounds in order, `attribute_type`'s type name) are
 * never cached; errors are never cached (a failing expression parses again and fails the same
 * way). A hit marks the same names and values used as a parse would (for the "unused" check)
 * and returns the tree with this request's values; a tree without values is shared as is
 * (trees are never modified after parsing).
 *
 * @module
 */
import type { Condition, Operand } from "./ast.ts";
import { parseCondition } from "./condition_parser.ts";
import type { ExpressionContext } from "./context.ts";
import { tokenize } from "./lexer.ts";

interface Entry {
  condition: Condition;
  nameRefs: string[];
  valueRefs: string[];
}

/** Distinct expressions kept; the cache starts over when it is full. */
export const CONDITION_CACHE_SIZE = 1024;

const cache = new Map<string, Entry>();

/** Parses counted since start (tests: a repeated expression is parsed once). */
export const conditionParses = { misses: 0, hits: 0 };

/** {@link parseCondition} with the cache described in the module notes. */
export function parseConditionCached(
  source: string,
  ctx: ExpressionContext,
  label: string,
): Condition {
  const key = `${label}\u0000${source}\u0000${ctx.signature()}`;
  const hit = cache.get(key);
  if (hit) {
    conditionParses.hits++;
    for (const ref of hit.nameRefs) ctx.name(ref);
    if (hit.valueRefs.length === 0) return hit.condition;
    for (const ref of hit.valueRefs) ctx.value(ref);
    return rebind(hit.condition, ctx);
  }
  conditionParses.misses++;
  const condition = parseCondition(source, ctx, label);
  if (cacheable(condition)) {
    if (cache.size >= CONDITION_CACHE_SIZE) cache.clear();
    const tokens = tokenize(source);
    cache.set(key, {
      condition,
      nameRefs: [...new Set(tokens.filter((t) => t.kind === "nameRef").map((t) => t.text))],
      valueRefs: [...new Set(tokens.filter((t) => t.kind === "valueRef").map((t) => t.text))],
    });
  }
  return condition;
}

function cacheable(c: Condition): boolean {
  switch (c.kind) {
    case "between":
    case "attribute_type":
      return false;
    case "and":
    case "or":
      return cacheable(c.left) && cacheable(c.right);
    case "not":
      return cacheable(c.operand);
    default:
      return true;
  }
}

function operand(o: Operand, ctx: ExpressionContext): Operand {
  return o.kind === "value" ? { kind: "value", value: ctx.value(o.ref), ref: o.ref } : o;
}

/** The cached tree with this request's values (marking them used). */
function rebind(c: Condition, ctx: ExpressionContext): Condition {
  switch (c.kind) {
    case "compare":
      return { ...c, left: operand(c.left, ctx), right: operand(c.right, ctx) };
    case "in":
      return { ...c, operand: operand(c.operand, ctx), list: c.list.map((o) => operand(o, ctx)) };
    case "begins_with":
    case "contains":
      return { ...c, left: operand(c.left, ctx), right: operand(c.right, ctx) };
    case "and":
    case "or":
      return { ...c, left: rebind(c.left, ctx), right: rebind(c.right, ctx) };
    case "not":
      return { ...c, operand: rebind(c.operand, ctx) };
    default:
      // exists (a path only); between and attribute_type are never cached.
      return c;
  }
}
