/**
 * Run search filters (`SearchUtils` and the SQL store's `_get_sqlalchemy_filter_clauses`):
 * `metric(s).k`, `param(s)/parameter(s).k`, `tag(s).k`, `attribute(s)/attr/run.k` (or a bare
 * key) and `dataset(s).k`.
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import {
  asComparator,
  type Clause,
  type ClauseType,
  type Comparator,
  NUMERIC_COMPARATORS,
  PARAM_TAG_COMPARATORS,
  type ParsedClause,
  STRING_ATTRIBUTE_COMPARATORS,
  toNumber,
} from "./ast.ts";
import {
  type ComparisonParts,
  filterComparisons,
  isListValue,
  isNumberValue,
  isStringValue,
  nullTest,
  parseLowerCaseList,
  splitIdentifier,
  stripQuotes,
  trimBackticks,
  unquoteKey,
  validateComparison,
} from "./filter_syntax.ts";
import { type Node, nodeText } from "./grouping.ts";
import { reprStrList, reprStrSet } from "./py_repr.ts";

const TYPE_NAMES: Readonly<Record<string, ClauseType>> = {
  metric: "metric",
  metrics: "metric",
  parameter: "parameter",
  parameters: "parameter",
  param: "parameter",
  params: "parameter",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
  dataset: "dataset",
  datasets: "dataset",
};

const CANONICAL_TYPES = ["metric", "parameter", "tag", "attribute", "dataset"];

/** Numeric run attributes, aliases included. */
export const RUN_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set([
  "start_time",
  "end_time",
  "created",
  "Created",
]);

/** `SearchUtils.VALID_SEARCH_ATTRIBUTE_KEYS`. */
export const RUN_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set([
  "artifact_uri",
  "end_time",
  "run_id",
  "run_name",
  "start_time",
  "status",
  "user_id",
  "created",
  "Created",
  "run name",
  "Run name",
  "Run Name",
]);

/** `SearchUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS`. */
export const RUN_ORDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  "artifact_uri",
  "end_time",
  "run_id",
  "run_name",
  "start_time",
  "status",
  "user_id",
  "created",
  "Created",
]);

/** `SearchUtils.DATASET_ATTRIBUTES`. */
export const DATASET_KEYS: ReadonlySet<string> = new Set(["name", "digest", "context"]);

/** `translate_key_alias`. */
export function translateRunKeyAlias(key: string): string {
  if (key === "created" || key === "Created") return "start_time";
  if (key === "run name" || key === "Run name" || key === "Run Name") return "run_name";
  return key;
}

/** `SearchUtils._get_identifier`: the type and key of `type.key` (or a bare attribute key). */
export function runIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: ClauseType; key: string } {
  const [rawType, rawKey] = splitIdentifier(identifier);
  let type: ClauseType = "attribute";
  if (rawType !== null) {
    const trimmed = trimBackticks(rawType);
    const known = TYPE_NAMES[trimmed];
    if (known === undefined || !Object.hasOwn(TYPE_NAMES, trimmed)) {
      throw invalidParameter(
        `Invalid entity type '${trimmed}'. Valid values are ${reprStrList(CANONICAL_TYPES)}`,
      );
    }
    type = known;
  }
  const key = unquoteKey(rawKey);
  if (type === "attribute" && !validAttributes.has(key)) {
    throw invalidParameter(
      `Invalid attribute key '${key}' specified. Valid keys are '${reprStrSet(validAttributes)}'`,
    );
  }
  if (type === "dataset" && !DATASET_KEYS.has(key)) {
    throw invalidParameter(
      `Invalid dataset key '${key}' specified. Valid keys are '${reprStrSet(DATASET_KEYS)}'`,
    );
  }
  return { type, key };
}

function runValue(type: ClauseType, key: string, n: Node): ParsedClause["value"] {
  const text = nodeText(n);
  switch (type) {
    case "metric":
      if (!isNumberValue(n)) {
        throw invalidParameter(`Expected numeric value type for metric. Found ${text}`);
      }
      return text;
    case "parameter":
    case "tag":
      if (isStringValue(n)) return stripQuotes(text, true);
      throw invalidParameter(
        `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${text}`,
      );
    case "attribute":
      if (RUN_NUMERIC_ATTRIBUTES.has(key)) {
        if (!isNumberValue(n)) {
          throw invalidParameter(
            `Expected numeric value type for numeric attribute: ${key}. Found ${text}`,
          );
        }
        return text;
      }
      if (isStringValue(n)) return stripQuotes(text, true);
      if (isListValue(n)) {
        if (key !== "run_id") {
          throw invalidParameter(
            "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
          );
        }
        return parseLowerCaseList(n);
      }
      throw invalidParameter(`Expected a quoted string value for attributes. Got value ${text}`);
    case "dataset":
      if (isStringValue(n)) return stripQuotes(text, true);
      if (isListValue(n)) return parseLowerCaseList(n);
      throw invalidParameter(
        `Expected a quoted string value for dataset attributes. Got value ${text}`,
      );
  }
}

