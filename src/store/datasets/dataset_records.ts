/**
 * The records of an evaluation dataset: MLflow's `upsert_dataset_records` (dedup by the hash of
 * the inputs, insert/update counting, outputs replaced, expectations and tags merged), paged
 * reads in (`created_time`, `dataset_record_id`) order without loading the dataset, and deletes.
 * Each record is two items: the record and its input-hash pointer (`docs/key-schema.md`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { batchGetAll, batchWriteAll } from "../../dynamo/batch.ts";
import { query } from "../../dynamo/query_pages.ts";
import { invalidParameter } from "../../errors.ts";
import {
  EVAL_RECORD_PREFIX,
  evalDatasetKey,
  evalDatasetPk,
  evalRecordHashKey,
  evalRecordKey,
  newEvalRecordId,
} from "../../keys/key_schema.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { fromItem, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";
import { pooledMap } from "../../util/pool.ts";
import { backoffDelay, sleep } from "../../dynamo/retry.ts";
import { datasetDigest, type DatasetStore } from "./dataset_store.ts";

const MLFLOW_USER = "mlflow.user";
/** Most records one page returns (MLflow's `LOAD_DATASET_RECORDS_MAX_RESULTS`). */
export const DEFAULT_RECORDS_PAGE = 1000;

/** A stored record (JSON-valued fields kept as JSON text so any shape round-trips). */
interface RecordItem {
  dataset_record_id: string;
  dataset_id: string;
  input_hash: string;
  inputs: string;
  outputs?: string;
  expectations?: string;
  tags: string;
  source?: string;
  source_id?: string;
  source_type?: string;
  created_time: number;
  last_update_time: number;
  created_by?: string;
  last_updated_by?: string;
}

type Json = Record<string, unknown>;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  }
  return v;
}

/** sha256 of `json.dumps(inputs, sort_keys=True)`. */
export function inputHash(inputs: unknown): string {
  return createHash("sha256").update(pythonJsonDumps(sortKeys(inputs ?? {}))).digest("hex");
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function fieldType(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "float";
  if (typeof v === "string") return "string";
  return Array.isArray(v) ? "array" : "object";
}

function mergeSchema(existing: string | undefined, records: Json[]): Json {
  const schema = existing
    ? JSON.parse(existing) as Json
    : { inputs: {}, outputs: {}, expectations: {}, version: "1.0" };
  const add = (section: string, obj: Json) => {
    const s = schema[section];
    // A section that already holds a scalar type (non-dict outputs) keeps it.
    if (!isObject(s)) return;
    for (const [k, v] of Object.entries(obj)) if (!Object.hasOwn(s, k)) s[k] = fieldType(v);
  };
  for (const r of records) {
    if (isObject(r.inputs) && Object.keys(r.inputs).length) add("inputs", r.inputs);
    if (r.outputs !== undefined && r.outputs !== null) {
      if (isObject(r.outputs)) add("outputs", r.outputs);
      else if (!isObject(schema.outputs) || Object.keys(schema.outputs).length === 0) {
        schema.outputs = fieldType(r.outputs);
      }
    }
    if (isObject(r.expectations) && Object.keys(r.expectations).length) {
      add("expectations", r.expectations);
    }
  }
  return schema;
}

function sourceOf(source: unknown): Pick<RecordItem, "source" | "source_id" | "source_type"> {
  if (!isObject(source)) return {};
  const type = typeof source.source_type === "string"
    ? source.source_type.toUpperCase()
    : undefined;
  const data = isObject(source.source_data) ? source.source_data : {};
  const id = type === "TRACE" ? data.trace_id : data.source_id;
  return {
    source: pythonJsonDumps({ source_type: type, source_data: data }),
    source_id: typeof id === "string" ? id : undefined,
    source_type: type,
  };
}

/** MLflow's `DatasetRecord.to_dict()`. */
function recordWire(r: RecordItem): Json {
  return {
    dataset_record_id: r.dataset_record_id,
    dataset_id: r.dataset_id,
    inputs: JSON.parse(r.inputs),
    created_time: r.created_time,
    last_update_time: r.last_update_time,
    ...(r.outputs !== undefined ? { outputs: JSON.parse(r.outputs) } : {}),
    ...(r.expectations !== undefined ? { expectations: JSON.parse(r.expectations) } : {}),
    tags: JSON.parse(r.tags),
    ...(r.source !== undefined ? { source: JSON.parse(r.source) } : {}),
    ...(r.source_id !== undefined ? { source_id: r.source_id } : {}),
    ...(r.source_type !== undefined ? { source_type: r.source_type } : {}),
    ...(r.created_by !== undefined ? { created_by: r.created_by } : {}),
    ...(r.last_updated_by !== undefined ? { last_updated_by: r.last_updated_by } : {}),
  };
}

/** Upserts records; returns MLflow's `{inserted, updated}` counts. */
export async function upsertRecords(
  store: DatasetStore,
  datasetId: string,
  records: unknown[],
): Promise<{ inserted: number; updated: number }> {
  const dataset = await store.get(datasetId);
  const dicts = records.map((r, i) => {
    if (!isObject(r)) throw invalidParameter(`Invalid record at index ${i}: expected an object`);
    return r;
  });
  const now = nowMs();
  let inserted = 0;
  let updated = 0;
  let created = 0;
  let pending = dicts;
  // A concurrent merge may claim an input hash first: those records are merged again, as updates.
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_MERGE_ROUNDS) throw new Error("merge_records: too many concurrent writers");
    if (round > 0) await sleep(backoffDelay(round));
    // A pointer without its record is a concurrent merge between its two writes, unless it stays
    // so for a few rounds (an interrupted merge): only then is it reused.
    const res = await applyRecords(store, datasetId, pending, now, round >= DANGLING_REUSE_ROUND);
    inserted += res.inserted;
    updated += res.updated;
    created += res.created;
    pending = res.conflicts;
  }
  let updatedBy: string | undefined;
  for (const d of dicts) {
    const user = isObject(d.tags) ? d.tags[MLFLOW_USER] : undefined;
    if (typeof user === "string") updatedBy = user;
  }
  const count = await addToCount(store, datasetId, created);
  await store.update(datasetId, {
    last_update_time: now,
    last_updated_by: updatedBy,
    digest: datasetDigest(dataset.name, now),
    schema: pythonJsonDumps(mergeSchema(dataset.schema, dicts)),
    ...(count > 0 ? { profile: pythonJsonDumps({ num_records: count }) } : {}),
  });
  return { inserted, updated };
}

