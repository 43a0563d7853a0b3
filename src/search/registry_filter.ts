/**
 * Model registry filters: registered models (`SearchModelUtils`, attribute `name` and
 * `tags.k`) and model versions (`SearchModelVersionUtils`, attributes `name`, `run_id`,
 * `source_path`, `version_number` and `tags.k`), with the SQL store's comparator checks.
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import {
  asComparator,
  BASIC_STRING_COMPARATORS,
  type Clause,
  type ClauseType,
  type Comparator,
  NUMERIC_COMPARATORS,
  type ParsedClause,
} from "./ast.ts";
import {
  type ComparisonParts,
  filterComparisons,
  isListValue,
  isNumberValue,
  isStringValue,
  parseLowerCaseList,
  splitIdentifier,
  stripQuotes,
  unquoteKey,
  validateComparison,
} from "./filter_syntax.ts";
import { attributeOrTag } from "./experiments_filter.ts";
import { isTok, type Node, nodeText } from "./grouping.ts";
import { reprStrSet } from "./py_repr.ts";

/** The tag that marks prompts (`mlflow.prompt.is_prompt`). */
export const IS_PROMPT_TAG_KEY = "mlflow.prompt.is_prompt";

/** `SearchModelUtils.VALID_SEARCH_ATTRIBUTE_KEYS`. */
export const REGISTERED_MODEL_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set(["name"]);

/** `SearchModelVersionUtils.VALID_SEARCH_ATTRIBUTE_KEYS`. */
export const MODEL_VERSION_SEARCH_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "version_number",
  "run_id",
  "source_path",
]);

/** `SearchModelVersionUtils.NUMERIC_ATTRIBUTES`. */
export const MODEL_VERSION_NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set([
  "version_number",
  "creation_timestamp",
  "last_updated_timestamp",
]);

/** `_get_model_search_identifier`: the attribute key is checked before quotes are removed. */
function registryIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: ClauseType; key: string } {
  const [rawType, rawKey] = splitIdentifier(identifier);
  const type = attributeOrTag(rawType);
  if (type === "attribute" && !validAttributes.has(rawKey)) {
    throw invalidParameter(
      `Invalid attribute key '${rawKey}' specified. Valid keys are '${
        reprStrSet(validAttributes)
      }'`,
    );
  }
  return { type, key: unquoteKey(rawKey) };
}

function tagValue(n: Node): string {
  const text = nodeText(n);
  if (isStringValue(n)) return stripQuotes(text, true);
  throw invalidParameter(
    `Expected a quoted string value for tag (e.g. 'my-value'). Got value ${text}`,
  );
}

function onlyRunIdLists(): never {
  throw invalidParameter(
    "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
  );
}

function notAStringOrList(text: string): never {
  throw invalidParameter(
    "Expected a quoted string value or a list of quoted string values for attributes. " +
      `Got value ${text}`,
  );
}

function registeredModelValue(type: ClauseType, n: Node): ParsedClause["value"] {
  if (type === "tag") return tagValue(n);
  if (isStringValue(n)) return stripQuotes(nodeText(n), true);
  if (isListValue(n)) onlyRunIdLists();
  return notAStringOrList(nodeText(n));
}

function modelVersionValue(type: ClauseType, key: string, n: Node): ParsedClause["value"] {
  if (type === "tag") return tagValue(n);
  const text = nodeText(n);
  if (isStringValue(n)) return stripQuotes(text, true);
  if (isListValue(n)) {
    if (key !== "run_id") onlyRunIdLists();
    return parseLowerCaseList(n);
  }
  if (isNumberValue(n)) {
    if (!MODEL_VERSION_NUMERIC_ATTRIBUTES.has(key)) {
      throw invalidParameter(
        `Only the '${
          reprStrSet(MODEL_VERSION_NUMERIC_ATTRIBUTES)
        }' attributes support comparison with numeric values.`,
      );
    }
    return isTok(n, "integer") ? Number.parseInt(text, 10) : Number(text);
  }
  return notAStringOrList(text);
}

function registryComparison(
  parts: ComparisonParts,
  valid: ReadonlySet<string>,
  value: (type: ClauseType, key: string, n: Node) => ParsedClause["value"],
): ParsedClause {
  validateComparison(parts);
  if (parts.length !== 3) {
    // MLflow fails here with a Python unpacking error (HTTP 500); we answer 400 instead.
    throw invalidParameter(`Invalid comparison clause. Expected 3 tokens found ${parts.length}`);
  }
  const { type, key } = registryIdentifier(nodeText(parts[0] as Node), valid);
  return {
    type,
    key,
    comparator: nodeText(parts[1] as Node).toUpperCase(),
    value: value(type, key, parts[2] as Node),
  };
}

