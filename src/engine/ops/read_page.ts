/**
 * What Query and Scan share: reading one page of entries (Limit counted before the filter, the
 * 1 MB page cap, LastEvaluatedKey), Select/ProjectionExpression handling and ExclusiveStartKey
 * validation.
 *
 * @module
 */
import type { QueryCommandOutput, ReturnConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { readUnits, Tally } from "../capacity.ts";
import { validationError } from "../errors.ts";
import type { EngineState } from "../state.ts";
import type { Condition, PathOperand } from "../expression/ast.ts";
import { evaluateCondition } from "../expression/evaluate_condition.ts";
import { project } from "../expression/projection.ts";
import type { KeyAttribute } from "../schema.ts";
import type { IndexData, Stored, TableData } from "../table_data.ts";
import { cloneItem, type Item, typeOf, validateValue, ValueError } from "../values.ts";

/** DynamoDB stops a Query or Scan page once this much data has been read. */
export const PAGE_BYTES = 1024 * 1024;

/** The Select modes. */
export type Select =
  | "ALL_ATTRIBUTES"
  | "ALL_PROJECTED_ATTRIBUTES"
  | "SPECIFIC_ATTRIBUTES"
  | "COUNT";

/** How to read a page. */
export interface PageOptions {
  table: TableData;
  index?: IndexData;
  limit?: number;
  filter?: Condition;
  select: Select;
  projection?: PathOperand[];
  nowMs: number;
}

/** One page. */
export interface Page {
  items: Item[];
  count: number;
  scanned: number;
  bytes: number;
  lastKey?: Item;
  /** Highest journal sequence among the items the page saw (see `EngineState.settledFor`). */
  maxSeq: number;
}

/** Validates Limit. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 1) {
    throw validationError("Limit must be greater than or equal to 1");
  }
  return limit;
}

/** Resolves and validates Select against ProjectionExpression and the index's projection. */
export function resolveSelect(
  select: string | undefined,
  hasProjection: boolean,
  index: IndexData | undefined,
): Select {
  const s = (select ??
    (hasProjection
      ? "SPECIFIC_ATTRIBUTES"
      : index
      ? "ALL_PROJECTED_ATTRIBUTES"
      : "ALL_ATTRIBUTES")) as Select;
  if (!["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"].includes(s)) {
    throw validationError(
      `1 validation error detected: Value '${s}' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]`,
    );
  }
  if (hasProjection && s !== "SPECIFIC_ATTRIBUTES") {
    throw validationError(
      s === "COUNT"
        ? "Cannot specify the ProjectionExpression when choosing to get only the Count"
        : `Cannot specify the ProjectionExpression when choosing to get ${s}`,
    );
  }
  if (s === "SPECIFIC_ATTRIBUTES" && !hasProjection) {
    throw validationError(
      "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
    );
  }
  if (s === "ALL_PROJECTED_ATTRIBUTES" && !index) {
    throw validationError(
      "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
    );
  }
  if (s === "ALL_ATTRIBUTES" && index?.schema.kind === "GSI" && index.projected) {
    throw validationError(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.schema.name} because its projection type is not ALL`,
    );
  }
  return s;
}

/** The key attributes of a page position: the table's, plus the index's for an index. */
export function positionAttributes(table: TableData, index?: IndexData): KeyAttribute[] {
  const attrs: KeyAttribute[] = [table.schema.hash];
  if (table.schema.range) attrs.push(table.schema.range);
  if (index) {
    for (const a of [index.schema.hash, index.schema.range]) {
      if (a && !attrs.some((x) => x.name === a.name)) attrs.push(a);
    }
  }
  return attrs;
}

/** Validates ExclusiveStartKey; returns a canonical copy. */
export function checkStartKey(
  raw: Record<string, unknown> | undefined,
  table: TableData,
  index?: IndexData,
): Item | undefined {
  if (raw === undefined) return undefined;
  const attrs = positionAttributes(table, index);
  if (Object.keys(raw).length !== attrs.length) {
    throw validationError(
      index
        ? "The provided starting key is invalid"
        : "Exclusive Start Key must have same size as table's key schema",
    );
  }
  const key: Item = {};
  for (const a of attrs) {
    const v = raw[a.name];
    if (v === undefined) throw validationError("The provided starting key is invalid");
    try {
      key[a.name] = validateValue(v);
    } catch (e) {
      if (e instanceof ValueError) {
        throw validationError(`The provided starting key is invalid: ${e.message}`);
      }
      throw e;
    }
    if (typeOf(key[a.name]!) !== a.type) {
      throw validationError(
        "The provided starting key is invalid: One or more parameter values were invalid: Type mismatch for key",
      );
    }
  }
  return key;
}

function positionOf(s: Stored, attrs: KeyAttribute[]): Item {
  const key: Item = {};
  for (const a of attrs) key[a.name] = cloneItem({ v: s.item[a.name]! }).v!;
  return key;
}

/** Reads entries in order until the Limit, the 1 MB cap or the end. */
export function readPage(entries: Iterator<Stored>, o: PageOptions): Page {
  const page: Page = { items: [], count: 0, scanned: 0, bytes: 0, maxSeq: 0 };
  const attrs = positionAttributes(o.table, o.index);
  // An LSI fetches non-projected attributes from the table; a GSI cannot.
  const fullItem = !o.index ||
    (o.index.schema.kind === "LSI" && o.select !== "ALL_PROJECTED_ATTRIBUTES");
  for (;;) {
    const next = entries.next();
    if (next.done) return page;
    const s = next.value;
    if (o.table.isExpired(s, o.nowMs)) continue;
    if (s.seq! > page.maxSeq) page.maxSeq = s.seq!;
    page.bytes += o.index ? o.index.projectedSize(s) : s.size;
    page.scanned++;
    const view = fullItem ? s.item : o.index!.project(s.item);
    if (!o.filter || evaluateCondition(o.filter, view)) {
      page.count++;
      if (o.select !== "COUNT") {
        page.items.push(o.projection ? project(view, o.projection) : cloneItem(view));
      }
    }
    if (o.limit !== undefined && page.scanned >= o.limit) {
      page.lastKey = positionOf(s, attrs);
      return page;
    }
    if (page.bytes >= PAGE_BYTES) {
      if (hasLive(entries, o, page)) page.lastKey = positionOf(s, attrs);
      return page;
    }
  }
}

function hasLive(entries: Iterator<Stored>, o: PageOptions, page: Page): boolean {
  for (;;) {
    const next = entries.next();
    if (next.done) return false;
    if (!o.table.isExpired(next.value, o.nowMs)) {
      if (next.value.seq! > page.maxSeq) page.maxSeq = next.value.seq!;
      return true;
    }
  }
}

/** The output fields Query and Scan share. */
export type ReadOutput = Pick<
  QueryCommandOutput,
  "Items" | "Count" | "ScannedCount" | "LastEvaluatedKey" | "ConsumedCapacity"
>;

/**
 * Reads one page for Query or Scan, charges its read units (to the index when reading one; GSI
 * reads are always eventually consistent) and builds the response.
 */
export async function servePage(
  state: EngineState,
  entries: Iterator<Stored>,
  o: Omit<PageOptions, "nowMs"> & {
    consistentRead?: boolean;
    returnConsumedCapacity?: ReturnConsumedCapacity | string;
  },
): Promise<ReadOutput> {
  const { consistentRead, returnConsumedCapacity, ...options } = o;
  const page = readPage(entries, { ...options, nowMs: state.now() });
  const { table, index } = options;
  const units = readUnits(page.bytes, index?.schema.kind !== "GSI" && consistentRead === true);
  const tally = new Tally();
  if (index) {
    tally.table(table.schema.name, 0, 0);
    tally.index(table.schema.name, index.schema.name, index.schema.kind, units, 0);
  } else {
    tally.table(table.schema.name, units, 0);
  }
  state.stats.add(tally);
  const out: ReadOutput = {};
  if (options.select !== "COUNT") out.Items = page.items;
  out.Count = page.count;
  out.ScannedCount = page.scanned;
  if (page.lastKey) out.LastEvaluatedKey = page.lastKey;
  const consumed = tally.consumed(returnConsumedCapacity as ReturnConsumedCapacity | undefined);
  if (consumed) out.ConsumedCapacity = consumed[0];
  await state.settledFor(table, page.maxSeq);
  return out;
}
