/**
 * Request validation shared by the operations: items, keys, legacy parameters, ReturnValues.
 *
 * @module
 */
import { validationError } from "../errors.ts";
import { itemSize, MAX_ITEM_SIZE } from "../item_size.ts";
import { checkItemKeys, checkKey, type TableSchema } from "../schema.ts";
import { checkAttributeName, type Item, validateValue, ValueError } from "../values.ts";

/** Validates every attribute of an item from a request; returns a canonical private copy. */
export function validateItem(raw: unknown, what = "Item"): Item {
  if (raw === null || typeof raw !== "object") {
    throw validationError(
      `1 validation error detected: Value null at '${what}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const out: Item = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      checkAttributeName(name);
      out[name] = validateValue(value);
    } catch (e) {
      if (e instanceof ValueError) throw validationError(e.message);
      throw e;
    }
  }
  return out;
}

/** Validates an item to be written: values, 400 KB limit, table and index key attributes. */
export function validateWriteItem(schema: TableSchema, raw: unknown): Item {
  return validateSizedWriteItem(schema, raw).item;
}

/** {@link validateWriteItem}, also returning the item's size (computed once, reused after). */
export function validateSizedWriteItem(
  schema: TableSchema,
  raw: unknown,
): { item: Item; size: number } {
  const item = validateItem(raw);
  checkItemKeys(schema, item);
  const size = itemSize(item);
  if (size > MAX_ITEM_SIZE) {
    throw validationError("Item size has exceeded the maximum allowed size");
  }
  return { item, size };
}

/** Validates a Key parameter; returns a canonical copy. */
export function validateKey(schema: TableSchema, raw: unknown): Item {
  if (raw === undefined || raw === null) {
    throw validationError("The provided key element does not match the schema");
  }
  return checkKey(schema, validateItem(raw, "Key"));
}

const LEGACY = [
  "AttributesToGet",
  "Expected",
  "KeyConditions",
  "QueryFilter",
  "ScanFilter",
  "AttributeUpdates",
  "ConditionalOperator",
];

/** The engine implements expressions only; legacy parameters are rejected loudly. */
export function rejectLegacy(input: object): void {
  for (const p of LEGACY) {
    if ((input as Record<string, unknown>)[p] !== undefined) {
      throw validationError(
        `The in-process engine does not support the legacy parameter ${p}; use expressions instead`,
      );
    }
  }
}

/** Validates ReturnValues against the values an operation allows. */
export function checkReturnValues(value: string | undefined, allowed: string[]): string {
  const v = value ?? "NONE";
  if (!allowed.includes(v)) throw validationError("Return values set to invalid value");
  return v;
}

/** Validates ReturnValuesOnConditionCheckFailure. */
export function checkReturnOnFailure(value: string | undefined): boolean {
  const v = value ?? "NONE";
  if (v !== "NONE" && v !== "ALL_OLD") {
    throw validationError(
      "1 validation error detected: Value '" + v +
        "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
    );
  }
  return v === "ALL_OLD";
}

/** Validates ReturnConsumedCapacity. */
export function checkReturnConsumed(value: string | undefined): void {
  if (value !== undefined && !["NONE", "TOTAL", "INDEXES"].includes(value)) {
    throw validationError(
      "1 validation error detected: Value '" + value +
        "' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
    );
  }
}
