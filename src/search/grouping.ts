/**
 * Groups the tokens of one statement into a tree the way `sqlparse.parse` does
 * (parentheses, functions, `a.b` identifiers, operations, comparisons, `x AS y`,
 * "aliased" juxtapositions, comma lists). Only the grouping steps that change how a search
 * filter is read are reproduced.
 *
 * @module
 */

import { type Token, tokenize, type TokenKind } from "./lexer.ts";

/** A leaf: one token. */
export interface TokenNode {
  readonly type: "token";
  readonly kind: TokenKind;
  readonly text: string;
}

/** Group classes (the `sqlparse.sql` class each stands for). */
export type GroupKind =
  | "statement"
  | "paren" // Parenthesis
  | "func" // Function
  | "ident" // Identifier
  | "operation" // Operation
  | "comparison" // Comparison
  | "idlist" // IdentifierList
  | "where"; // Where

/** An inner node: a group of nodes. */
export interface GroupNode {
  readonly type: "group";
  readonly kind: GroupKind;
  children: Node[];
}

/** A node of the parse tree. */
export type Node = TokenNode | GroupNode;

/** The source text of a node. */
export function nodeText(n: Node): string {
  return n.type === "token" ? n.text : n.children.map(nodeText).join("");
}

/** Is this a whitespace token? */
export function isWs(n: Node | null | undefined): boolean {
  return n?.type === "token" && n.kind === "ws";
}

/** Is this a group of the given class? */
export function isGroup(n: Node | null | undefined, kind: GroupKind): n is GroupNode {
  return n?.type === "group" && n.kind === kind;
}

/** Is this a token of one of the given kinds? */
export function isTok(n: Node | null | undefined, ...kinds: TokenKind[]): n is TokenNode {
  return n?.type === "token" && kinds.includes(n.kind);
}

/** `token.match(T.Keyword, words)`: an exact Keyword token with one of the (upper-case) words. */
export function isKeyword(n: Node | null | undefined, ...words: string[]): boolean {
  return isTok(n, "keyword") && words.includes(n.text.toUpperCase());
}

/** A new token node. */
export function tok(kind: TokenKind, text: string): TokenNode {
  return { type: "token", kind, text };
}

/** A new group node. */
export function group(kind: GroupKind, children: Node[]): GroupNode {
  return { type: "group", kind, children };
}

// ---------------------------------------------------------------------------------------------
// Statement splitting

/** Split into statements at `;` (kept with the statement it ends); blank statements dropped. */
export function splitStatements(text: string): GroupNode[] {
  const statements: GroupNode[] = [];
  let current: Node[] = [];
  const flush = () => {
    if (current.some((t) => !isWs(t))) statements.push(group("statement", current));
    current = [];
  };
  for (const t of tokenize(text)) {
    current.push(tok(t.kind, t.text));
    if (t.kind === "punct" && t.text === ";") flush();
  }
  flush();
  return statements;
}

// ---------------------------------------------------------------------------------------------
// Generic helpers mirroring sqlparse's TokenList methods

function tokenNext(list: GroupNode, idx: number): [number | null, Node | null] {
  for (let i = idx + 1; i < list.children.length; i++) {
    const n = list.children[i] as Node;
    if (!isWs(n)) return [i, n];
  }
  return [null, null];
}

function tokenPrev(list: GroupNode, idx: number): [number | null, Node | null] {
  for (let i = idx - 1; i >= 0; i--) {
    const n = list.children[i] as Node;
    if (!isWs(n)) return [i, n];
  }
  return [null, null];
}

function groupTokens(
  list: GroupNode,
  kind: GroupKind,
  start: number,
  end: number,
  extend = false,
): GroupNode {
  const first = list.children[start];
  if (extend && isGroup(first, kind)) {
    first.children.push(...list.children.slice(start + 1, end + 1));
    list.children.splice(start + 1, end - start);
    return first;
  }
  const grp = group(kind, list.children.slice(start, end + 1));
  list.children.splice(start, end - start + 1, grp);
  return grp;
}

function isDelimiter(list: GroupNode, n: Node | null): boolean {
  if (n === null || list.kind !== "paren") return false;
  return n === list.children[0] || n === list.children[list.children.length - 1];
}

/** Apply `f` to every sub-group not of the excluded kinds (depth first), then to `list`. */
function recurse(list: GroupNode, exclude: GroupKind[], f: (l: GroupNode) => void): void {
  for (const child of list.children) {
    if (child.type === "group" && !exclude.includes(child.kind)) recurse(child, exclude, f);
  }
  f(list);
}