const MAX_MERGE_ROUNDS = 6;
const DANGLING_REUSE_ROUND = 4;

function mergeInto(old: RecordItem, d: Json, user: string | undefined): void {
  if ("outputs" in d) old.outputs = d.outputs === null ? undefined : pythonJsonDumps(d.outputs);
  if (isObject(d.expectations) && Object.keys(d.expectations).length) {
    const prev = old.expectations ? JSON.parse(old.expectations) ?? {} : {};
    old.expectations = pythonJsonDumps({ ...prev, ...d.expectations });
  }
  if (isObject(d.tags) && Object.keys(d.tags).length) {
    old.tags = pythonJsonDumps({ ...JSON.parse(old.tags), ...d.tags });
  }
  old.last_update_time = nowMs();
  if (user !== undefined) old.last_updated_by = user;
}

function newRecord(
  datasetId: string,
  hash: string,
  d: Json,
  user: string | undefined,
  now: number,
) {
  const outputs = "outputs" in d ? d.outputs : {};
  return {
    dataset_record_id: newEvalRecordId(now),
    dataset_id: datasetId,
    input_hash: hash,
    inputs: pythonJsonDumps(d.inputs ?? {}),
    outputs: outputs === null || outputs === undefined ? undefined : pythonJsonDumps(outputs),
    expectations: d.expectations === undefined || d.expectations === null
      ? undefined
      : pythonJsonDumps(d.expectations),
    tags: pythonJsonDumps(isObject(d.tags) ? d.tags : {}),
    ...sourceOf(d.source),
    created_time: now,
    last_update_time: now,
    created_by: user,
    last_updated_by: user,
  } satisfies RecordItem;
}

/**
 * One merge round: reads the pointers and records of the batch's input hashes, claims the hash
 * of each new record with a conditional put of its pointer, writes the records. Records whose
 * hash another writer claimed meanwhile come back as `conflicts`.
 */
