/**
 * Logged-model filters, as the SQL store reads them (`mlflow/utils/search_logged_model_utils.py`,
 * which is looser than `SearchLoggedModelsUtils`): `attributes.k` or a bare key, `metrics.k`,
 * `params.k`, `tags.k` (plural type names only, key backticks stripped), comparators matched
 * case-sensitively, string values with single quotes stripped.
 *
 * Where MLflow fails with a Python error (HTTP 500) we answer 400: unknown attribute keys,
 * non-numeric values for numeric fields, unreadable lists. `creation_time` and
 * `last_updated_time` are accepted as aliases with or without `attributes.`.
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import {
  asComparator,
  type Clause,
  type ClauseType,
  NUMERIC_COMPARATORS,
  STRING_ATTRIBUTE_COMPARATORS,
} from "./ast.ts";
import { comparisonParts } from "./filter_syntax.ts";
import { type GroupNode, isGroup, type Node, nodeText, parseSql } from "./grouping.ts";
import { joinInComparisons } from "./join_comparisons.ts";
import { PyLiteralError, pyLiteralEval } from "./py_literal.ts";
import { type PyValue, reprStr, reprStrSet, reprStrTuple, reprValue } from "./py_repr.ts";

const TYPES: Readonly<Record<string, ClauseType>> = {
  attributes: "attribute",
  metrics: "metric",
  params: "parameter",
  tags: "tag",
};

const ALIASES: Readonly<Record<string, string>> = {
  creation_time: "creation_timestamp",
  last_updated_time: "last_updated_timestamp",
};

/** Attribute keys we accept (after aliases). */
export const LOGGED_MODEL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "model_id",
  "model_type",
  "status",
  "source_run_id",
  "experiment_id",
  "creation_timestamp",
  "last_updated_timestamp",
]);

/** Numeric attributes (after aliases). */
export const LOGGED_MODEL_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set([
  "creation_timestamp",
  "last_updated_timestamp",
]);

const IDENTIFIER_RE = /^([a-z]+)\.(.+)$/;

function stripChars(s: string, ch: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s[start] === ch) start++;
  while (end > start && s[end - 1] === ch) end--;
  return s.slice(start, end);
}

function entity(identifier: string): { type: ClauseType; key: string } {
  const m = IDENTIFIER_RE.exec(identifier);
  if (m === null) {
    const key = stripChars(identifier, "`");
    return { type: "attribute", key: ALIASES[key] ?? key };
  }
  const typeName = m[1] ?? "";
  const type = Object.hasOwn(TYPES, typeName) ? TYPES[typeName] : undefined;
  if (type === undefined) {
    throw invalidParameter(
      `Invalid entity type: ${
        reprStr(typeName)
      }. Expected one of ${"['attributes', 'metrics', 'params', 'tags']"}.`,
    );
  }
  const key = stripChars(m[2] ?? "", "`");
  return { type, key: type === "attribute" ? ALIASES[key] ?? key : key };
}

/** Python's `float(str)`. */
function pyFloat(text: string): number | null {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  const num =
    /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
  return num.test(t) ? Number(t.replaceAll("_", "")) : null;
}

function stringValue(text: string): string | string[] {
  const v = stripChars(text, "'");
  if (!(v.startsWith("(") && v.endsWith(")"))) return v;
  let parsed: PyValue;
  try {
    parsed = pyLiteralEval(v);
  } catch (e) {
    if (!(e instanceof PyLiteralError)) throw e;
    throw invalidParameter(
      "While parsing a list in the query, expected a non-empty list of string values, " +
        "but got ill-formed list.",
    );
  }
  const items = typeof parsed === "object" && parsed !== null && parsed.py === "tuple"
    ? parsed.items
    : [parsed];
  return items.map((x) => typeof x === "string" ? x : reprValue(x));
}

function comparison(n: Node): Clause {
  const parts = comparisonParts(n) ?? [];
  if (parts.length !== 3) {
    throw invalidParameter(
      `Invalid comparison: ${nodeText(n)}. Expected a comparison with 3 tokens.`,
    );
  }
  const [left, opNode, right] = parts.map(nodeText) as [string, string, string];
  const { type, key } = entity(left);
  const numeric = type === "metric" ||
    (type === "attribute" && LOGGED_MODEL_NUMERIC_ATTRIBUTES.has(key));
  const op = asComparator(opNode, numeric ? NUMERIC_COMPARATORS : STRING_ATTRIBUTE_COMPARATORS);
  if (op === null) {
    throw invalidParameter(
      `Invalid comparison operator for ${TYPE_PREFIX[type]}.${columnName(type, key)}: ${
        reprStr(opNode)
      }. ` +
        `Expected one of ${reprStrTuple(["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"])}.`,
    );
  }
  if (type === "attribute" && !LOGGED_MODEL_ATTRIBUTES.has(key)) {
    throw invalidParameter(
      `Invalid attribute key '${key}' specified. Valid keys are '${
        reprStrSet(LOGGED_MODEL_ATTRIBUTES)
      }'`,
    );
  }
  if (numeric) {
    const value = pyFloat(right);
    if (value === null) {
      throw invalidParameter(`Invalid numeric value ${reprStr(right)} for ${type} '${key}'`);
    }
    return { type, key, comparator: op, value };
  }
  const value = stringValue(right);
  if (Array.isArray(value) !== (op === "IN" || op === "NOT IN")) {
    throw invalidParameter(
      `Invalid comparison operator for ${TYPE_PREFIX[type]}.${key}: ${reprStr(opNode)} ` +
        `cannot be used with value ${right}`,
    );
  }
  return { type, key, comparator: op, value };
}

/** MLflow names the timestamp columns in its messages. */
function columnName(type: ClauseType, key: string): string {
  return type === "attribute" && LOGGED_MODEL_NUMERIC_ATTRIBUTES.has(key) ? `${key}_ms` : key;
}

const TYPE_PREFIX: Readonly<Record<ClauseType, string>> = {
  attribute: "attributes",
  metric: "metrics",
  parameter: "params",
  tag: "tags",
  dataset: "datasets",
};

/** Parse and validate a logged-model filter. */
export function parseLoggedModelFilter(filter: string | null | undefined): Clause[] {
  if (!filter) return [];
  const statements = parseSql(filter);
  if (statements.length !== 1) {
    throw invalidParameter(
      `Invalid filter string: ${reprStr(filter)}. Expected a single SQL expression.`,
    );
  }
  const clauses: Clause[] = [];
  for (const n of joinInComparisons(statements[0] as GroupNode)) {
    if (isGroup(n, "comparison")) {
      clauses.push(comparison(n));
    } else if (nodeText(n).trim().toUpperCase() !== "AND") {
      throw invalidParameter(
        `Invalid filter string: ${reprStr(filter)}. Expected a list of comparisons separated ` +
          "by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
      );
    }
  }
  return clauses;
}