interface BinarySpec {
  kind: GroupKind;
  match: (n: Node) => boolean;
  validPrev: (n: Node | null) => boolean;
  validNext: (n: Node | null) => boolean;
  post: (list: GroupNode, pidx: number, tidx: number, nidx: number | null) => [number, number];
  extend: boolean;
}

/** sqlparse's `_group`: joins `prev <match> next` into a group, scanning left to right. */
function groupBinary(list: GroupNode, spec: BinarySpec): void {
  const snapshot = [...list.children];
  let offset = 0;
  let pidx = 0;
  let prev: Node | null = null;
  for (let idx = 0; idx < snapshot.length; idx++) {
    const tidx = idx - offset;
    if (tidx < 0) continue;
    const token = snapshot[idx] as Node;
    if (isWs(token)) continue;
    if (token.type === "group" && token.kind !== spec.kind) groupBinary(token, spec);
    if (spec.match(token)) {
      const [nidx, next] = tokenNext(list, tidx);
      if (
        prev !== null && spec.validPrev(prev) && spec.validNext(next) &&
        !isDelimiter(list, prev) && !isDelimiter(list, next)
      ) {
        const [from, to] = spec.post(list, pidx, tidx, nidx);
        const grp = groupTokens(list, spec.kind, from, to, spec.extend);
        offset += to - from;
        pidx = from;
        prev = grp;
        continue;
      }
    }
    pidx = tidx;
    prev = token;
  }
}

const pairPost = (_l: GroupNode, p: number, _t: number, n: number | null): [number, number] => [
  p,
  n ?? p,
];

// ---------------------------------------------------------------------------------------------
// The grouping steps, in sqlparse's order

function groupParenthesis(stmt: GroupNode): void {
  const stack: Node[][] = [[]];
  for (const n of stmt.children) {
    if (isTok(n, "punct") && n.text === "(") {
      stack.push([n]);
    } else if (isTok(n, "punct") && n.text === ")" && stack.length > 1) {
      const inner = stack.pop() as Node[];
      inner.push(n);
      (stack[stack.length - 1] as Node[]).push(group("paren", inner));
    } else {
      (stack[stack.length - 1] as Node[]).push(n);
    }
  }
  // Unclosed "(" stay plain punctuation.
  while (stack.length > 1) {
    const inner = stack.pop() as Node[];
    (stack[stack.length - 1] as Node[]).push(...inner);
  }
  stmt.children = stack[0] as Node[];
}

function groupFunctions(list: GroupNode): void {
  recurse(list, ["func"], (l) => {
    for (let i = 0; i < l.children.length; i++) {
      if (!isTok(l.children[i], "name", "builtin", "placeholder")) continue;
      const [nidx, next] = tokenNext(l, i);
      if (nidx !== null && isGroup(next, "paren")) groupTokens(l, "func", i, nidx);
    }
  });
}

const WHERE_CLOSERS = new Set([
  "ORDER BY",
  "GROUP BY",
  "LIMIT",
  "UNION",
  "UNION ALL",
  "EXCEPT",
  "HAVING",
  "RETURNING",
  "INTO",
]);

function groupWhere(list: GroupNode): void {
  recurse(list, ["where"], (l) => {
    for (let i = 0; i < l.children.length; i++) {
      if (!isKeyword(l.children[i], "WHERE")) continue;
      let end = l.kind === "paren" ? l.children.length - 2 : l.children.length - 1;
      for (let j = i + 1; j <= end; j++) {
        const n = l.children[j];
        if (isTok(n, "keyword") && WHERE_CLOSERS.has(n.text.toUpperCase().replace(/\s+/g, " "))) {
          end = j - 1;
          break;
        }
      }
      groupTokens(l, "where", i, end);
    }
  });
}

function groupPeriod(list: GroupNode): void {
  groupBinary(list, {
    kind: "ident",
    match: (n) =>
      (isTok(n, "punct") && n.text === ".") ||
      (isTok(n, "operator") && (n.text === "->" || n.text === "->>")),
    validPrev: (n) => isGroup(n, "ident") || isTok(n, "name", "symbol"),
    validNext: () => true,
    post: (l, p, t, n) => {
      const next = n === null ? null : l.children[n];
      const ok = isGroup(next, "func") || isTok(next, "name", "symbol", "wildcard", "string");
      return ok && n !== null ? [p, n] : [p, t];
    },
    extend: true,
  });
}

