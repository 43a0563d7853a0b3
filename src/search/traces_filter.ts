/**
 * Trace search filters and `order_by` (`SearchTraceUtils` in `mlflow/utils/search_utils.py`
 * and the SQL store's trace filters): identifiers `trace.`/`attribute(s).` (`request_id`,
 * `timestamp[_ms]`, `execution_time[_ms]`, `end_time[_ms]`, `status`, `client_request_id`, and
 * the aliases `name` → tag `mlflow.traceName`, `run_id` → metadata `mlflow.sourceRun`,
 * `prompt` → tag `mlflow.linkedPrompts`), `tag(s).k`, `metadata.k`/`request_metadata.k`,
 * `feedback.<name>` and `expectation.<name>` (the assessment value), `prompt = 'name/version'`
 * (the trace's linked prompt versions), `issue.id = '<id>'` (the trace holds an `issue`
 * assessment named by the id) and the span clauses (`span.*`, `trace.text` → span
 * content; `traces_span_filter.ts`). {@link traceMatcher} answers span name/type/status clauses
 * from the trace's span facets; {@link spanClausesNeedingRows} says when the spans must be read.
 *
 * Nothing here knows about DynamoDB; records come from the store.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";
import { asComparator, type Comparator } from "./ast.ts";
import { sqlCompare } from "./comparators.ts";
import {
  filterComparisons,
  isListValue,
  isNumberValue,
  isStringValue,
  nullTest,
  parseStringList,
  splitIdentifier,
  stripQuotes,
  trimBackticks,
  validateComparison,
} from "./filter_syntax.ts";
import { type Node, nodeText } from "./grouping.ts";
import { pythonJsonDumps } from "../util/python_json.ts";
import { reprStrSet } from "./py_repr.ts";
import { needsSpanContent, type SpanClause, validateSpanClause } from "./traces_span_filter.ts";

/** What a trace filter reads. */
export interface TraceSearchRecord {
  trace_id: string;
  request_time: number;
  execution_duration?: number | null;
  state: string;
  client_request_id?: string | null;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  /** Run ids linked to the trace besides `mlflow.sourceRun`. */
  linked_runs?: string[];
  /** Prompt versions linked to the trace (`<name>/<version>`). */
  linked_prompts?: string[];
  /** Distinct span names, types and statuses. */
  span_names?: string[];
  span_types?: string[];
  span_statuses?: string[];
  /** Assessments: name, kind (`issue` for an issue reference), value (JSON-decoded), validity. */
  assessments: {
    name: string;
    kind: "feedback" | "expectation" | "issue";
    value: unknown;
    valid: boolean;
  }[];
}

type Kind =
  | "attribute"
  | "tag"
  | "metadata"
  | "feedback"
  | "expectation"
  | "span"
  | "prompt"
  | "issue";

/** One parsed trace clause. */
export interface TraceClause {
  kind: Kind;
  key: string;
  comparator: Comparator;
  value: string | number | string[] | null;
}

const IDENTIFIERS: Record<string, Kind> = {
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  trace: "attribute",
  request_metadata: "metadata",
  metadata: "metadata",
  span: "span",
  feedback: "feedback",
  expectation: "expectation",
  issue: "issue",
};