function runComparison(parts: ComparisonParts): ParsedClause {
  validateComparison(parts);
  const left = nodeText(parts[0] as Node);
  const isNull = nullTest(parts);
  if (isNull !== null) {
    const { type, key } = runIdentifier(left, RUN_SEARCH_ATTRIBUTES);
    if (type !== "tag" && type !== "parameter") {
      throw invalidParameter(
        "IS NULL / IS NOT NULL is only supported for tags and params, " +
          `not for '${type}' '${key}'`,
      );
    }
    return { type, key, comparator: isNull, value: null };
  }
  const { type, key } = runIdentifier(left, RUN_SEARCH_ATTRIBUTES);
  return {
    type,
    key,
    comparator: nodeText(parts[1] as Node),
    value: runValue(type, key, parts[2] as Node),
  };
}

/** `SearchUtils.parse_search_filter`: the clauses as MLflow parses them, not yet validated. */
export function parseRunFilterRaw(filter: string | null | undefined): ParsedClause[] {
  if (!filter) return [];
  return filterComparisons(filter, "quoted").map(runComparison);
}

function badComparator(
  comparator: string,
  allowed: readonly string[],
  closingQuote: boolean,
): never {
  throw invalidParameter(
    `Invalid comparator '${comparator}' not one of '${reprStrSet(allowed)}${
      closingQuote ? "'" : ""
    }`,
  );
}

/**
 * A list value with `=`, `LIKE`...: MLflow hands the list to SQL and fails (HTTP 500); we
 * answer 400. `IN`/`NOT IN` with a single quoted string compares with that one string.
 */
function listNeedsIn(c: Comparator, value: ParsedClause["value"]): void {
  if (Array.isArray(value) && c !== "IN" && c !== "NOT IN") {
    throw invalidParameter(`Invalid comparator '${c}' for a list of values. Use IN or NOT IN.`);
  }
}

/**
 * The SQL store's comparator checks (`is_string_attribute`, `is_numeric_attribute`,
 * `is_metric`, `is_param`, `is_tag`, `is_dataset`), with values converted to numbers.
 */
export function validateRunClauses(parsed: readonly ParsedClause[]): Clause[] {
  return parsed.map((p) => {
    const upper = p.comparator.toUpperCase();
    const key = translateRunKeyAlias(p.key);
    switch (p.type) {
      case "attribute": {
        if (!RUN_NUMERIC_ATTRIBUTES.has(key)) {
          const c = asComparator(upper, STRING_ATTRIBUTE_COMPARATORS) ??
            badComparator(upper, STRING_ATTRIBUTE_COMPARATORS, true);
          listNeedsIn(c, p.value);
          return { type: p.type, key, comparator: c, value: p.value as string | string[] };
        }
        const c = asComparator(upper, NUMERIC_COMPARATORS) ??
          badComparator(upper, STRING_ATTRIBUTE_COMPARATORS, false);
        return { type: p.type, key, comparator: c, value: toNumber(p.value as string) };
      }
      case "metric": {
        const c = asComparator(upper, NUMERIC_COMPARATORS) ??
          badComparator(upper, NUMERIC_COMPARATORS, false);
        return { type: p.type, key, comparator: c, value: toNumber(p.value as string) };
      }
      case "parameter":
      case "tag": {
        const c = asComparator(upper, PARAM_TAG_COMPARATORS) ??
          badComparator(upper, PARAM_TAG_COMPARATORS, p.type === "parameter");
        return { type: p.type, key, comparator: c, value: p.value as string | null };
      }
      case "dataset": {
        const c = asComparator(upper, STRING_ATTRIBUTE_COMPARATORS) ??
          badComparator(upper, STRING_ATTRIBUTE_COMPARATORS, false);
        listNeedsIn(c, p.value);
        return { type: p.type, key, comparator: c, value: p.value as string | string[] };
      }
    }
  });
}

/** Parse and validate a run filter. Throws `INVALID_PARAMETER_VALUE` with MLflow's message. */
export function parseRunFilter(filter: string | null | undefined): Clause[] {
  return validateRunClauses(parseRunFilterRaw(filter));
}
