/**
 * Query on a table or a secondary index: one partition, binary search for the sort-key range,
 * then {@link readPage}.
 *
 * @module
 */
import type { QueryCommandInput, QueryCommandOutput } from "@aws-sdk/client-dynamodb";
import { validationError } from "../errors.ts";
import type { Condition, Operand } from "../expression/ast.ts";
import { parseCondition } from "../expression/condition_parser.ts";
import { ExpressionContext } from "../expression/context.ts";
import {
  type KeyCondition,
  parseKeyCondition,
  type RangeCondition,
} from "../expression/key_condition.ts";
import { parseProjection } from "../expression/projection.ts";
import type { KeyAttribute } from "../schema.ts";
import { keyComparator } from "../sorted_partitions.ts";
import { SortedList } from "../sorted_list.ts";
import type { EngineState } from "../state.ts";
import { type IndexData, probe, type Stored, type TableData } from "../table_data.ts";
import { type AV, compareBytes, keyString, valuesEqual } from "../values.ts";
import { checkReturnConsumed, rejectLegacy } from "./input.ts";
import { checkLimit, checkStartKey, resolveSelect, servePage } from "./read_page.ts";

type Out<T> = Omit<T, "$metadata">;

const EMPTY = new SortedList<Stored>(() => 0);

/** Looks up `IndexName` on a table. */
export function indexOf(table: TableData, name: string | undefined): IndexData | undefined {
  if (name === undefined) return undefined;
  const ix = table.indexes.get(name);
  if (!ix) throw validationError(`The table does not have the specified index: ${name}`);
  return ix;
}

function startsWith(v: AV, prefix: AV): boolean {
  if (v.S !== undefined && prefix.S !== undefined) return v.S.startsWith(prefix.S);
  if (v.B !== undefined && prefix.B !== undefined) {
    return prefix.B.length <= v.B.length &&
      compareBytes(v.B.subarray(0, prefix.B.length), prefix.B) === 0;
  }
  return false;
}

/** The `[lo, hi)` slice of a sorted partition whose sort key satisfies `cond`. */
export function rangeBounds(
  arr: SortedList<Stored>,
  attr: KeyAttribute,
  cond: RangeCondition | undefined,
): [number, number] {
  if (!cond) return [0, arr.length];
  const cmp = keyComparator(attr.type);
  const value = (s: Stored) => s.item[attr.name]!;
  const lower = (v: AV) => arr.partitionPoint((s) => cmp(value(s), v) >= 0);
  const upper = (v: AV) => arr.partitionPoint((s) => cmp(value(s), v) > 0);
  switch (cond.op) {
    case "=":
      return [lower(cond.value), upper(cond.value)];
    case "<":
      return [0, lower(cond.value)];
    case "<=":
      return [0, upper(cond.value)];
    case ">":
      return [upper(cond.value), arr.length];
    case ">=":
      return [lower(cond.value), arr.length];
    case "between": {
      const lo = lower(cond.low);
      return [lo, Math.max(lo, upper(cond.high))];
    }
    case "begins_with": {
      const lo = lower(cond.prefix);
      return [lo, arr.partitionPoint((s) => !startsWith(value(s), cond.prefix), lo)];
    }
  }
}

function matchesRange(
  v: AV | undefined,
  cond: RangeCondition | undefined,
  attr?: KeyAttribute,
): boolean {
  if (!cond) return true;
  if (v === undefined || !attr) return false;
  const cmp = keyComparator(attr.type);
  switch (cond.op) {
    case "=":
      return cmp(v, cond.value) === 0;
    case "<":
      return cmp(v, cond.value) < 0;
    case "<=":
      return cmp(v, cond.value) <= 0;
    case ">":
      return cmp(v, cond.value) > 0;
    case ">=":
      return cmp(v, cond.value) >= 0;
    case "between":
      return cmp(v, cond.low) >= 0 && cmp(v, cond.high) <= 0;
    case "begins_with":
      return startsWith(v, cond.prefix);
  }
}

function conditionOperands(c: Condition): Operand[] {
  switch (c.kind) {
    case "and":
    case "or":
      return [...conditionOperands(c.left), ...conditionOperands(c.right)];
    case "not":
      return conditionOperands(c.operand);
    case "compare":
    case "begins_with":
    case "contains":
      return [c.left, c.right];
    case "between":
      return [c.operand, c.low, c.high];
    case "in":
      return [c.operand, ...c.list];
    case "exists":
    case "attribute_type":
      return [c.path];
  }
}

// DynamoDB rejects filters on the queried key attributes (use the key condition instead).
function checkFilterKeys(filter: Condition | undefined, keys: string[]): void {
  if (!filter) return;
  for (const o of conditionOperands(filter)) {
    const path = o.kind === "path" ? o : o.kind === "size" ? o.path : undefined;
    const first = path?.elements[0];
    if (typeof first === "string" && keys.includes(first)) {
      throw validationError(
        `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${first}`,
      );
    }
  }
}

/** Query. */
export async function query(
  state: EngineState,
  input: QueryCommandInput,
): Promise<Out<QueryCommandOutput>> {
  state.begin("query");
  rejectLegacy(input);
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const table = state.table(input.TableName);
  const index = indexOf(table, input.IndexName);
  if (index?.schema.kind === "GSI" && input.ConsistentRead) {
    throw validationError("Consistent reads are not supported on global secondary indexes");
  }
  const limit = checkLimit(input.Limit);
  if (input.KeyConditionExpression === undefined) {
    throw validationError(
      "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
    );
  }
  const hash = index ? index.schema.hash : table.schema.hash;
  const range = index ? index.schema.range : table.schema.range;
  const ctx = new ExpressionContext(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const key: KeyCondition = parseKeyCondition(input.KeyConditionExpression, ctx, hash, range);
  const filter = input.FilterExpression === undefined
    ? undefined
    : parseCondition(input.FilterExpression, ctx, "FilterExpression");
  const projection = input.ProjectionExpression === undefined
    ? undefined
    : parseProjection(input.ProjectionExpression, ctx);
  ctx.finish(true);
  checkFilterKeys(filter, [hash.name, ...(range ? [range.name] : [])]);
  const select = resolveSelect(input.Select, projection !== undefined, index);
  const start = checkStartKey(input.ExclusiveStartKey, table, index);
  if (
    start &&
    (!valuesEqual(start[hash.name]!, key.hash) ||
      !matchesRange(start[range?.name ?? ""], key.range, range))
  ) {
    throw validationError("The provided starting key does not match the range key predicate");
  }

  const store = index ? index.entries : table.primary;
  const arr = store.partition(keyString(key.hash)) ?? EMPTY;
  let [lo, hi] = range ? rangeBounds(arr, range, key.range) : [0, arr.length];
  const forward = input.ScanIndexForward !== false;
  if (start) {
    const pos = probe(start);
    const at = arr.partitionPoint((s) => store.compare(s, pos) > 0, lo, hi);
    if (forward) lo = at;
    else hi = arr.partitionPoint((s) => store.compare(s, pos) >= 0, lo, hi);
  }
  return await servePage(state, arr.range(lo, hi, forward), {
    table,
    ...(index ? { index } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(filter ? { filter } : {}),
    ...(projection ? { projection } : {}),
    select,
    consistentRead: input.ConsistentRead === true,
    ...(input.ReturnConsumedCapacity
      ? { returnConsumedCapacity: input.ReturnConsumedCapacity }
      : {}),
  });
}
