/**
 * MLflow's post-processing of a parsed statement (`_join_in_comparison_tokens`): joins
 * `IN (...)`, `NOT IN (...)`, `IS NULL` and `IS NOT NULL` into comparisons.
 *
 * @module
 */

import {
  group,
  type GroupNode,
  isGroup,
  isKeyword,
  isTok,
  isWs,
  type Node,
  tok,
} from "./grouping.ts";

/**
 * MLflow's `_join_in_comparison_tokens`: over the statement's non-blank top-level nodes,
 * turn `ident IN (..)`, `ident NOT IN (..)`, `ident IS NULL` and `ident IS NOT NULL`
 * into comparison groups. A window of tokens that starts with an identifier but is none of
 * these is passed through whole.
 */
export function joinInComparisons(stmt: GroupNode): Node[] {
  const nodes = stmt.children.filter((n) => !isWs(n));
  const out: Node[] = [];
  let i = 0;
  while (i < nodes.length) {
    const first = nodes[i] as Node;
    if (nodes.length - i < 3) {
      out.push(...nodes.slice(i));
      break;
    }
    if (!isGroup(first, "ident")) {
      out.push(first);
      i++;
      continue;
    }
    const second = nodes[i + 1] as Node;
    const third = nodes[i + 2] as Node;
    if (isKeyword(second, "IN") && isGroup(third, "paren")) {
      out.push(group("comparison", [first, second, third]));
      i += 3;
      continue;
    }
    if (isKeyword(second, "IS") && isKeyword(third, "NULL")) {
      out.push(group("comparison", [first, tok("keyword", "IS NULL")]));
      i += 3;
      continue;
    }
    if (
      isKeyword(second, "IS") && isTok(third, "keyword") && third.text.toUpperCase() === "NOT NULL"
    ) {
      out.push(group("comparison", [first, tok("keyword", "IS NOT NULL")]));
      i += 3;
      continue;
    }
    const fourth = nodes[i + 3];
    if (fourth === undefined) {
      out.push(first, second, third);
      break;
    }
    if (isKeyword(second, "NOT") && isKeyword(third, "IN") && isGroup(fourth, "paren")) {
      out.push(group("comparison", [first, tok("keyword", "NOT IN"), fourth]));
      i += 4;
      continue;
    }
    out.push(first, second, third, fourth);
    i += 4;
  }
  return out;
}

/** Convenience for tests and debugging: a compact picture of a tree. */
export function describe(n: Node): string {
  if (n.type === "token") return `${n.kind}:${JSON.stringify(n.text)}`;
  return `${n.kind}[${n.children.filter((c) => !isWs(c)).map(describe).join(" ")}]`;
}