const ATTRIBUTE_KEYS = new Set([
  "request_id",
  "timestamp",
  "timestamp_ms",
  "execution_time",
  "execution_time_ms",
  "end_time",
  "end_time_ms",
  "status",
  "client_request_id",
  "name",
  "run_id",
  "prompt",
  "text",
]);
export const ORDER_KEYS = new Set([
  "experiment_id",
  "timestamp",
  "timestamp_ms",
  "execution_time",
  "execution_time_ms",
  "end_time",
  "end_time_ms",
  "status",
  "request_id",
  "name",
  "run_id",
]);
const NUMERIC = new Set(["timestamp_ms", "execution_time_ms", "end_time_ms"]);
const NUMERIC_WITH_ALIASES = [
  "timestamp_ms",
  "timestamp",
  "execution_time_ms",
  "execution_time",
  "end_time_ms",
  "end_time",
];
export const ALIAS: Record<string, string> = {
  timestamp: "timestamp_ms",
  execution_time: "execution_time_ms",
  end_time: "end_time_ms",
};
const IN_KEYS = new Set(["name", "status", "request_id", "run_id", "client_request_id"]);
const STRING_CMP: Comparator[] = ["!=", "=", "IN", "NOT IN", "LIKE", "ILIKE", "RLIKE"];
const NUMERIC_CMP: Comparator[] = [">", ">=", "!=", "=", "<", "<="];
const TAG_CMP: Comparator[] = ["!=", "=", "LIKE", "ILIKE", "RLIKE", "IS NULL", "IS NOT NULL"];
const ASSESSMENT_CMP: Comparator[] = [
  "!=",
  "=",
  ">",
  ">=",
  "<",
  "<=",
  "LIKE",
  "ILIKE",
  "RLIKE",
  "IS NULL",
  "IS NOT NULL",
];

export function identifier(text: string): { kind: Kind; key: string } {
  const [type, rawKey] = splitIdentifier(text);
  if (type === null) {
    return { kind: "attribute", key: trimBackticks(stripQuotes(rawKey)) };
  }
  const kind = IDENTIFIERS[trimBackticks(type)];
  if (kind === undefined) {
    throw invalidParameter(
      `Invalid entity type '${type}'. Valid values are ${JSON.stringify(Object.keys(IDENTIFIERS))}`,
    );
  }
  return { kind, key: trimBackticks(stripQuotes(rawKey)) };
}

/** Resolves aliases (`name`, `run_id`, `prompt`, `text`, `timestamp`...) as MLflow does. */
function resolve(kind: Kind, key: string): { kind: Kind; key: string } {
  if (kind === "span") return { kind, key };
  const lower = key.toLowerCase();
  if (lower === "name") return { kind: "tag", key: "mlflow.traceName" };
  if (lower === "prompt") return { kind: "tag", key: TAG_LINKED_PROMPTS };
  if (lower === "run_id") return { kind: "metadata", key: "mlflow.sourceRun" };
  if (lower === "text") return { kind: "span", key: "content" };
  if (kind === "issue") return { kind, key: ALIAS[lower] ?? key };
  return { kind, key: kind === "attribute" ? ALIAS[key] ?? key : key };
}

/** `SearchTraceUtils.is_issue`: only `issue.id`, only `=` (checked after the value). */
function issueClause(key: string, comparator: string, value: TraceClause["value"]): TraceClause {
  if (key !== "id") {
    throw invalidParameter(`Invalid issue attribute '${key}'. Supported attributes: id`);
  }
  if (comparator !== "=") {
    throw invalidParameter(`issue.${key} comparator '${comparator}' not one of '{'='}'`);
  }
  return { kind: "issue", key, comparator, value };
}

const TAG_LINKED_PROMPTS = "mlflow.linkedPrompts";

/** The SQL store's rules for `prompt` (tag `mlflow.linkedPrompts`): `= 'name/version'` only. */
function promptClause(comparator: string, value: TraceClause["value"]): TraceClause {
  if (comparator !== "=") {
    throw invalidParameter(
      `Invalid comparator '${comparator}' for prompts filter. ` +
        `Only '=' is supported with format: prompt = "name/version"`,
    );
  }
  const text = String(value);
  if (text.split("/").length !== 2) {
    throw invalidParameter(
      `Invalid prompts filter value '${text}'. Expected format: prompt = "name/version"`,
    );
  }
  return { kind: "prompt", key: TAG_LINKED_PROMPTS, comparator, value: text };
}

/** The SQL store's name of an identifier type in messages. */
const TYPE_NAME: Record<string, string> = { metadata: "request_metadata" };

/**
 * The comparison value, checked as `SearchTraceUtils._get_value` checks it: by the identifier
 * as written (`rawKind`, `rawKey`), before aliases such as `name` → tag are applied.
 */
