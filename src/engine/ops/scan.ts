/**
 * Scan of a table or index, in partition-hash order, with parallel-scan segments.
 *
 * @module
 */
import type { ScanCommandInput, ScanCommandOutput } from "@aws-sdk/client-dynamodb";
import { validationError } from "../errors.ts";
import { parseCondition } from "../expression/condition_parser.ts";
import { ExpressionContext } from "../expression/context.ts";
import { parseProjection } from "../expression/projection.ts";
import { segmentOf, type SortedPartitions } from "../sorted_partitions.ts";
import type { EngineState } from "../state.ts";
import { probe, type Stored } from "../table_data.ts";
import { type Item, keyString } from "../values.ts";
import { checkReturnConsumed, rejectLegacy } from "./input.ts";
import { indexOf } from "./query.ts";
import { checkLimit, checkStartKey, resolveSelect, servePage } from "./read_page.ts";

type Out<T> = Omit<T, "$metadata">;

function checkSegments(segment: number | undefined, total: number | undefined): void {
  if (segment === undefined && total === undefined) return;
  if (total === undefined) {
    throw validationError("If segment is specified, total segment must also be specified");
  }
  if (segment === undefined) {
    throw validationError("If total segment is specified, segment must also be specified");
  }
  if (!Number.isInteger(total) || total < 1 || total > 1000000) {
    throw validationError(
      "1 validation error detected: Value '" + total +
        "' at 'totalSegments' failed to satisfy constraint: Member must have value between 1 and 1000000",
    );
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= total) {
    throw validationError(
      `1 validation error detected: Value '${segment}' at 'segment' failed to satisfy constraint: Member must have value less than or equal to ${
        total - 1
      }`,
    );
  }
}

function* entriesFrom(
  store: SortedPartitions<Stored>,
  hashName: string,
  start: Item | undefined,
  segment: number | undefined,
  total: number | undefined,
): Generator<Stored> {
  const order = store.partitionOrder();
  const startPartition = start ? keyString(start[hashName]!) : undefined;
  let i = startPartition === undefined ? 0 : store.partitionPosition(startPartition);
  for (; i < order.length; i++) {
    const key = order[i]!;
    if (total !== undefined && segmentOf(key, total) !== segment) continue;
    const list = store.partition(key);
    if (!list) continue;
    let from = 0;
    if (key === startPartition) {
      const pos = probe(start!);
      from = list.partitionPoint((s) => store.compare(s, pos) > 0);
    }
    yield* list.range(from);
  }
}

/** Scan. */
export async function scan(
  state: EngineState,
  input: ScanCommandInput,
): Promise<Out<ScanCommandOutput>> {
  state.begin("scan");
  rejectLegacy(input);
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const table = state.table(input.TableName);
  const index = indexOf(table, input.IndexName);
  if (index?.schema.kind === "GSI" && input.ConsistentRead) {
    throw validationError("Consistent reads are not supported on global secondary indexes");
  }
  const limit = checkLimit(input.Limit);
  checkSegments(input.Segment, input.TotalSegments);
  const ctx = new ExpressionContext(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const filter = input.FilterExpression === undefined
    ? undefined
    : parseCondition(input.FilterExpression, ctx, "FilterExpression");
  const projection = input.ProjectionExpression === undefined
    ? undefined
    : parseProjection(input.ProjectionExpression, ctx);
  ctx.finish(filter !== undefined || projection !== undefined);
  const select = resolveSelect(input.Select, projection !== undefined, index);
  const start = checkStartKey(input.ExclusiveStartKey, table, index);
  const store = index ? index.entries : table.primary;
  const hashName = index ? index.schema.hash.name : table.schema.hash.name;
  return await servePage(
    state,
    entriesFrom(store, hashName, start, input.Segment, input.TotalSegments),
    {
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
    },
  );
}
