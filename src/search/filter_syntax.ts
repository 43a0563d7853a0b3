/**
 * The entity-independent part of reading a filter string: statements, the AND-only
 * conjunction check, and the helpers every entity uses to read keys and values (quote
 * stripping, `IN (...)` lists). Messages are MLflow's (`mlflow/utils/search_utils.py`).
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import {
  type GroupNode,
  isGroup,
  isKeyword,
  isTok,
  type Node,
  nodeText,
  parseSql,
} from "./grouping.ts";
import { joinInComparisons } from "./join_comparisons.ts";
import { tokenize } from "./lexer.ts";
import { PyLiteralError, pyLiteralEval } from "./py_literal.ts";
import { type PyValue, reprStr, reprValue } from "./py_repr.ts";

/** sqlparse refuses lists longer than this ("Maximum number of tokens exceeded"). */
const MAX_TOKENS = 10_000;

/** How invalid clauses are listed: runs quote each one, the other entities do not. */
export type InvalidClauseStyle = "quoted" | "plain";

/** One comparison: its non-blank parts (2 for `IS [NOT] NULL`, else 3). */
export type ComparisonParts = readonly Node[];

/** `sqlparse.parse` plus MLflow's checks of the result; throws MLflow's message on failure. */
export function parseStatement(filter: string): GroupNode {
  if (tokenize(filter).length > MAX_TOKENS) {
    throw invalidParameter(`Error on parsing filter '${filter}'`);
  }
  const statements = parseSql(filter);
  if (statements.length === 0) {
    throw invalidParameter(`Invalid filter '${filter}'. Could not be parsed.`);
  }
  if (statements.length > 1) {
    throw invalidParameter(
      `Search filter contained multiple expression ${reprStr(filter)}. ` +
        "Provide AND-ed expression list.",
    );
  }
  return statements[0] as GroupNode;
}

/**
 * The comparisons of an AND-only filter (`_process_statement`). Anything between them but
 * `AND` is an invalid clause.
 */
export function filterComparisons(filter: string, style: InvalidClauseStyle): ComparisonParts[] {
  const nodes = joinInComparisons(parseStatement(filter));
  const invalid = nodes.filter((n) => !isGroup(n, "comparison") && !isKeyword(n, "AND"));
  if (invalid.length > 0) {
    const listed = invalid.map((n) => style === "quoted" ? `'${nodeText(n)}'` : nodeText(n));
    throw invalidParameter(`Invalid clause(s) in filter string: ${listed.join(", ")}`);
  }
  return nodes.map(comparisonParts).filter((p): p is ComparisonParts => p !== null);
}

/** The non-blank children of a comparison group, else null. */
export function comparisonParts(n: Node): ComparisonParts | null {
  if (!isGroup(n, "comparison")) return null;
  return n.children.filter((c) => !isTok(c, "ws"));
}

/** `_validate_comparison`: an identifier on the left and, but for IS [NOT] NULL, 3 parts. */
export function validateComparison(parts: ComparisonParts): void {
  const base = "Invalid comparison clause";
  if (parts.length === 2) {
    const comparator = nodeText(parts[1] as Node).toUpperCase();
    if (comparator === "IS NULL" || comparator === "IS NOT NULL") {
      if (!isGroup(parts[0], "ident")) {
        throw invalidParameter(
          `${base}. Expected 'Identifier' found '${nodeText(parts[0] as Node)}'`,
        );
      }
      return;
    }
  }
  if (parts.length !== 3) {
    throw invalidParameter(`${base}. Expected 3 tokens found ${parts.length}`);
  }
  if (!isGroup(parts[0], "ident")) {
    throw invalidParameter(`${base}. Expected 'Identifier' found '${nodeText(parts[0] as Node)}'`);
  }
}

/** Is the null-test comparator (`IS NULL`/`IS NOT NULL`) in a 2-part comparison? */
export function nullTest(parts: ComparisonParts): "IS NULL" | "IS NOT NULL" | null {
  if (parts.length !== 2) return null;
  const c = nodeText(parts[1] as Node).toUpperCase();
  return c === "IS NULL" || c === "IS NOT NULL" ? c : null;
}

// ---------------------------------------------------------------------------------------------
// Keys and values

function isQuoted(value: string, quote: string): boolean {
  return value.length >= 2 && value.startsWith(quote) && value.endsWith(quote);
}

/** `_trim_backticks`: drop one pair of enclosing backticks. */
export function trimBackticks(value: string): string {
  return isQuoted(value, "`") ? value.slice(1, -1) : value;
}

/**
 * `_strip_quotes`: drop one pair of enclosing single or double quotes. With
 * `expectQuoted`, an unquoted value is an error.
 */
export function stripQuotes(value: string, expectQuoted = false): string {
  if (isQuoted(value, "'") || isQuoted(value, '"')) return value.slice(1, -1);
  if (expectQuoted) {
    throw invalidParameter(
      "Parameter value is either not quoted or unidentified quote types used for string " +
        `value ${value}. Use either single or double quotes.`,
    );
  }
  return value;
}

/** A key as MLflow reads it: quotes, then backticks, removed. */
export function unquoteKey(key: string): string {
  return trimBackticks(stripQuotes(key));
}

/** Split `type.key` at the first dot; a bare key has no type. */
export function splitIdentifier(identifier: string): [string | null, string] {
  const dot = identifier.indexOf(".");
  return dot < 0 ? [null, identifier] : [identifier.slice(0, dot), identifier.slice(dot + 1)];
}

/** A value node that MLflow reads as a string: a 'single-quoted' literal or an identifier. */
export function isStringValue(n: Node): boolean {
  return isTok(n, "string") || isGroup(n, "ident");
}

/** A value node that MLflow reads as a number: an integer or float literal. */
export function isNumberValue(n: Node): boolean {
  return isTok(n, "integer", "float");
}

/** A parenthesized value node (`IN (...)`). */
export function isListValue(n: Node): boolean {
  return isGroup(n, "paren");
}

/** Python's `str.islower()`: some cased character and no upper-case (or title-case) one. */
export function pyIsLower(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (lower === upper) continue;
    if (ch !== lower) return false;
    cased = true;
  }
  return cased;
}

/**
 * `_parse_list_from_sql_token`: read `('a', 'b')` as a Python literal; it must be a
 * non-empty collection of strings.
 */
export function parseStringList(n: Node): string[] {
  const text = nodeText(n);
  let parsed: PyValue;
  try {
    parsed = pyLiteralEval(text);
  } catch (e) {
    if (!(e instanceof PyLiteralError)) throw e;
    throw invalidParameter(
      "While parsing a list in the query, expected a non-empty list of string values, " +
        "but got ill-formed list.",
    );
  }
  const items: readonly PyValue[] = typeof parsed === "object" && parsed !== null &&
      parsed.py === "tuple"
    ? parsed.items
    : [parsed];
  if (items.length === 0) {
    throw invalidParameter(
      "While parsing a list in the query, expected a non-empty list of string values, " +
        "but got empty list",
    );
  }
  if (!items.every((x) => typeof x === "string")) {
    throw invalidParameter(
      "While parsing a list in the query, expected string value, punctuation, or " +
        `whitespace, but got different type in list: ${
          reprValue({ py: "tuple", items: [...items] })
        }`,
    );
  }
  return items as string[];
}

/**
 * `_parse_run_ids`: the list, keeping only all-lower-case strings (run ids are lower-case
 * hex; MLflow drops the rest because MySQL's IN is case-insensitive).
 */
export function parseLowerCaseList(n: Node): string[] {
  return parseStringList(n).filter(pyIsLower);
}