function value(
  node: Node,
  rawKind: Kind,
  rawKey: string,
  comparator: string,
): TraceClause["value"] {
  const type = TYPE_NAME[rawKind] ?? rawKind;
  const text = nodeText(node);
  if (rawKind === "feedback" || rawKind === "expectation") {
    const numeric = [">", ">=", "<", "<="].includes(comparator);
    if (isNumberValue(node) && numeric) return Number(text);
    if (isStringValue(node) && !numeric) return stripQuotes(text, true);
    throw invalidParameter(
      numeric
        ? `Expected a numeric value for ${type} when using comparator '${comparator}'. Got value ${text}`
        : `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${text}`,
    );
  }
  if (isStringValue(node)) return stripQuotes(text, true);
  if (isListValue(node)) {
    if (rawKind === "attribute" && !IN_KEYS.has(rawKey)) {
      throw invalidParameter(
        `Only attributes in ${reprStrSet(IN_KEYS)} supports comparison with a list ` +
          "of quoted string values.",
      );
    }
    if (rawKind !== "metadata") return parseStringList(node);
  }
  if (isNumberValue(node) && rawKind === "attribute") {
    if (!NUMERIC_WITH_ALIASES.includes(rawKey)) {
      throw invalidParameter(
        `Only the '${
          reprStrSet(NUMERIC_WITH_ALIASES)
        }' attributes support comparison with numeric values.`,
      );
    }
    return Number(text);
  }
  if (rawKind === "attribute") {
    throw invalidParameter(
      "Expected a quoted string value or a list of quoted string values for attributes. " +
        `Got value ${text}`,
    );
  }
  throw invalidParameter(
    `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${text}`,
  );
}

/** Parses and validates a trace filter string. */
export function parseTraceFilter(filter: string | undefined): TraceClause[] {
  if (!filter) return [];
  return filterComparisons(filter, "quoted").map((parts) => {
    validateComparison(parts);
    const id = identifier(nodeText(parts[0]!));
    const nt = nullTest(parts);
    const { kind, key } = resolve(id.kind, id.key);
    if (nt) {
      if (kind === "attribute") {
        throw invalidParameter(`Invalid comparator '${nt}' for attribute '${key}'`);
      }
      if (kind === "span") validateSpanClause(key, nt);
      if (kind === "issue") issueClause(key, nt, null);
      if (key === TAG_LINKED_PROMPTS && kind === "tag") promptClause(nt, null);
      return { kind, key, comparator: nt, value: null };
    }
    if (id.kind === "attribute" && !ATTRIBUTE_KEYS.has(id.key) && !ATTRIBUTE_KEYS.has(key)) {
      throw invalidParameter(
        `Invalid attribute key '${id.key}' specified. Valid keys are '${
          reprStrSet(ATTRIBUTE_KEYS)
        }'`,
      );
    }
    const comparator = nodeText(parts[1]!).toUpperCase();
    const v = value(parts[2]!, id.kind, id.key.toLowerCase(), comparator);
    if (kind === "issue") return issueClause(key, comparator, v);
    if (kind === "span") {
      return { kind, key, comparator: validateSpanClause(key, comparator, v), value: v };
    }
    const allowed = kind === "attribute"
      ? (NUMERIC.has(key) ? NUMERIC_CMP : STRING_CMP)
      : kind === "feedback" || kind === "expectation"
      ? ASSESSMENT_CMP
      : TAG_CMP;
    const known = asComparator(comparator, allowed);
    if (known === null) {
      // MLflow's tag message lacks the closing quote; the others have it.
      throw invalidParameter(
        `Invalid comparator '${comparator}' not one of '${reprStrSet(allowed)}` +
          (kind === "tag" ? "" : "'"),
      );
    }
    if (kind === "tag" && key === TAG_LINKED_PROMPTS) return promptClause(known, v);
    return { kind, key, comparator: known, value: v };
  });
}

export function attributeOf(r: TraceSearchRecord, key: string): string | number | null {
  switch (key) {
    case "request_id":
      return r.trace_id;
    case "timestamp_ms":
      return r.request_time;
    case "execution_time_ms":
      return r.execution_duration ?? null;
    case "end_time_ms":
      return r.execution_duration == null ? null : r.request_time + r.execution_duration;
    case "status":
      return r.state;
    case "client_request_id":
      return r.client_request_id ?? null;
  }
  return null;
}

