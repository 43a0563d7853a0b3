/**
 * ProjectionExpression: parsing (comma-separated document paths, no overlaps) and applying it to an
 * item, keeping nested structure (`a.b` → `{a: {M: {b}}}`, `l[2]` → `{l: {L: [element 2]}}`).
 *
 * @module
 */
import { type AV, cloneValue, type Item } from "../values.ts";
import { formatPath, type PathElement, type PathOperand } from "./ast.ts";
import type { ExpressionContext } from "./context.ts";
import { getPath, pathsOverlap } from "./document_path.ts";
import { ExpressionSyntaxError } from "./lexer.ts";
import { OVERLAP, TokenStream, withLabel } from "./token_stream.ts";

/** Parses a ProjectionExpression into its paths. */
export function parseProjection(source: string, ctx: ExpressionContext): PathOperand[] {
  return withLabel("ProjectionExpression", () => {
    const s = new TokenStream(source, ctx);
    const paths = [s.parsePath()];
    while (s.acceptPunct(",")) paths.push(s.parsePath());
    for (let i = 0; i < paths.length; i++) {
      for (let j = i + 1; j < paths.length; j++) {
        if (pathsOverlap(paths[i]!.elements, paths[j]!.elements)) {
          s.defer(
            OVERLAP,
            new ExpressionSyntaxError(
              `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${
                formatPath(paths[i]!)
              }, path two: ${formatPath(paths[j]!)}`,
            ),
          );
        }
      }
    }
    s.finish();
    return paths;
  });
}

type Node =
  | { kind: "leaf"; value: AV }
  | { kind: "map"; children: Map<string, Node> }
  | { kind: "list"; children: Map<number, Node> };

/** The parts of `item` named by `paths` (a copy). */
export function project(item: Item, paths: readonly PathOperand[]): Item {
  const root = new Map<string, Node>();
  for (const p of paths) {
    const v = getPath(item, p.elements);
    if (v !== undefined) insert(root, p.elements, v);
  }
  const out: Item = {};
  for (const [k, node] of root) out[k] = materialize(node);
  return out;
}

function insert(root: Map<string, Node>, path: readonly PathElement[], value: AV): void {
  let children: Map<PathElement, Node> = root as Map<PathElement, Node>;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (i === path.length - 1) {
      children.set(step, { kind: "leaf", value });
      return;
    }
    let node = children.get(step);
    if (node === undefined) {
      node = typeof path[i + 1] === "number"
        ? { kind: "list", children: new Map() }
        : { kind: "map", children: new Map() };
      children.set(step, node);
    }
    if (node.kind === "leaf") return;
    children = node.children as Map<PathElement, Node>;
  }
}

function materialize(node: Node): AV {
  switch (node.kind) {
    case "leaf":
      return cloneValue(node.value);
    case "map": {
      const m: Item = {};
      for (const [k, child] of node.children) m[k] = materialize(child);
      return { M: m };
    }
    case "list":
      return {
        L: [...node.children.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => materialize(c)),
      };
  }
}