function groupIdentifier(list: GroupNode): void {
  recurse(list, ["ident"], (l) => {
    l.children = l.children.map((n) => (isTok(n, "name", "symbol") ? group("ident", [n]) : n));
  });
}

function groupOrder(list: GroupNode): void {
  recurse(list, ["ident"], (l) => {
    for (let i = 0; i < l.children.length; i++) {
      if (!isTok(l.children[i], "order")) continue;
      const [pidx, prev] = tokenPrev(l, i);
      if (pidx !== null && (isGroup(prev, "ident") || isTok(prev, "integer", "float", "hex"))) {
        groupTokens(l, "ident", pidx, i);
        i = pidx;
      }
    }
  });
}

function groupTypecasts(list: GroupNode): void {
  groupBinary(list, {
    kind: "ident",
    match: (n) => isTok(n, "punct") && n.text === "::",
    validPrev: (n) => n !== null,
    validNext: (n) => n !== null,
    post: pairPost,
    extend: true,
  });
}

/** Operands `sqlparse` accepts on either side of an operator or comparison. */
function isOperand(n: Node | null): boolean {
  return isGroup(n, "paren") || isGroup(n, "func") || isGroup(n, "ident") ||
    isGroup(n, "operation") ||
    isTok(n, "integer", "float", "string", "symbol", "name", "placeholder");
}

function groupOperator(list: GroupNode): void {
  const valid = (n: Node | null) =>
    isOperand(n) || isKeyword(n, "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP");
  groupBinary(list, {
    kind: "operation",
    match: (n) => isTok(n, "operator", "wildcard"),
    validPrev: valid,
    validNext: valid,
    post: pairPost,
    extend: false,
  });
}

function groupComparison(list: GroupNode): void {
  const valid = (n: Node | null) => isOperand(n) || isKeyword(n, "NULL");
  groupBinary(list, {
    kind: "comparison",
    match: (n) => isTok(n, "comparison"),
    validPrev: valid,
    validNext: valid,
    post: pairPost,
    extend: false,
  });
}

function groupAs(list: GroupNode): void {
  groupBinary(list, {
    kind: "ident",
    match: (n) => isKeyword(n, "AS"),
    validPrev: (n) => isKeyword(n, "NULL") || !isTok(n, "keyword", "dml", "order"),
    validNext: (n) => n !== null && !isTok(n, "dml"),
    post: pairPost,
    extend: true,
  });
}

function groupAliased(list: GroupNode): void {
  recurse(list, [], (l) => {
    for (let i = 0; i < l.children.length; i++) {
      const n = l.children[i] as Node;
      const aliasable = (n.type === "group" && n.kind !== "idlist" && n.kind !== "where") ||
        isTok(n, "integer", "float", "hex");
      if (!aliasable) continue;
      const [nidx, next] = tokenNext(l, i);
      if (nidx !== null && isGroup(next, "ident")) groupTokens(l, "ident", i, nidx, true);
    }
  });
}

function groupIdentifierList(list: GroupNode): void {
  const valid = (n: Node | null) =>
    isGroup(n, "func") || isGroup(n, "ident") || isGroup(n, "comparison") ||
    isGroup(n, "idlist") || isGroup(n, "operation") ||
    isTok(n, "integer", "float", "string", "symbol", "name", "placeholder", "keyword", "wildcard");
  groupBinary(list, {
    kind: "idlist",
    match: (n) => isTok(n, "punct") && n.text === ",",
    validPrev: valid,
    validNext: valid,
    post: pairPost,
    extend: true,
  });
}

/** Group one statement's tokens in place, as `sqlparse.engine.grouping.group` does. */
export function groupStatement(stmt: GroupNode): GroupNode {
  groupParenthesis(stmt);
  groupFunctions(stmt);
  groupWhere(stmt);
  groupPeriod(stmt);
  groupIdentifier(stmt);
  groupOrder(stmt);
  groupTypecasts(stmt);
  groupOperator(stmt);
  groupComparison(stmt);
  groupAs(stmt);
  groupAliased(stmt);
  groupIdentifierList(stmt);
  return stmt;
}

/** `sqlparse.parse(text)`: the grouped statements. */
export function parseSql(text: string): GroupNode[] {
  return splitStatements(text).map(groupStatement);
}

export type { Token };
