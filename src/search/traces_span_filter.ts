/**
 * Span-level trace filters as MLflow's SQL store evaluates them (`span.name`, `span.type`,
 * `span.status`, `span.attributes.<key>`, `span.content` and its alias `trace.text`): every
 * span clause of a filter must hold for ONE span of the trace (the store puts them all in one
 * correlated `EXISTS` over its `spans` table). A span row is the span's name, type, status code
 * and `content`, the `json.dumps` of the span's `to_dict()`; `span.attributes.<key>` and
 * `span.content` are pattern matches on that text, exactly as the store builds them.
 *
 * Nothing here knows about DynamoDB; the store reads the spans.
 *
 * @module
 */
import { invalidParameter, MlflowError } from "../errors.ts";
import { asComparator, type Comparator } from "./ast.ts";
import { sqlCompare } from "./comparators.ts";
import { trimBackticks } from "./filter_syntax.ts";
import { reprStr, reprStrSet, reprStrTuple } from "./py_repr.ts";

/** What a span clause reads of one span (a row of MLflow's `spans` table). */
export interface SpanSearchRow {
  name: string;
  type: string | null;
  /** `UNSET`, `OK` or `ERROR`. */
  status: string;
  /** `json.dumps(span.to_dict())`. */
  content: string;
}

/** A parsed span clause (`key` is `name`, `type`, `status`, `content` or `attributes.<k>`). */
export interface SpanClause {
  key: string;
  comparator: Comparator;
  value: string | number | string[] | null;
}

const SPAN_COLUMNS = new Set(["name", "type", "status"]);
const SPAN_CMP: Comparator[] = ["!=", "=", "IN", "NOT IN", "LIKE", "ILIKE", "RLIKE"];
const CONTENT_CMP: Comparator[] = ["LIKE", "ILIKE"];
const ATTRIBUTES = "attributes.";

/**
 * Validates a span clause with MLflow's messages (`SearchTraceUtils.is_span`). A list value
 * for `span.attributes.<k>` fails as the SQL store fails building it: the list is formatted
 * into one LIKE pattern, which SQLAlchemy refuses as an IN operand (400 BAD_REQUEST).
 * Returns the comparator, known valid.
 */
export function validateSpanClause(
  key: string,
  comparator: string,
  value: SpanClause["value"] = null,
): Comparator {
  if (key.startsWith(ATTRIBUTES)) {
    if (key.length === ATTRIBUTES.length) {
      throw invalidParameter("Span attribute name cannot be empty after 'attributes.'");
    }
  } else if (key === "content") {
    const known = asComparator(comparator, CONTENT_CMP);
    if (known === null) {
      throw invalidParameter(
        `span.${key} comparator '${comparator}' not one of '${reprStrSet(CONTENT_CMP)}'`,
      );
    }
    return known;
  } else if (!SPAN_COLUMNS.has(key)) {
    throw invalidParameter(
      `Invalid span attribute '${key}'. Supported attributes: name, status, type, ` +
        "attributes.<attribute_name>.",
    );
  }
  const known = asComparator(comparator, SPAN_CMP);
  if (known === null) {
    throw invalidParameter(
      `span.${key} comparator '${comparator}' not one of '${reprStrSet(SPAN_CMP)}'`,
    );
  }
  if (key.startsWith(ATTRIBUTES) && Array.isArray(value)) {
    const pattern = `%"${trimBackticks(key.slice(ATTRIBUTES.length))}"${reprStrTuple(value)}%`;
    throw new MlflowError(
      "BAD_REQUEST",
      "IN expression list, SELECT construct, or bound parameter object expected, got " +
        `${reprStr(pattern)}.`,
    );
  }
  return known;
}

/** Whether the clause needs the span rows (the trace's span facets cannot answer it). */
export function needsSpanContent(c: SpanClause): boolean {
  return !SPAN_COLUMNS.has(c.key);
}

/**
 * The pattern the SQL store matches `content` against for `span.attributes.<attr>`: attribute
 * values are JSON text inside the JSON content, so a string value `v` appears as
 * `"<attr>": "\"v\""`. RLIKE anchors `^`/`$` move to the value's quotes; other comparators
 * wrap the value as `%"<attr>"<value>%`.
 */
function attributePattern(attr: string, cmp: string, value: string): string {
  if (cmp !== "RLIKE") return `%"${attr}"${value}%`;
  let v = value;
  let prefix = '"\\\\".*';
  let suffix = "";
  if (v.startsWith("^")) {
    v = v.slice(1);
    prefix = '"\\\\"';
  }
  if (v.endsWith("$")) {
    v = v.slice(0, -1);
    suffix = '\\\\"';
  }
  return `"${attr}": ${prefix}${v}${suffix}`;
}

/** Whether one span row satisfies one clause. */
export function spanRowMatches(row: SpanSearchRow, c: SpanClause): boolean {
  if (c.key === "name") return sqlCompare(row.name, c.comparator, c.value);
  if (c.key === "type") return sqlCompare(row.type, c.comparator, c.value);
  if (c.key === "status") return sqlCompare(row.status, c.comparator, c.value);
  if (c.key === "content") return sqlCompare(row.content, c.comparator, c.value);
  const attr = trimBackticks(c.key.slice(ATTRIBUTES.length));
  const pattern = attributePattern(attr, c.comparator, String(c.value));
  return sqlCompare(row.content, c.comparator, pattern);
}

/** True when one span of the trace satisfies every clause (an empty list always holds). */
export function spansMatch(rows: SpanSearchRow[], clauses: SpanClause[]): boolean {
  if (clauses.length === 0) return true;
  return rows.some((row) => clauses.every((c) => spanRowMatches(row, c)));
}
