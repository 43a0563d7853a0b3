/**
 * The evaluation-dataset search grammar (`SearchEvaluationDatasetsUtils`): attributes `name`,
 * `created_time`, `last_update_time`, `created_by`, `last_updated_by`, and `tags.<key>`;
 * AND-only; `IN (...)` for `name`. Order by `name`, `created_time`, `last_update_time`.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";
import {
  asComparator,
  type Clause,
  type Comparator,
  NUMERIC_COMPARATORS,
  toNumber,
} from "./ast.ts";
import {
  filterComparisons,
  isListValue,
  isNumberValue,
  nullTest,
  parseStringList,
  splitIdentifier,
  stripQuotes,
  unquoteKey,
  validateComparison,
} from "./filter_syntax.ts";
import { type Node, nodeText } from "./grouping.ts";
import { sqlCompare } from "./comparators.ts";

const ATTRIBUTES = ["name", "created_time", "last_update_time", "created_by", "last_updated_by"];
const NUMERIC = new Set(["created_time", "last_update_time"]);
const ORDER_ATTRIBUTES = new Set(["name", "created_time", "last_update_time"]);
const STRING_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];
const TAG_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];

/** What a dataset filter is evaluated on. */
export interface DatasetFilterRecord {
  name: string;
  created_time: number;
  last_update_time: number;
  created_by?: string;
  last_updated_by?: string;
  tags: Record<string, string>;
}

function comparison(parts: readonly Node[]): Clause {
  validateComparison(parts);
  const [rawType, rawKey] = splitIdentifier(nodeText(parts[0] as Node));
  const key = unquoteKey(rawKey);
  if (rawType !== null && rawType !== "tags" && rawType !== "tag") {
    throw invalidParameter(`Invalid entity type '${rawType}'. Valid entity types are ['tags']`);
  }
  const type = rawType === null ? "attribute" : "tag";
  if (type === "attribute" && !ATTRIBUTES.includes(key)) {
    throw invalidParameter(
      `Invalid attribute key '${key}' specified. Valid keys are: {'${ATTRIBUTES.join("', '")}'}`,
    );
  }
  const isNull = nullTest(parts);
  if (isNull !== null) return { type, key, comparator: isNull, value: null };
  const text = nodeText(parts[1] as Node);
  const valueNode = parts[2] as Node;
  if (type === "attribute" && NUMERIC.has(key)) {
    const c = asComparator(text, NUMERIC_COMPARATORS);
    if (c === null) throw invalidParameter(`Invalid comparator '${text}' for attribute '${key}'`);
    if (!isNumberValue(valueNode)) {
      throw invalidParameter(
        `Expected numeric value type for numeric attribute: ${key}. Found ${nodeText(valueNode)}`,
      );
    }
    return { type, key, comparator: c, value: toNumber(nodeText(valueNode)) };
  }
  const c = asComparator(text, type === "tag" ? TAG_COMPARATORS : STRING_COMPARATORS);
  if (c === null) throw invalidParameter(`Invalid comparator '${text}' for ${type} '${key}'`);
  if (isListValue(valueNode)) {
    if (c !== "IN" && c !== "NOT IN") {
      throw invalidParameter("List values for 'name' are only supported with the IN comparator.");
    }
    return { type, key, comparator: c, value: parseStringList(valueNode) };
  }
  return { type, key, comparator: c, value: stripQuotes(nodeText(valueNode), true) };
}

/** Parses a dataset filter string into clauses (MLflow's messages on bad input). */
export function parseDatasetFilter(filter: string | undefined): Clause[] {
  if (!filter) return [];
  return filterComparisons(filter, "plain").map(comparison);
}

/** True when `r` satisfies every clause. */
export function matchDataset(clauses: readonly Clause[], r: DatasetFilterRecord): boolean {
  return clauses.every((c) => {
    const v = c.type === "tag"
      ? (Object.hasOwn(r.tags, c.key) ? r.tags[c.key] : undefined)
      : (r as unknown as Record<string, string | number | undefined>)[c.key];
    return sqlCompare(v, c.comparator, c.value);
  });
}

/** One order-by term. */
export interface DatasetOrder {
  key: "name" | "created_time" | "last_update_time";
  ascending: boolean;
}

/** Parses `order_by` (default `created_time DESC`). */
export function parseDatasetOrderBy(orderBy: readonly string[] | undefined): DatasetOrder[] {
  if (!orderBy || orderBy.length === 0) return [{ key: "created_time", ascending: false }];
  return orderBy.map((raw) => {
    const m = /^\s*(\S+)(?:\s+(ASC|DESC))?\s*$/i.exec(raw);
    const key = m ? unquoteKey(m[1]!.replace(/^attributes?\./, "")) : "";
    if (!m || !ORDER_ATTRIBUTES.has(key)) {
      throw invalidParameter(`Invalid order_by clause '${raw}'. Could not be parsed.`);
    }
    return {
      key: key as DatasetOrder["key"],
      ascending: (m[2] ?? "ASC").toUpperCase() === "ASC",
    };
  });
}