async function applyRecords(
  store: DatasetStore,
  datasetId: string,
  dicts: Json[],
  now: number,
  reuseDangling: boolean,
): Promise<{ inserted: number; updated: number; created: number; conflicts: Json[] }> {
  const { port, table } = store.db;
  const hashes = dicts.map((r) => inputHash(r.inputs));
  const pointers = await batchGetAll(
    port,
    table,
    [...new Set(hashes)].map((h) => rawKey(evalRecordHashKey(datasetId, h))),
    true,
  );
  const idByHash = new Map(pointers.map((p) => [p.sk!.S!.slice(2), p.record_id!.S!]));
  const byHash = new Map<string, RecordItem>();
  for (
    const e of await batchGetAll(
      port,
      table,
      [...idByHash.values()].map((id) => rawKey(evalRecordKey(datasetId, id))),
      true,
    )
  ) {
    const r = fromItem<RecordItem>(e);
    byHash.set(r.input_hash, r);
  }
  const fresh = new Set<string>();
  const lost = new Set<string>();
  const counts = new Map<string, { inserted: number; updated: number }>();
  dicts.forEach((d, i) => {
    const hash = hashes[i]!;
    const tag = isObject(d.tags) ? d.tags[MLFLOW_USER] : undefined;
    const user = typeof tag === "string" ? tag : undefined;
    const c = counts.get(hash) ?? { inserted: 0, updated: 0 };
    counts.set(hash, c);
    const old = byHash.get(hash);
    if (old) {
      mergeInto(old, d, user);
      c.updated++;
      return;
    }
    const rec = newRecord(datasetId, hash, d, user, now);
    // A pointer left without its record (an interrupted merge) is reused, not claimed again.
    const dangling = idByHash.get(hash);
    if (dangling && !reuseDangling) lost.add(hash);
    else if (dangling) rec.dataset_record_id = dangling;
    else fresh.add(hash);
    byHash.set(hash, rec);
    c.inserted++;
  });
  await pooledMap([...fresh], async (hash) => {
    try {
      await port.putItem({
        TableName: table,
        Item: toItem({
          ...evalRecordHashKey(datasetId, hash),
          record_id: byHash.get(hash)!.dataset_record_id,
        }),
        ConditionExpression: "attribute_not_exists(sk)",
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      lost.add(hash);
    }
  });
  const kept = [...counts.keys()].filter((h) => !lost.has(h));
  await batchWriteAll(
    port,
    table,
    kept.map((h) => {
      const r = byHash.get(h)!;
      return {
        PutRequest: { Item: toItem({ ...evalRecordKey(datasetId, r.dataset_record_id), ...r }) },
      };
    }),
  );
  let inserted = 0;
  let updated = 0;
  let created = 0;
  for (const h of kept) {
    const c = counts.get(h)!;
    inserted += c.inserted;
    updated += c.updated;
    created += c.inserted;
  }
  return { inserted, updated, created, conflicts: dicts.filter((_, i) => lost.has(hashes[i]!)) };
}

async function addToCount(store: DatasetStore, datasetId: string, delta: number): Promise<number> {
  const res = await store.db.port.updateItem({
    TableName: store.db.table,
    Key: rawKey(evalDatasetKey(datasetId)),
    UpdateExpression: "ADD num_records :d",
    ExpressionAttributeValues: { ":d": { N: String(delta) } },
    ReturnValues: "UPDATED_NEW",
  });
  return Number(res.Attributes?.num_records?.N ?? 0);
}

/** One page of records in MLflow's order, and the token of the next page. */
export async function recordsPage(
  store: DatasetStore,
  datasetId: string,
  maxResults: number,
  pageToken: string | undefined,
): Promise<{ records: Json[]; nextPageToken?: string }> {
  await store.get(datasetId);
  let start: Record<string, { S: string }> | undefined;
  if (pageToken) {
    let id: string | undefined;
    try {
      id = atob(pageToken).split(":", 2)[1];
    } catch { /* invalid below */ }
    if (!id) throw invalidParameter(`Invalid page token '${pageToken}'`);
    start = { pk: { S: evalDatasetPk(datasetId) }, sk: { S: `${EVAL_RECORD_PREFIX}${id}` } };
  }
  const res = await query(store.db.port, {
    TableName: store.db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
    ExpressionAttributeValues: {
      ":pk": { S: evalDatasetPk(datasetId) },
      ":p": { S: EVAL_RECORD_PREFIX },
    },
    ExclusiveStartKey: start,
    Limit: maxResults + 1,
    ConsistentRead: true,
  }, { pages: "all", maxItems: maxResults + 1 });
  const items = res.items.map((i) => fromItem<RecordItem>(i));
  const page = items.slice(0, maxResults);
  const last = page[page.length - 1];
  const more = items.length > maxResults;
  return {
    records: page.map(recordWire),
    nextPageToken: more && last
      ? btoa(`${last.created_time}:${last.dataset_record_id}`)
      : undefined,
  };
}

/** Deletes records by id; returns how many existed. */
export async function deleteRecords(
  store: DatasetStore,
  datasetId: string,
  recordIds: string[],
): Promise<number> {
  const { port, table } = store.db;
  await store.get(datasetId);
  const found = (await batchGetAll(
    port,
    table,
    [...new Set(recordIds)].map((id) => rawKey(evalRecordKey(datasetId, id))),
    true,
  )).map((i) => fromItem<RecordItem>(i));
  if (found.length === 0) return 0;
  await batchWriteAll(
    port,
    table,
    found.flatMap((r) => [
      { DeleteRequest: { Key: rawKey(evalRecordKey(datasetId, r.dataset_record_id)) } },
      { DeleteRequest: { Key: rawKey(evalRecordHashKey(datasetId, r.input_hash)) } },
    ]),
  );
  const count = await addToCount(store, datasetId, -found.length);
  await store.update(datasetId, {
    profile: count > 0 ? pythonJsonDumps({ num_records: count }) : "null",
  });
  return found.length;
}
