/**
 * Writes in two steps shared by PutItem/UpdateItem/DeleteItem, BatchWriteItem and
 * TransactWriteItems: `parse*` validates a request, `evaluateWrite` reads the current item, checks
 * the condition and computes the new item and the log record. Nothing here changes state.
 * An item is sized once (at validation for a Put, after applying an Update) and keeps that size.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { validationError } from "../errors.ts";
import type { Condition, PathOperand, UpdateActions } from "../expression/ast.ts";
import { applyUpdate } from "../expression/apply_update.ts";
import { parseConditionCached } from "../expression/condition_cache.ts";
import { ExpressionContext } from "../expression/context.ts";
import { evaluateCondition } from "../expression/evaluate_condition.ts";
import { actionPaths, parseUpdate } from "../expression/update_parser.ts";
import { itemSize, MAX_ITEM_SIZE } from "../item_size.ts";
import { checkItemKeys, keyOf } from "../schema.ts";
import type { EngineState, LogRecord } from "../state.ts";
import { type Stored, stored, type TableData } from "../table_data.ts";
import type { Item } from "../values.ts";
import {
  checkReturnOnFailure,
  rejectLegacy,
  validateKey,
  validateSizedWriteItem,
} from "./input.ts";

/** A validated write request. */
export interface ParsedWrite {
  kind: "put" | "update" | "delete" | "check";
  table: TableData;
  key: Item;
  item?: Item;
  /** Size of `item` (puts), computed once at validation. */
  itemSize?: number;
  update?: UpdateActions;
  condition?: Condition;
  returnOldOnFailure: boolean;
}

/** The outcome of evaluating a write against the current data. */
export interface EvaluatedWrite {
  before: Stored | undefined;
  after: Stored | undefined;
  conditionFailed: boolean;
  record: LogRecord | undefined;
}

interface Common {
  TableName?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ReturnValuesOnConditionCheckFailure?: string;
}

function conditionOf(input: Common, ctx: ExpressionContext): Condition | undefined {
  return input.ConditionExpression === undefined
    ? undefined
    : parseConditionCached(input.ConditionExpression, ctx, "ConditionExpression");
}

/** Validates a Put (PutItem, batch PutRequest or transaction Put). */
export function parsePut(state: EngineState, input: Common & { Item?: Item }): ParsedWrite {
  rejectLegacy(input);
  const table = state.table(input.TableName);
  const { item, size } = validateSizedWriteItem(table.schema, input.Item);
  const ctx = new ExpressionContext(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const condition = conditionOf(input, ctx);
  ctx.finish(condition !== undefined);
  return {
    kind: "put",
    table,
    key: keyOf(table.schema, item),
    item,
    itemSize: size,
    ...(condition ? { condition } : {}),
    returnOldOnFailure: checkReturnOnFailure(input.ReturnValuesOnConditionCheckFailure),
  };
}

/** Validates a Delete or a ConditionCheck. */
export function parseKeyed(
  state: EngineState,
  input: Common & { Key?: Item },
  kind: "delete" | "check",
): ParsedWrite {
  rejectLegacy(input);
  const table = state.table(input.TableName);
  const key = validateKey(table.schema, input.Key);
  const ctx = new ExpressionContext(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const condition = conditionOf(input, ctx);
  if (kind === "check" && !condition) {
    throw validationError(
      "1 validation error detected: Value null at 'conditionExpression' failed to satisfy constraint: Member must not be null",
    );
  }
  ctx.finish(condition !== undefined);
  return {
    kind,
    table,
    key,
    ...(condition ? { condition } : {}),
    returnOldOnFailure: checkReturnOnFailure(input.ReturnValuesOnConditionCheckFailure),
  };
}

/** Validates an Update (UpdateItem or transaction Update). */
export function parseUpdateWrite(
  state: EngineState,
  input: Common & { Key?: Item; UpdateExpression?: string },
): ParsedWrite {
  rejectLegacy(input);
  const table = state.table(input.TableName);
  const key = validateKey(table.schema, input.Key);
  const ctx = new ExpressionContext(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const update = input.UpdateExpression === undefined
    ? undefined
    : parseUpdate(input.UpdateExpression, ctx);
  const condition = conditionOf(input, ctx);
  ctx.finish(update !== undefined || condition !== undefined);
  if (update) {
    const keyNames = new Set(Object.keys(key));
    for (const p of actionPaths(update)) {
      const first = p.elements[0] as string;
      if (keyNames.has(first)) {
        throw validationError(
          `One or more parameter values were invalid: Cannot update attribute ${first}. This attribute is part of the key`,
        );
      }
    }
  }
  return {
    kind: "update",
    table,
    key,
    ...(update ? { update } : {}),
    ...(condition ? { condition } : {}),
    returnOldOnFailure: checkReturnOnFailure(input.ReturnValuesOnConditionCheckFailure),
  };
}

/**
 * The paths an update writes (for UPDATED_OLD / UPDATED_NEW). A path into a list stands for the
 * whole list, as DynamoDB returns it.
 */
export function updatedPaths(p: ParsedWrite): PathOperand[] {
  if (!p.update) return [];
  const paths: PathOperand[] = [];
  for (const path of actionPaths(p.update)) {
    const cut = path.elements.findIndex((e) => typeof e === "number");
    const elements = cut < 0 ? path.elements : path.elements.slice(0, cut);
    const dup = paths.some((q) =>
      q.elements.length === elements.length && q.elements.every((e, i) => e === elements[i])
    );
    if (!dup) paths.push({ kind: "path", elements });
  }
  return paths;
}

/**
 * Reads the current item, checks the condition and computes the new item. Throws
 * ValidationException for update errors (wrong operand types, oversized result).
 */
export function evaluateWrite(p: ParsedWrite, nowMs: number): EvaluatedWrite {
  const before = p.table.live(p.key, nowMs);
  if (p.condition && !evaluateCondition(p.condition, before?.item)) {
    return { before, after: undefined, conditionFailed: true, record: undefined };
  }
  const name = p.table.schema.name;
  switch (p.kind) {
    case "check":
      return { before, after: undefined, conditionFailed: false, record: undefined };
    case "delete": {
      // An expired item is invisible but still stored; deleting removes it for good.
      const exists = p.table.get(p.key) !== undefined;
      return {
        before,
        after: undefined,
        conditionFailed: false,
        record: exists ? { op: "delete", table: name, key: p.key } : undefined,
      };
    }
    case "put":
      return {
        before,
        after: stored(p.item!, p.itemSize),
        conditionFailed: false,
        record: { op: "put", table: name, item: p.item! },
      };
    case "update": {
      const item = p.update
        ? applyUpdate(p.update, before?.item, p.key)
        : { ...(before?.item ?? p.key) };
      const size = itemSize(item);
      if (size > MAX_ITEM_SIZE) {
        throw validationError("Item size to update has exceeded the maximum allowed size");
      }
      checkItemKeys(p.table.schema, item, true);
      return {
        before,
        after: stored(item, size),
        conditionFailed: false,
        record: { op: "put", table: name, item },
      };
    }
  }
}
