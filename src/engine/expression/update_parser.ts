/**
 * Parser for update expressions: `SET`, `REMOVE`, `ADD` and `DELETE` clauses (each at most once,
 * any order), with `+`/`-`, `if_not_exists` and `list_append` in SET values.
 *
 * @module
 */
import { longTypeName, typeOf } from "../values.ts";
import type { PathOperand, SetValue, UpdateActions, UpdateOperand, ValueOperand } from "./ast.ts";
import { formatPath } from "./ast.ts";
import type { ExpressionContext } from "./context.ts";
import { pathsConflict, pathsOverlap } from "./document_path.ts";
import { ExpressionSyntaxError } from "./lexer.ts";
import { OVERLAP, SEMANTIC, TokenStream, withLabel } from "./token_stream.ts";

const CLAUSES = ["SET", "REMOVE", "ADD", "DELETE"] as const;
type Clause = typeof CLAUSES[number];
const CONDITION_FUNCTIONS = new Set([
  "attribute_exists",
  "attribute_not_exists",
  "attribute_type",
  "begins_with",
  "contains",
  "size",
]);

/** Parses and validates an UpdateExpression. */
export function parseUpdate(source: string, ctx: ExpressionContext): UpdateActions {
  return withLabel("UpdateExpression", () => {
    const s = new TokenStream(source, ctx);
    const actions: UpdateActions = { set: [], remove: [], add: [], delete: [] };
    const seen = new Set<Clause>();
    while (s.peek().kind !== "eof") {
      const clause = CLAUSES.find((c) => s.isKeyword(c));
      if (!clause) throw s.error();
      if (seen.has(clause)) {
        throw new ExpressionSyntaxError(
          `The "${clause}" section can only be used once in an update expression;`,
        );
      }
      seen.add(clause);
      s.next();
      do parseAction(s, clause, actions); while (s.acceptPunct(","));
      if (s.peek().kind !== "eof" && !CLAUSES.some((c) => s.isKeyword(c))) throw s.error();
    }
    checkPaths(s, actions);
    s.finish();
    return actions;
  });
}

function parseAction(s: TokenStream, clause: Clause, actions: UpdateActions): void {
  if (!s.atPath()) throw s.error();
  const path = s.parsePath();
  switch (clause) {
    case "SET":
      s.expectPunct("=");
      actions.set.push({ path, value: parseSetValue(s) });
      return;
    case "REMOVE":
      actions.remove.push(path);
      return;
    case "ADD": {
      const value = s.parseValue();
      operandType(s, "ADD", value, ["N", "SS", "NS", "BS"], "ALLOWED_FOR_ADD_OPERAND");
      actions.add.push({ path, value });
      return;
    }
    case "DELETE": {
      const value = s.parseValue();
      operandType(s, "DELETE", value, ["SS", "NS", "BS"], "ALLOWED_FOR_DELETE_OPERAND");
      actions.delete.push({ path, value });
      return;
    }
  }
}

function semantic(s: TokenStream, message: string): void {
  s.defer(SEMANTIC, new ExpressionSyntaxError(message), true);
}

function operandType(
  s: TokenStream,
  op: string,
  v: ValueOperand,
  allowed: string[],
  typeSet: string,
): void {
  const t = typeOf(v.value);
  if (!allowed.includes(t)) {
    semantic(
      s,
      `Incorrect operand type for operator or function; operator: ${op}, operand type: ${
        longTypeName(t)
      }, typeSet: ${typeSet}`,
    );
  }
}

function literalType(s: TokenStream, fn: string, o: UpdateOperand, want: string): void {
  if (o.kind === "value" && typeOf(o.value) !== want) {
    semantic(
      s,
      `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${
        typeOf(o.value)
      }`,
    );
  }
}

function parseSetValue(s: TokenStream): SetValue {
  const left = parseUpdateOperand(s, true);
  for (const op of ["+", "-"] as const) {
    if (s.acceptPunct(op)) {
      const right = parseUpdateOperand(s, false);
      noListAppend(s, left);
      literalType(s, op, left, "N");
      literalType(s, op, right, "N");
      return { kind: "arith", op, left, right };
    }
  }
  return left;
}

// list_append may only be the whole value of a SET action.
function noListAppend(s: TokenStream, o: UpdateOperand): void {
  if (o.kind === "list_append") {
    semantic(
      s,
      "The function is not allowed to be used this way in an expression; function: list_append",
    );
  }
}

function parseUpdateOperand(s: TokenStream, topLevel: boolean): UpdateOperand {
  const t = s.peek();
  if (t.kind === "valueRef") return s.parseValue();
  if (t.kind === "identifier" && s.isPunct("(", 1)) {
    s.next();
    s.next();
    const args = [parseUpdateOperand(s, false)];
    while (s.acceptPunct(",")) args.push(parseUpdateOperand(s, false));
    s.expectPunct(")");
    const f = updateFunction(s, t.text, args);
    if (!topLevel) noListAppend(s, f);
    return f;
  }
  if (s.atPath()) return s.parsePath();
  throw s.error();
}

const NOTHING: PathOperand = { kind: "path", elements: ["?"] };

function updateFunction(s: TokenStream, fn: string, args: UpdateOperand[]): UpdateOperand {
  if (fn !== "if_not_exists" && fn !== "list_append") {
    semantic(
      s,
      CONDITION_FUNCTIONS.has(fn)
        ? `The function is not allowed in an update expression; function: ${fn}`
        : `Invalid function name; function: ${fn}`,
    );
    return NOTHING;
  }
  if (args.length !== 2) {
    semantic(
      s,
      `Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${args.length}`,
    );
    return NOTHING;
  }
  const [a, b] = args as [UpdateOperand, UpdateOperand];
  if (fn === "if_not_exists") {
    if (a.kind !== "path") {
      semantic(s, `Operator or function requires a document path; operator or function: ${fn}`);
      return NOTHING;
    }
    return { kind: "if_not_exists", path: a, fallback: b };
  }
  literalType(s, fn, a, "L");
  literalType(s, fn, b, "L");
  return { kind: "list_append", left: a, right: b };
}

/** Every path written by the actions, in order. */
export function actionPaths(actions: UpdateActions): PathOperand[] {
  return [
    ...actions.set.map((a) => a.path),
    ...actions.remove,
    ...actions.add.map((a) => a.path),
    ...actions.delete.map((a) => a.path),
  ];
}

function checkPaths(s: TokenStream, actions: UpdateActions): void {
  const paths = actionPaths(actions);
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      // DynamoDB names the shorter path first.
      const [a, b] = paths[j]!.elements.length < paths[i]!.elements.length
        ? [paths[j]!.elements, paths[i]!.elements]
        : [paths[i]!.elements, paths[j]!.elements];
      if (pathsOverlap(a, b)) {
        s.defer(
          OVERLAP,
          new ExpressionSyntaxError(
            `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${
              formatPath(a)
            }, path two: ${formatPath(b)}`,
          ),
        );
      }
      if (pathsConflict(a, b)) {
        s.defer(
          OVERLAP,
          new ExpressionSyntaxError(
            `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${
              formatPath(a)
            }, path two: ${formatPath(b)}`,
          ),
        );
      }
    }
  }
}
