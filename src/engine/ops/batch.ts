/**
 * BatchGetItem (≤ 100 keys, 16 MB of items per response) and BatchWriteItem (≤ 25 puts or
 * deletes, unconditional). Unprocessed parts come back as UnprocessedKeys / UnprocessedItems.
 *
 * @module
 */
import type {
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  ConsumedCapacity,
  KeysAndAttributes,
  WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { readUnits, Tally } from "../capacity.ts";
import { validationError } from "../errors.ts";
import { ExpressionContext } from "../expression/context.ts";
import { parseProjection, project } from "../expression/projection.ts";
import { keyOf } from "../schema.ts";
import type { EngineState, LogRecord } from "../state.ts";
import type { Stored } from "../table_data.ts";
import { cloneItem, type Item, keyString } from "../values.ts";
import { checkReturnConsumed, rejectLegacy, validateKey } from "./input.ts";
import { evaluateWrite, parseKeyed, parsePut } from "./write_plan.ts";

type Out<T> = Omit<T, "$metadata">;

/** BatchGetItem stops adding items once the response holds this much. */
export const BATCH_GET_BYTES = 16 * 1024 * 1024;

function identity(item: Item, keyNames: string[]): string {
  return JSON.stringify(keyNames.map((k) => keyString(item[k]!)));
}

/** BatchGetItem. */
export async function batchGetItem(
  state: EngineState,
  input: BatchGetItemCommandInput,
): Promise<Out<BatchGetItemCommandOutput>> {
  state.begin("batchGetItem");
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const requests = Object.entries(input.RequestItems ?? {});
  if (requests.length === 0) {
    throw validationError(
      "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const total = requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0);
  if (total > 100) throw validationError("Too many items requested for the BatchGetItem call");
  const plans = requests.map(([name, r]) => {
    rejectLegacy(r);
    const table = state.table(name);
    if (!r.Keys || r.Keys.length === 0) {
      throw validationError(
        "1 validation error detected: Value null at 'requestItems." + name +
          ".member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    const keys = r.Keys.map((k) => validateKey(table.schema, k));
    const keyNames = Object.keys(keyOf(table.schema, keys[0]!));
    const seen = new Set<string>();
    for (const k of keys) {
      const id = identity(k, keyNames);
      if (seen.has(id)) throw validationError("Provided list of item keys contains duplicates");
      seen.add(id);
    }
    const ctx = new ExpressionContext(r.ExpressionAttributeNames);
    const paths = r.ProjectionExpression === undefined
      ? undefined
      : parseProjection(r.ProjectionExpression, ctx);
    ctx.finish(paths !== undefined);
    return { name, table, keys, paths, request: r };
  });

  let held = state.faults.takeUnprocessed("batchGetItem", total);
  const now = state.now();
  const tally = new Tally();
  const responses: Record<string, Item[]> = {};
  const unprocessed: Record<string, KeysAndAttributes> = {};
  let bytes = 0;
  for (const plan of plans) {
    responses[plan.name] = [];
    tally.table(plan.name, 0, 0);
    const leftover: Item[] = [];
    for (const key of plan.keys) {
      if (held > 0 || bytes > BATCH_GET_BYTES) {
        if (held > 0) held--;
        leftover.push(key);
        continue;
      }
      const found: Stored | undefined = plan.table.live(key, now);
      tally.table(plan.name, readUnits(found?.size ?? 0, plan.request.ConsistentRead === true), 0);
      if (!found) continue;
      bytes += found.size;
      responses[plan.name]!.push(
        plan.paths ? project(found.item, plan.paths) : cloneItem(found.item),
      );
    }
    if (leftover.length > 0) {
      const { Keys: _keys, ...rest } = plan.request;
      unprocessed[plan.name] = { ...structuredClone(rest), Keys: leftover };
    }
  }
  state.stats.add(tally);
  const out: Out<BatchGetItemCommandOutput> = {
    Responses: responses,
    UnprocessedKeys: unprocessed,
  };
  const consumed: ConsumedCapacity[] | undefined = tally.consumed(input.ReturnConsumedCapacity);
  if (consumed) out.ConsumedCapacity = consumed;
  await state.settled();
  return out;
}

/** BatchWriteItem. */
export async function batchWriteItem(
  state: EngineState,
  input: BatchWriteItemCommandInput,
): Promise<Out<BatchWriteItemCommandOutput>> {
  state.begin("batchWriteItem");
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const requests = Object.entries(input.RequestItems ?? {});
  if (requests.length === 0) {
    throw validationError("BatchWriteItem cannot have a null or no requests set");
  }
  const total = requests.reduce((n, [, r]) => n + (r?.length ?? 0), 0);
  if (total > 25) throw validationError("Too many items requested for the BatchWriteItem call");
  const parsed = requests.flatMap(([name, list]) => {
    const table = state.table(name);
    if (!list || list.length === 0) {
      throw validationError(
        "1 validation error detected: Value null at 'requestItems." + name +
          ".member' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    const seen = new Set<string>();
    const keyNames = [
      table.schema.hash.name,
      ...(table.schema.range ? [table.schema.range.name] : []),
    ];
    return list.map((request: WriteRequest) => {
      const put = request.PutRequest;
      const del = request.DeleteRequest;
      if ((put === undefined) === (del === undefined)) {
        throw validationError(
          "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        );
      }
      const plan = put
        ? parsePut(state, { TableName: name, Item: put.Item })
        : parseKeyed(state, { TableName: name, Key: del!.Key }, "delete");
      const id = identity(plan.key, keyNames);
      if (seen.has(id)) throw validationError("Provided list of item keys contains duplicates");
      seen.add(id);
      return { name, plan, request };
    });
  });

  let held = state.faults.takeUnprocessed("batchWriteItem", parsed.length);
  const unprocessed: Record<string, WriteRequest[]> = {};
  const records: LogRecord[] = [];
  const prepared: (Stored | undefined)[] = [];
  const tally = new Tally();
  const now = state.now();
  for (const { name, plan, request } of parsed) {
    tally.table(name, 0, 0);
    if (held > 0) {
      held--;
      (unprocessed[name] ??= []).push(structuredClone(request));
      continue;
    }
    const result = evaluateWrite(plan, now);
    tally.write(name, plan.table.indexes.values(), result.before, result.after);
    if (result.record) {
      records.push(result.record);
      prepared.push(result.after);
    }
  }
  state.stats.add(tally);
  await state.commit(records, prepared);
  const out: Out<BatchWriteItemCommandOutput> = { UnprocessedItems: unprocessed };
  const consumed = tally.consumed(input.ReturnConsumedCapacity);
  if (consumed) out.ConsumedCapacity = consumed;
  return out;
}