function matchClause(r: TraceSearchRecord, c: TraceClause): boolean {
  if (c.kind === "attribute") {
    // The SQL store filters `timestamp_ms + coalesce(execution_time_ms, 0)`.
    const v = c.key === "end_time_ms"
      ? r.request_time + (r.execution_duration ?? 0)
      : attributeOf(r, c.key);
    if (v === null) return false;
    return sqlCompare(v, c.comparator, c.value);
  }
  if (c.kind === "tag" || c.kind === "metadata") {
    const map = c.kind === "tag" ? r.tags : r.metadata;
    let values = map[c.key] === undefined ? [] : [map[c.key]!];
    if (c.kind === "metadata" && c.key === "mlflow.sourceRun") {
      values = [...new Set([...values, ...(r.linked_runs ?? [])])];
    }
    if (c.comparator === "IS NULL") return values.length === 0;
    if (c.comparator === "IS NOT NULL") return values.length > 0;
    if (c.comparator === "!=") {
      return values.length > 0 && values.every((v) => sqlCompare(v, "!=", c.value));
    }
    return values.some((v) => sqlCompare(v, c.comparator, c.value));
  }
  if (c.kind === "prompt") return (r.linked_prompts ?? []).includes(String(c.value));
  if (c.kind === "issue") {
    return r.assessments.some((a) => a.kind === "issue" && a.name === c.value);
  }
  if (c.kind === "span") {
    // Span content is not on the record: those clauses are checked on the spans themselves.
    if (c.key !== "name" && c.key !== "type" && c.key !== "status") return true;
    const values = c.key === "name"
      ? r.span_names
      : c.key === "type"
      ? r.span_types
      : r.span_statuses;
    return (values ?? []).some((v) => sqlCompare(v, c.comparator, c.value));
  }
  const found = r.assessments.filter((a) => a.kind === c.kind && a.name === c.key && a.valid);
  if (c.comparator === "IS NULL") return found.length === 0;
  if (c.comparator === "IS NOT NULL") return found.length > 0;
  return found.some((a) => {
    const v = a.value;
    if (typeof c.value === "number") {
      const n = typeof v === "boolean" ? Number(v) : Number(v);
      return typeof v !== "string" && !Number.isNaN(n) && sqlCompare(n, c.comparator, c.value);
    }
    return assessmentTextMatches(pythonJsonDumps(v), c.comparator, c.value);
  });
}

/**
 * The SQL store keeps an assessment value as its `json.dumps` text and compares that text
 * (`_get_sql_json_comparison_func`): `=`/`!=` accept the filter value as written or as JSON
 * (`'yes'` finds the string `"yes"`, `'true'` the boolean), the pattern comparators see the
 * JSON text itself (a string keeps its quotes).
 */
function assessmentTextMatches(json: string, cmp: Comparator, value: TraceClause["value"]) {
  if (cmp !== "=" && cmp !== "!=") return sqlCompare(json, cmp, value);
  const equal = sqlCompare(json, "=", value) || sqlCompare(json, "=", pythonJsonDumps(value));
  return cmp === "=" ? equal : !equal;
}

/**
 * The span clauses that need the trace's spans read: all of them when one reads span content
 * (`span.attributes.<k>`, `span.content`, `trace.text`) or when several must hold for the same
 * span; otherwise none (the record's span facets answer a single name/type/status clause).
 */
export function spanClausesNeedingRows(clauses: TraceClause[]): SpanClause[] {
  const spans = clauses.filter((c) => c.kind === "span");
  return spans.length > 1 || spans.some(needsSpanContent) ? spans : [];
}

/** A predicate for the parsed clauses (all must hold). */
export function traceMatcher(clauses: TraceClause[]): (r: TraceSearchRecord) => boolean {
  return (r) => clauses.every((c) => matchClause(r, c));
}
