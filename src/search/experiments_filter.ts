/**
 * Experiment search filters (`SearchExperimentsUtils` and the SQL store's
 * `_get_search_experiments_filter_clauses`): attributes `name`, `creation_time`,
 * `last_update_time`; `tag(s).k` including `IS [NOT] NULL`.
 *
 * Note: the SQL store does not upper-case comparators here, so `name like 'a%'` is
 * rejected as MLflow rejects it.
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import {
  asComparator,
  BASIC_STRING_COMPARATORS,
  type Clause,
  type ClauseType,
  NUMERIC_COMPARATORS,
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
  splitIdentifier,
  stripQuotes,
  unquoteKey,
  validateComparison,
} from "./filter_syntax.ts";
import { type Node, nodeText } from "./grouping.ts";
import { reprStrSet, reprStrTuple } from "./py_repr.ts";

/** `SearchExperimentsUtils.VALID_SEARCH_ATTRIBUTE_KEYS`. */
export const EXPERIMENT_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "creation_time",
  "last_update_time",
]);

/** `SearchExperimentsUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS`. */
export const EXPERIMENT_ORDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "experiment_id",
  "creation_time",
  "last_update_time",
]);

const EXPERIMENT_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set([
  "creation_time",
  "last_update_time",
]);

const ENTITY_TYPES = ["attribute", "tag", "tags"];

/**
 * The clause type of an `attribute.`/`tag.`/`tags.` prefix (none: attribute), for the
 * experiment and registry grammars, which know only those two types.
 */
export function attributeOrTag(rawType: string | null): ClauseType {
  if (rawType === null) return "attribute";
  if (!ENTITY_TYPES.includes(rawType)) {
    throw invalidParameter(
      `Invalid entity type '${rawType}'. Valid entity types are ${reprStrTuple(ENTITY_TYPES)}`,
    );
  }
  return rawType === "attribute" ? "attribute" : "tag";
}

/**
 * `SearchExperimentsUtils._get_identifier` (also used for model-version order-by):
 * `attribute.k`, `tag.k`, `tags.k` or a bare attribute key.
 */
export function experimentStyleIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: ClauseType; key: string } {
  const [rawType, rawKey] = splitIdentifier(identifier);
  const type = attributeOrTag(rawType);
  const key = unquoteKey(rawKey);
  if (type === "attribute" && !validAttributes.has(key)) {
    throw invalidParameter(
      `Invalid attribute key '${key}' specified. Valid keys are '${reprStrSet(validAttributes)}'`,
    );
  }
  return { type, key };
}

function experimentValue(type: ClauseType, key: string, n: Node): string {
  const text = nodeText(n);
  if (type === "tag") {
    if (isStringValue(n)) return stripQuotes(text, true);
    throw invalidParameter(
      `Expected a quoted string value for tag (e.g. 'my-value'). Got value ${text}`,
    );
  }
  if (EXPERIMENT_NUMERIC_ATTRIBUTES.has(key)) {
    if (!isNumberValue(n)) {
      throw invalidParameter(
        `Expected numeric value type for numeric attribute: ${key}. Found ${text}`,
      );
    }
    return text;
  }
  if (isStringValue(n)) return stripQuotes(text, true);
  if (isListValue(n)) {
    throw invalidParameter(
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
  }
  throw invalidParameter(`Expected a quoted string value for attributes. Got value ${text}`);
}

function experimentComparison(parts: ComparisonParts): ParsedClause {
  validateComparison(parts);
  const left = nodeText(parts[0] as Node);
  const { type, key } = experimentStyleIdentifier(left, EXPERIMENT_SEARCH_ATTRIBUTES);
  const isNull = nullTest(parts);
  if (isNull !== null) {
    if (type !== "tag") {
      throw invalidParameter(
        `IS NULL / IS NOT NULL is only supported for tags, not for attribute '${key}'`,
      );
    }
    return { type, key, comparator: isNull, value: null };
  }
  return {
    type,
    key,
    comparator: nodeText(parts[1] as Node),
    value: experimentValue(type, key, parts[2] as Node),
  };
}

/** `SearchExperimentsUtils.parse_search_filter`, before comparator validation. */
export function parseExperimentFilterRaw(filter: string | null | undefined): ParsedClause[] {
  if (!filter) return [];
  return filterComparisons(filter, "plain").map(experimentComparison);
}

/** `_get_search_experiments_filter_clauses`: comparator checks (case-sensitive). */
export function validateExperimentClauses(parsed: readonly ParsedClause[]): Clause[] {
  return parsed.map((p) => {
    const c = p.comparator;
    if (p.type === "tag") {
      if (c === "IS NULL" || c === "IS NOT NULL") {
        return { type: "tag", key: p.key, comparator: c, value: null };
      }
      const ok = asComparator(c, BASIC_STRING_COMPARATORS);
      if (ok === null) throw invalidParameter(`Invalid comparator for tag: ${c}`);
      return { type: "tag", key: p.key, comparator: ok, value: p.value as string };
    }
    const stringSet = reprStrSet(STRING_ATTRIBUTE_COMPARATORS);
    if (EXPERIMENT_NUMERIC_ATTRIBUTES.has(p.key)) {
      const ok = asComparator(c, NUMERIC_COMPARATORS);
      if (ok === null) throw invalidParameter(`Invalid comparator '${c}' not one of '${stringSet}`);
      return { type: "attribute", key: p.key, comparator: ok, value: toNumber(p.value as string) };
    }
    if (asComparator(c, STRING_ATTRIBUTE_COMPARATORS) === null) {
      throw invalidParameter(`Invalid comparator '${c}' not one of '${stringSet}'`);
    }
    const ok = asComparator(c, BASIC_STRING_COMPARATORS);
    if (ok === null) throw invalidParameter(`Invalid comparator for string attribute: ${c}`);
    return { type: "attribute", key: p.key, comparator: ok, value: p.value as string };
  });
}

/** Parse and validate an experiment filter. */
export function parseExperimentFilter(filter: string | null | undefined): Clause[] {
  return validateExperimentClauses(parseExperimentFilterRaw(filter));
}
