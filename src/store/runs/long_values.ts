/**
 * Long param and tag values live in their own items beside the run record, so a run with
 * hundreds of 6,000-character params never outgrows DynamoDB's 400 KB item limit.
 *
 * The record keeps a marker `\u0000ov:<sha256>` in place of the value. The value item is keyed by
 * that hash, so writing it is idempotent. A value that itself begins with `\u0000` (as the
 * marker does) is always stored apart, so an inline value is never mistaken for a marker.
 *
 * Used for tags (params have their own items, `run_params.ts`) and for params of runs written
 * before params moved out of the record.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { RUN_VALUE_PREFIX, runValueKey } from "../../keys/key_schema.ts";
import { batchGetAll, batchWriteAll } from "../../dynamo/batch.ts";
import { type Db, type RawItem, rawKey } from "../db.ts";
import type { RunRecord } from "./run_item.ts";

/** Values longer than this are stored in their own item. */
export const INLINE_MAX = 500;
const MARKER = "\u0000ov:";

/** The inline form of `value`, and the item to write first when it is stored apart. */
export function inlineValue(runId: string, value: string): { inline: string; item?: RawItem } {
  if (value.length <= INLINE_MAX && !value.startsWith("\u0000")) return { inline: value };
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 40);
  return {
    inline: `${MARKER}${hash}`,
    item: { ...rawKey(runValueKey(runId, hash)), v: { S: value } },
  };
}

/** Writes the value items of a request (before the record update that references them). */
export async function writeValueItems(db: Db, items: RawItem[]): Promise<void> {
  if (items.length === 0) return;
  // Equal values share one item (content addressed); a batch must not name a key twice.
  const unique = [...new Map(items.map((i) => [i.sk!.S!, i])).values()];
  await batchWriteAll(db.port, db.table, unique.map((Item) => ({ PutRequest: { Item } })));
}

/** The hash a marker points at, or `undefined` for an inline value. */
export function markerHash(v: string): string | undefined {
  return v.startsWith(MARKER) ? v.slice(MARKER.length) : undefined;
}

/** Replaces markers in the records' params and tags with values from `values` (hash → value). */
export function applyValues(records: RunRecord[], values: Map<string, string>): void {
  for (const r of records) {
    for (const map of [r.params, r.tags]) {
      for (const [k, v] of Object.entries(map)) {
        const hash = markerHash(v);
        if (hash !== undefined) map[k] = values.get(`${r.run_id}/${hash}`) ?? "";
      }
    }
  }
}

/** Collects value items read by a partition Query (sk `OV#<hash>`). */
export function valuesFromItems(runId: string, items: RawItem[], into = new Map<string, string>()) {
  for (const item of items) {
    const sk = item.sk?.S ?? "";
    if (sk.startsWith(RUN_VALUE_PREFIX)) {
      into.set(`${runId}/${sk.slice(RUN_VALUE_PREFIX.length)}`, item.v!.S!);
    }
  }
  return into;
}

/** Resolves markers of many records with BatchGetItem (no per-run reads). */
export async function resolveLongValues(db: Db, records: RunRecord[]): Promise<void> {
  const keys: RawItem[] = [];
  for (const r of records) {
    for (const v of [...Object.values(r.params), ...Object.values(r.tags)]) {
      const hash = markerHash(v);
      if (hash !== undefined) keys.push(rawKey(runValueKey(r.run_id, hash)));
    }
  }
  if (keys.length === 0) return;
  const unique = [...new Map(keys.map((k) => [`${k.pk!.S}/${k.sk!.S}`, k])).values()];
  const values = new Map<string, string>();
  for (const item of await batchGetAll(db.port, db.table, unique, true)) {
    values.set(`${item.pk!.S!.slice(4)}/${item.sk!.S!.slice(RUN_VALUE_PREFIX.length)}`, item.v!.S!);
  }
  applyValues(records, values);
}
