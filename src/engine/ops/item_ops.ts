/**
 * GetItem, PutItem, UpdateItem and DeleteItem.
 *
 * @module
 */
import type {
  DeleteItemCommandInput,
  DeleteItemCommandOutput,
  GetItemCommandInput,
  GetItemCommandOutput,
  PutItemCommandInput,
  PutItemCommandOutput,
  UpdateItemCommandInput,
  UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { readUnits, Tally } from "../capacity.ts";
import { conditionalCheckFailed } from "../errors.ts";
import { ExpressionContext } from "../expression/context.ts";
import { parseProjection, project } from "../expression/projection.ts";
import type { EngineState } from "../state.ts";
import { cloneItem, type Item } from "../values.ts";
import { checkReturnConsumed, checkReturnValues, rejectLegacy, validateKey } from "./input.ts";
import {
  type EvaluatedWrite,
  evaluateWrite,
  type ParsedWrite,
  parseKeyed,
  parsePut,
  parseUpdateWrite,
  updatedPaths,
} from "./write_plan.ts";

type Out<T> = Omit<T, "$metadata">;

/** GetItem. */
export async function getItem(
  state: EngineState,
  input: GetItemCommandInput,
): Promise<Out<GetItemCommandOutput>> {
  state.begin("getItem");
  rejectLegacy(input);
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const table = state.table(input.TableName);
  const key = validateKey(table.schema, input.Key);
  const ctx = new ExpressionContext(input.ExpressionAttributeNames);
  const paths = input.ProjectionExpression === undefined
    ? undefined
    : parseProjection(input.ProjectionExpression, ctx);
  ctx.finish(paths !== undefined);
  const found = table.live(key, state.now());
  const tally = new Tally();
  tally.table(table.schema.name, readUnits(found?.size ?? 0, input.ConsistentRead === true), 0);
  state.stats.add(tally);
  const out: Out<GetItemCommandOutput> = {};
  if (found) out.Item = paths ? project(found.item, paths) : cloneItem(found.item);
  const consumed = tally.consumed(input.ReturnConsumedCapacity);
  if (consumed) out.ConsumedCapacity = consumed[0];
  await state.settledFor(table, found?.seq ?? 0);
  return out;
}

/**
 * Runs a single-item write: evaluates it, charges capacity (a failed condition still costs the
 * existing item's size), throws ConditionalCheckFailedException or commits.
 */
function runWrite(
  state: EngineState,
  p: ParsedWrite,
): { result: EvaluatedWrite; tally: Tally; done: Promise<void> } {
  const result = evaluateWrite(p, state.now());
  const tally = new Tally();
  const name = p.table.schema.name;
  if (result.conditionFailed) {
    tally.write(name, [], result.before, undefined);
    state.stats.add(tally);
    throw conditionalCheckFailed(
      p.returnOldOnFailure && result.before ? cloneItem(result.before.item) : undefined,
    );
  }
  tally.write(name, p.table.indexes.values(), result.before, result.after);
  state.stats.add(tally);
  const done = result.record ? state.commit([result.record], [result.after]) : state.settled();
  return { result, tally, done };
}

function withConsumed<T extends object>(out: T, tally: Tally, mode: string | undefined): T {
  const consumed = tally.consumed(mode);
  if (consumed) (out as { ConsumedCapacity?: unknown }).ConsumedCapacity = consumed[0];
  return out;
}

/** PutItem. */
export async function putItem(
  state: EngineState,
  input: PutItemCommandInput,
): Promise<Out<PutItemCommandOutput>> {
  state.begin("putItem");
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const returnValues = checkReturnValues(input.ReturnValues, ["NONE", "ALL_OLD"]);
  const { result, tally, done } = runWrite(state, parsePut(state, input));
  await done;
  const out: Out<PutItemCommandOutput> = {};
  if (returnValues === "ALL_OLD" && result.before) out.Attributes = cloneItem(result.before.item);
  return withConsumed(out, tally, input.ReturnConsumedCapacity);
}

/** DeleteItem. */
export async function deleteItem(
  state: EngineState,
  input: DeleteItemCommandInput,
): Promise<Out<DeleteItemCommandOutput>> {
  state.begin("deleteItem");
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const returnValues = checkReturnValues(input.ReturnValues, ["NONE", "ALL_OLD"]);
  const { result, tally, done } = runWrite(state, parseKeyed(state, input, "delete"));
  await done;
  const out: Out<DeleteItemCommandOutput> = {};
  if (returnValues === "ALL_OLD" && result.before) out.Attributes = cloneItem(result.before.item);
  return withConsumed(out, tally, input.ReturnConsumedCapacity);
}

/** UpdateItem. */
export async function updateItem(
  state: EngineState,
  input: UpdateItemCommandInput,
): Promise<Out<UpdateItemCommandOutput>> {
  state.begin("updateItem");
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const returnValues = checkReturnValues(input.ReturnValues, [
    "NONE",
    "ALL_OLD",
    "ALL_NEW",
    "UPDATED_OLD",
    "UPDATED_NEW",
  ]);
  const parsed = parseUpdateWrite(state, input);
  const { result, tally, done } = runWrite(state, parsed);
  await done;
  const out: Out<UpdateItemCommandOutput> = {};
  let attributes: Item | undefined;
  const before = result.before?.item;
  const after = result.after?.item;
  switch (returnValues) {
    case "ALL_OLD":
      attributes = before && cloneItem(before);
      break;
    case "ALL_NEW":
      attributes = after && cloneItem(after);
      break;
    case "UPDATED_OLD":
      attributes = before && project(before, updatedPaths(parsed));
      break;
    case "UPDATED_NEW":
      attributes = after && project(after, updatedPaths(parsed));
      break;
  }
  if (attributes && Object.keys(attributes).length > 0) out.Attributes = attributes;
  return withConsumed(out, tally, input.ReturnConsumedCapacity);
}
