/**
 * TransactWriteItems (all-or-nothing, ≤ 100 actions, one action per item, cancellation reasons)
 * and TransactGetItems. Both cost double.
 *
 * Per-item work is done once (issue #11): each Put's item is sized at validation and that size
 * serves the payload limit, the stored copy and the capacity; a repeated ConditionExpression is
 * parsed once (`expression/condition_cache.ts`); the one-action-per-item check keys items by a
 * plain string; a ClientRequestToken is remembered with a SHA-256 digest of the request, not its
 * JSON (a 100-item transaction's token held ~20 KB for ten minutes).
 *
 * @module
 */
import {
  type AttributeValue,
  type CancellationReason,
  IdempotentParameterMismatchException,
  type TransactGetItemsCommandInput,
  type TransactGetItemsCommandOutput,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
  type TransactWriteItemsCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { createHash } from "node:crypto";
import { itemSize, valueSize } from "../item_size.ts";
import { readUnits, Tally, writeUnits } from "../capacity.ts";
import { transactionCanceled, validationError } from "../errors.ts";
import { ExpressionContext } from "../expression/context.ts";
import { parseProjection, project } from "../expression/projection.ts";
import type { EngineState, LogRecord } from "../state.ts";
import type { Stored, TableData } from "../table_data.ts";
import { INDEX_KEY_SIZE_ERROR } from "../schema.ts";
import { cloneItem, type Item, keyString } from "../values.ts";
import { checkReturnConsumed, rejectLegacy, validateKey } from "./input.ts";
import {
  type EvaluatedWrite,
  evaluateWrite,
  type ParsedWrite,
  parseKeyed,
  parsePut,
  parseUpdateWrite,
} from "./write_plan.ts";

type Out<T> = Omit<T, "$metadata">;

const MAX_ACTIONS = 100;
const TOKEN_TTL_MS = 10 * 60 * 1000;

function checkCount(n: number | undefined, what: string): void {
  if (!n) {
    throw validationError(
      `1 validation error detected: Value '[]' at '${what}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  if (n > MAX_ACTIONS) {
    throw validationError(
      `1 validation error detected: Value at '${what}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ACTIONS}`,
    );
  }
}

/**
 * A key value as a map key within one attribute (whose type the schema fixes): a string as is
 * (already flat, its hash cached), other types as {@link keyString}.
 */
function keyPart(av: AttributeValue): string {
  return av.S ?? keyString(av);
}

function checkDistinct(targets: { table: TableData; key: Item }[]): void {
  // table → hash key → range keys: no string is built per item.
  const seen = new Map<TableData, Map<string, Set<string>>>();
  for (const { table, key } of targets) {
    const { hash, range } = table.schema;
    let byHash = seen.get(table);
    if (!byHash) seen.set(table, byHash = new Map());
    const h = keyPart(key[hash.name]!);
    let ranges = byHash.get(h);
    if (!ranges) byHash.set(h, ranges = new Set());
    const r = range ? keyPart(key[range.name]!) : "";
    if (ranges.has(r)) {
      throw validationError("Transaction request cannot include multiple operations on one item");
    }
    ranges.add(r);
  }
}

/**
 * Remembers ClientRequestTokens for ten minutes, as DynamoDB does. Tokens are kept in the order
 * they were remembered, so expiry drops from the front and stops at the first live one (every
 * transaction carries a token: a scan of all of them per call grew with the traffic).
 */
export class TokenCache {
  readonly #tokens = new Map<string, { request: string; at: number }>();

  /** Number of remembered tokens (tests). */
  get size(): number {
    return this.#tokens.size;
  }

  /** True when `token` was already used for this request; throws if for another one. */
  seen(token: string, request: string, now: number): boolean {
    for (const [t, e] of this.#tokens) {
      if (now - e.at <= TOKEN_TTL_MS) break;
      this.#tokens.delete(t);
    }
    const e = this.#tokens.get(token);
    if (!e || now - e.at > TOKEN_TTL_MS) return false;
    if (e.request !== request) {
      throw new IdempotentParameterMismatchException({
        message: "Specified idempotency token was used with different request parameters",
        $metadata: { httpStatusCode: 400 },
      });
    }
    return true;
  }

  remember(token: string, request: string, now: number): void {
    this.#tokens.delete(token);
    this.#tokens.set(token, { request, at: now });
  }
}

/** TransactWriteItems. */
export async function transactWriteItems(
  state: EngineState,
  tokens: TokenCache,
  input: TransactWriteItemsCommandInput,
): Promise<Out<TransactWriteItemsCommandOutput>> {
  state.begin("transactWriteItems", input.TransactItems?.length ?? 1);
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const actions = input.TransactItems ?? [];
  checkCount(actions.length, "transactItems");
  // Item-level validation failures (key schema, key updates, sizes) cancel the transaction with a
  // ValidationError reason, as DynamoDB does; malformed requests and expressions throw.
  const invalid = new Map<number, string>();
  const plans: (ParsedWrite | undefined)[] = actions.map((a, i) => {
    const kinds = [a.Put, a.Update, a.Delete, a.ConditionCheck].filter((x) => x !== undefined);
    if (kinds.length !== 1) {
      throw validationError("TransactItems can only contain one of Check, Put, Update or Delete");
    }
    try {
      if (a.Put) return parsePut(state, a.Put);
      if (a.Update) return parseUpdateWrite(state, a.Update);
      if (a.Delete) return parseKeyed(state, a.Delete, "delete");
      return parseKeyed(state, a.ConditionCheck!, "check");
    } catch (e) {
      if (!isItemLevel(e)) throw e;
      invalid.set(i, (e as Error).message);
      return undefined;
    }
  });
  checkDistinct(plans.filter((p) => p !== undefined));
  checkPayload(actions, plans);
  const now = state.now();
  const token = input.ClientRequestToken;
  const fingerprint = token ? requestFingerprint(actions) : "";
  if (token && invalid.size === 0 && tokens.seen(token, fingerprint, now)) {
    await state.settled();
    return {};
  }

  const results: EvaluatedWrite[] = [];
  const reasons: CancellationReason[] = [];
  const none: EvaluatedWrite = {
    before: undefined,
    after: undefined,
    conditionFailed: false,
    record: undefined,
  };
  for (const [i, p] of plans.entries()) {
    if (p === undefined) {
      reasons.push({ Code: "ValidationError", Message: invalid.get(i)! });
      results.push(none);
      continue;
    }
    let result: EvaluatedWrite;
    try {
      result = evaluateWrite(p, now);
    } catch (e) {
      if (!isItemLevel(e)) throw e;
      reasons.push({ Code: "ValidationError", Message: (e as Error).message });
      results.push(none);
      continue;
    }
    results.push(result);
    if (result.conditionFailed) {
      reasons.push({
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        ...(p.returnOldOnFailure && result.before ? { Item: cloneItem(result.before.item) } : {}),
      });
    } else {
      reasons.push({ Code: "None" });
    }
  }

  const tally = new Tally();
  if (reasons.some((r) => r.Code !== "None")) {
    // A cancelled transaction still reads every item it checked.
    results.forEach((r, i) => {
      const p = plans[i];
      if (p) tally.table(p.table.schema.name, 0, 2 * writeUnits(r.before?.size ?? 0));
    });
    state.stats.add(tally);
    throw transactionCanceled(reasons);
  }
  const records: LogRecord[] = [];
  const prepared: (Stored | undefined)[] = [];
  plans.forEach((p, i) => {
    if (!p) return;
    const r = results[i]!;
    const name = p.table.schema.name;
    if (p.kind === "check") tally.table(name, 0, 2 * writeUnits(r.before?.size ?? 0));
    else tally.write(name, p.table.indexes.values(), r.before, r.after, 2);
    if (r.record) {
      records.push(r.record);
      prepared.push(r.after);
    }
  });
  state.stats.add(tally);
  if (token) tokens.remember(token, fingerprint, now);
  await state.commit(records, prepared);
  const out: Out<TransactWriteItemsCommandOutput> = {};
  const consumed = tally.consumed(input.ReturnConsumedCapacity);
  if (consumed) out.ConsumedCapacity = consumed;
  return out;
}

/** Transactions carry at most 4 MB of items and values. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/** `plans[i]` (when valid) carries the size of action i's validated item, computed once. */
function checkPayload(actions: TransactWriteItem[], plans: (ParsedWrite | undefined)[]): void {
  let bytes = 0;
  for (const [i, a] of actions.entries()) {
    const op = a.Put ?? a.Update ?? a.Delete ?? a.ConditionCheck;
    const size = plans[i]?.itemSize;
    if (size !== undefined) bytes += size;
    else {
      const item = a.Put?.Item ?? (op as { Key?: Item }).Key;
      if (item) bytes += itemSize(item);
    }
    for (const v of Object.values(op?.ExpressionAttributeValues ?? {})) bytes += valueSize(v);
  }
  if (bytes > MAX_TRANSACTION_BYTES) {
    throw validationError(`Transaction payload size cannot exceed 4MB. Payload Size: ${bytes}`);
  }
}

const ITEM_LEVEL = [
  /^One or more parameter values (were invalid|are not valid)/,
  /^The provided key element does not match the schema/,
  /^Item size/,
];

/** Validation errors about one item (as opposed to a malformed request or expression). */
function isItemLevel(e: unknown): boolean {
  return e instanceof Error && e.name === "ValidationException" &&
    !e.message.startsWith(INDEX_KEY_SIZE_ERROR) && ITEM_LEVEL.some((re) => re.test(e.message));
}

/**
 * What a ClientRequestToken is remembered with: a digest of the request's actions (binary
 * values serialise by content, `{"0":…}`), so a 100-item transaction's token holds 44 bytes for
 * ten minutes, not its whole JSON, and no replacer callback runs per value.
 */
function requestFingerprint(actions: TransactWriteItem[]): string {
  return createHash("sha256").update(JSON.stringify(actions)).digest("base64");
}

/** TransactGetItems. */
export async function transactGetItems(
  state: EngineState,
  input: TransactGetItemsCommandInput,
): Promise<Out<TransactGetItemsCommandOutput>> {
  state.begin("transactGetItems", input.TransactItems?.length ?? 1);
  checkReturnConsumed(input.ReturnConsumedCapacity);
  const actions = input.TransactItems ?? [];
  checkCount(actions.length, "transactItems");
  const plans = actions.map((a) => {
    if (!a.Get) throw validationError("TransactItems can only contain Get");
    rejectLegacy(a.Get);
    const table = state.table(a.Get.TableName);
    const key = validateKey(table.schema, a.Get.Key);
    const ctx = new ExpressionContext(a.Get.ExpressionAttributeNames);
    const paths = a.Get.ProjectionExpression === undefined
      ? undefined
      : parseProjection(a.Get.ProjectionExpression, ctx);
    ctx.finish(paths !== undefined);
    return { table, key, paths };
  });
  checkDistinct(plans);
  const now = state.now();
  const tally = new Tally();
  const responses = plans.map((p) => {
    const found = p.table.live(p.key, now);
    tally.table(p.table.schema.name, 2 * readUnits(found?.size ?? 0, true), 0);
    if (!found) return {};
    return { Item: p.paths ? project(found.item, p.paths) : cloneItem(found.item) };
  });
  state.stats.add(tally);
  const out: Out<TransactGetItemsCommandOutput> = { Responses: responses };
  const consumed = tally.consumed(input.ReturnConsumedCapacity);
  if (consumed) out.ConsumedCapacity = consumed;
  await state.settled();
  return out;
}