/** `SearchModelUtils.parse_search_filter`, before the store's comparator checks. */
export function parseRegisteredModelFilterRaw(filter: string | null | undefined): ParsedClause[] {
  if (!filter) return [];
  return filterComparisons(filter, "plain").map((p) =>
    registryComparison(
      p,
      REGISTERED_MODEL_SEARCH_ATTRIBUTES,
      (t, _k, n) => registeredModelValue(t, n),
    )
  );
}

/** `SearchModelVersionUtils.parse_search_filter`, before the store's comparator checks. */
export function parseModelVersionFilterRaw(filter: string | null | undefined): ParsedClause[] {
  if (!filter) return [];
  return filterComparisons(filter, "plain").map((p) =>
    registryComparison(p, MODEL_VERSION_SEARCH_ATTRIBUTES, modelVersionValue)
  );
}

function listNeedsIn(c: Comparator, value: ParsedClause["value"]): void {
  if (Array.isArray(value) && c !== "IN" && c !== "NOT IN") {
    // MLflow passes the list to SQL and fails (HTTP 500); we answer 400.
    throw invalidParameter(`Invalid comparator for attribute with a list of values: ${c}`);
  }
}

function tagClause(p: ParsedClause): Clause {
  const c = asComparator(p.comparator, BASIC_STRING_COMPARATORS);
  if (c === null) throw invalidParameter(`Invalid comparator for tag: ${p.comparator}`);
  return { type: "tag", key: p.key, comparator: c, value: p.value as string };
}

/** The SQL store's checks in `_get_search_registered_model_filter_query`. */
export function validateRegisteredModelClauses(parsed: readonly ParsedClause[]): Clause[] {
  return parsed.map((p) => {
    if (p.type === "tag") return tagClause(p);
    if (p.key !== "name") throw invalidParameter(`Invalid attribute name: ${p.key}`);
    const c = asComparator(p.comparator, BASIC_STRING_COMPARATORS);
    if (c === null) throw invalidParameter(`Invalid comparator for attribute: ${p.comparator}`);
    return { type: "attribute", key: p.key, comparator: c, value: p.value as string };
  });
}

const MODEL_VERSION_STRING_COMPARATORS: readonly Comparator[] = [
  "!=",
  "=",
  "LIKE",
  "ILIKE",
  "IN",
];

/** The SQL store's checks in `_get_search_model_versions_filter_clauses`. */
export function validateModelVersionClauses(parsed: readonly ParsedClause[]): Clause[] {
  return parsed.map((p) => {
    if (p.type === "tag") return tagClause(p);
    if (!MODEL_VERSION_SEARCH_ATTRIBUTES.has(p.key)) {
      throw invalidParameter(`Invalid attribute name: ${p.key}`);
    }
    if (MODEL_VERSION_NUMERIC_ATTRIBUTES.has(p.key)) {
      const c = asComparator(p.comparator, NUMERIC_COMPARATORS);
      if (c === null) {
        throw invalidParameter(`Invalid comparator for attribute ${p.key}: ${p.comparator}`);
      }
      return { type: "attribute", key: p.key, comparator: c, value: p.value as number | string };
    }
    const c = asComparator(p.comparator, MODEL_VERSION_STRING_COMPARATORS);
    if (c === null || (c === "IN" && p.key !== "run_id")) {
      throw invalidParameter(`Invalid comparator for attribute: ${p.comparator}`);
    }
    listNeedsIn(c, p.value);
    return { type: "attribute", key: p.key, comparator: c, value: p.value as string | string[] };
  });
}

/** Parse and validate a registered-model filter. */
export function parseRegisteredModelFilter(filter: string | null | undefined): Clause[] {
  return validateRegisteredModelClauses(parseRegisteredModelFilterRaw(filter));
}

/** Parse and validate a model-version filter. */
export function parseModelVersionFilter(filter: string | null | undefined): Clause[] {
  return validateModelVersionClauses(parseModelVersionFilterRaw(filter));
}

/**
 * `_is_querying_prompt`: the first clause on the prompt tag decides; `= 'true'` or
 * `!= 'false'` (any case) asks for prompts, anything else (or no such clause) for models.
 */
export function isQueryingPrompts(clauses: readonly Clause[]): boolean {
  for (const c of clauses) {
    if (c.type !== "tag" || c.key !== IS_PROMPT_TAG_KEY) continue;
    const v = typeof c.value === "string" ? c.value.toLowerCase() : "";
    return (c.comparator === "=" && v === "true") || (c.comparator === "!=" && v === "false");
  }
  return false;
}
