/**
 * Dataset inputs, model inputs and model outputs of a run, each in its own item of the run's
 * partition (`DI#`, `MI#`, `MO#`), written with a condition instead of a read-append-write of the
 * run record: concurrent calls lose nothing, and the record never grows past 400 KB however many
 * or however big the inputs are.
 *
 * - A dataset input is keyed by a hash of (name, digest) and put with `attribute_not_exists`:
 *   as in MLflow, a dataset is linked to a run once and the first input wins.
 * - MLflow accepts a schema of up to 1 MB and a profile of up to 16 MB. An input whose JSON does
 *   not fit one item is split into part items (`DP#<hash>#<write id>#<n>`, no index keys), written
 *   before the head item that names them; a losing concurrent writer deletes its parts.
 * - Heads, model inputs and outputs carry the run's GSI1 listing key, so search reads them with
 *   the run records; the head also keeps name, digest and context for filters.
 *
 * Runs written before this layout keep their inputs in the record's lists; readers merge both.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  newChunkId,
  RUN_DATASET_INPUT_PREFIX,
  RUN_DATASET_PART_PREFIX,
  RUN_MODEL_INPUT_PREFIX,
  RUN_MODEL_OUTPUT_PREFIX,
  runDatasetInputKey,
  runDatasetPartKey,
  runDetailGsi1,
  runIdFromPartitionPk,
  runModelInputKey,
  runModelOutputKey,
} from "../../keys/key_schema.ts";
import { invalidParameter } from "../../errors.ts";
import { batchWriteAll } from "../../dynamo/batch.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, isConditionFailure, type RawItem, rawKey } from "../db.ts";
import type { DatasetInput, ModelInput, ModelOutput } from "../entities.ts";
import type { RunRecord } from "./run_item.ts";

// MLflow 3.17's limits (mlflow/utils/validation.py).
const MAX_DATASET_NAME_SIZE = 500;
const MAX_DATASET_DIGEST_SIZE = 36;
const MAX_DATASET_SOURCE_SIZE = 65535;
const MAX_DATASET_SCHEMA_SIZE = 1048575;
const MAX_DATASET_PROFILE_SIZE = 16777215;
const MAX_INPUT_TAG_KEY_SIZE = 255;
const MAX_INPUT_TAG_VALUE_SIZE = 500;

/** An input JSON up to this many UTF-8 bytes stays in its head item (DynamoDB allows 400 KB). */
const HEAD_BYTES = 300_000;
/** UTF-16 units per part: at most 3 UTF-8 bytes each, so a part stays under 300 KB. */
const PART_UNITS = 100_000;
/** Longest model id used as-is in a sort key (DynamoDB allows 1,024 bytes). */
const MAX_KEY_ID_BYTES = 400;

export const DATASET_GSI_KIND = "D";
export const MODEL_INPUT_GSI_KIND = "I";
export const MODEL_OUTPUT_GSI_KIND = "O";

const CONTEXT_TAG = "mlflow.data.context";
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;
const sha = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 40);

/** The inputs and outputs a run shows. */
export interface RunInputs {
  datasetInputs: DatasetInput[];
  modelInputs: ModelInput[];
  modelOutputs: ModelOutput[];
}

/** What filters see of a dataset input. */
export interface DatasetSummary {
  name: string;
  digest: string;
  context?: string;
}

function exceeds(path: string, limit: number) {
  return invalidParameter(`'${path}' exceeds the maximum length of ${limit} characters`);
}

/** MLflow's `_validate_dataset_inputs`, same order and messages. */
export function validateDatasetInputs(datasets: DatasetInput[]): void {
  for (const { dataset: d, tags } of datasets) {
    if (d.name.length > MAX_DATASET_NAME_SIZE) throw exceeds("name", MAX_DATASET_NAME_SIZE);
    if (d.digest.length > MAX_DATASET_DIGEST_SIZE) throw exceeds("digest", MAX_DATASET_DIGEST_SIZE);
    if (d.source.length > MAX_DATASET_SOURCE_SIZE) throw exceeds("source", MAX_DATASET_SOURCE_SIZE);
    if ((d.schema?.length ?? 0) > MAX_DATASET_SCHEMA_SIZE) {
      throw exceeds("schema", MAX_DATASET_SCHEMA_SIZE);
    }
    if ((d.profile?.length ?? 0) > MAX_DATASET_PROFILE_SIZE) {
      throw exceeds("profile", MAX_DATASET_PROFILE_SIZE);
    }
    for (const t of tags) {
      if (t.key.length > MAX_INPUT_TAG_KEY_SIZE) throw exceeds("key", MAX_INPUT_TAG_KEY_SIZE);
      if (t.value.length > MAX_INPUT_TAG_VALUE_SIZE) {
        throw exceeds("value", MAX_INPUT_TAG_VALUE_SIZE);
      }
    }
  }
}

/** The identity of a dataset on a run: (name, digest). */
export function datasetIdentity(d: DatasetInput): string {
  return JSON.stringify([d.dataset.name, d.dataset.digest]);
}

/** A sort-key-safe id: the id itself when short, else its hash. */
function keyId(id: string): string {
  return utf8Bytes(id) <= MAX_KEY_ID_BYTES ? id : `#${sha(id)}`;
}

// Cuts `s` into pieces of at most `units` UTF-16 units without splitting a surrogate pair.
function split(s: string, units: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    let end = Math.min(s.length, i + units);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
}

function gsiAttrs(record: RunRecord, kind: string): RawItem {
  const g = runDetailGsi1(record.experiment_id, record.run_id, record.start_time, kind);
  return { gsi1pk: { S: g.gsi1pk }, gsi1sk: { S: g.gsi1sk } };
}

/** Links dataset inputs (first wins) and model inputs to a run. */
export async function writeInputs(
  db: Db,
  record: RunRecord,
  datasets: DatasetInput[],
  models: ModelInput[],
): Promise<void> {
  const linked = new Set((record.dataset_inputs ?? []).map(datasetIdentity));
  const fresh = datasets.filter((d) => {
    const id = datasetIdentity(d);
    if (linked.has(id)) return false;
    linked.add(id);
    return true;
  });
  await pooledMap(fresh, (d) => writeDataset(db, record, d), 4);
  const legacyModels = new Set((record.model_inputs ?? []).map((m) => m.modelId));
  const newModels = [...new Set(models.map((m) => m.modelId))].filter((m) => !legacyModels.has(m));
  await pooledMap(newModels, (modelId) =>
    putOnce(db, {
      ...rawKey(runModelInputKey(record.run_id, keyId(modelId))),
      ...gsiAttrs(record, MODEL_INPUT_GSI_KIND),
      m: { S: modelId },
      seq: { S: newChunkId() },
    }));
}

/** Links logged-model outputs (model, step) to a run; a repeated pair is stored once. */
export async function writeOutputs(db: Db, record: RunRecord, models: ModelOutput[]) {
  const legacy = new Set((record.model_outputs ?? []).map((m) => `${m.modelId}\u0000${m.step}`));
  const unique = new Map(models.map((m) => [`${m.modelId}\u0000${m.step}`, m]));
  const fresh = [...unique].filter(([k]) => !legacy.has(k)).map(([, m]) => m);
  await pooledMap(fresh, (m) =>
    putOnce(db, {
      ...rawKey(runModelOutputKey(record.run_id, keyId(m.modelId), m.step)),
      ...gsiAttrs(record, MODEL_OUTPUT_GSI_KIND),
      m: { S: m.modelId },
      s: { N: String(m.step) },
      seq: { S: newChunkId() },
    }));
}

// Puts an item unless it exists; true when this call wrote it.
async function putOnce(db: Db, item: RawItem): Promise<boolean> {
  try {
    await db.port.putItem({
      TableName: db.table,
      Item: item,
      ConditionExpression: "attribute_not_exists(pk)",
    });
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

async function writeDataset(db: Db, record: RunRecord, input: DatasetInput): Promise<void> {
  const runId = record.run_id;
  const hash = sha(datasetIdentity(input));
  const json = JSON.stringify(input);
  const context = input.tags.find((t) => t.key === CONTEXT_TAG)?.value;
  const head: RawItem = {
    ...rawKey(runDatasetInputKey(runId, hash)),
    ...gsiAttrs(record, DATASET_GSI_KIND),
    n: { S: input.dataset.name },
    g: { S: input.dataset.digest },
    ...(context !== undefined ? { c: { S: context } } : {}),
    seq: { S: newChunkId() },
  };
  if (utf8Bytes(json) <= HEAD_BYTES) {
    head.d = { S: json };
    await putOnce(db, head);
    return;
  }
  const writeId = crypto.randomUUID().replaceAll("-", "");
  const parts: RawItem[] = split(json, PART_UNITS).map((piece, i) => ({
    ...rawKey(runDatasetPartKey(runId, hash, writeId, i)),
    d: { S: piece },
  }));
  // Parts first: a head never names parts that are not there.
  await batchWriteAll(db.port, db.table, parts.map((Item) => ({ PutRequest: { Item } })));
  head.parts = { N: String(parts.length) };
  head.wid = { S: writeId };
  if (!await putOnce(db, head)) {
    const keys = parts.map((p) => ({ DeleteRequest: { Key: { pk: p.pk!, sk: p.sk! } } }));
    await batchWriteAll(db.port, db.table, keys);
  }
}

/** Keys of the part items the split dataset heads among `items` need. */
export function partKeysOf(items: RawItem[]): RawItem[] {
  const keys: RawItem[] = [];
  for (const item of items) {
    const sk = item.sk?.S ?? "";
    if (!sk.startsWith(RUN_DATASET_INPUT_PREFIX) || !item.parts?.N) continue;
    const hash = sk.slice(RUN_DATASET_INPUT_PREFIX.length);
    const runId = runIdFromPartitionPk(item.pk!.S!);
    for (let i = 0; i < Number(item.parts.N); i++) {
      keys.push(rawKey(runDatasetPartKey(runId, hash, item.wid!.S!, i)));
    }
  }
  return keys;
}

/** Filter view of the dataset heads among `items` (and legacy inputs of `record`). */
export function datasetSummaries(record: RunRecord, items: RawItem[]): DatasetSummary[] {
  const legacy = (record.dataset_inputs ?? []).map((d) => ({
    name: d.dataset.name,
    digest: d.dataset.digest,
    context: d.tags.find((t) => t.key === CONTEXT_TAG)?.value,
  }));
  const own = items.filter((i) => i.sk?.S?.startsWith(RUN_DATASET_INPUT_PREFIX)).map((i) => ({
    name: i.n!.S!,
    digest: i.g!.S!,
    ...(i.c?.S !== undefined ? { context: i.c.S } : {}),
  }));
  return [...legacy, ...own];
}

const bySeq = (a: RawItem, b: RawItem) => (a.seq?.S ?? "") < (b.seq?.S ?? "") ? -1 : 1;

/**
 * The inputs and outputs of a run from its items (`items`: the run's own items, `parts`: part
 * items, which a partition read includes and a search fetches by key), after the record's legacy
 * lists.
 */
export function inputsFromItems(record: RunRecord, items: RawItem[], parts: RawItem[] = items) {
  const partText = new Map<string, string>();
  for (const p of parts) {
    if (p.sk?.S?.startsWith(RUN_DATASET_PART_PREFIX)) partText.set(p.sk.S, p.d!.S!);
  }
  const of = (prefix: string) => items.filter((i) => i.sk?.S?.startsWith(prefix)).sort(bySeq);
  const datasetInputs = [...(record.dataset_inputs ?? [])];
  for (const head of of(RUN_DATASET_INPUT_PREFIX)) {
    if (head.d?.S) {
      datasetInputs.push(JSON.parse(head.d.S) as DatasetInput);
      continue;
    }
    const text = partKeysOf([head]).map((k) => partText.get(k.sk!.S!));
    if (text.some((t) => t === undefined)) continue; // parts not read: a search's filter view
    datasetInputs.push(JSON.parse(text.join("")) as DatasetInput);
  }
  const inputs: RunInputs = {
    datasetInputs,
    modelInputs: [
      ...(record.model_inputs ?? []),
      ...of(RUN_MODEL_INPUT_PREFIX).map((i) => ({ modelId: i.m!.S! })),
    ],
    modelOutputs: [
      ...(record.model_outputs ?? []),
      ...of(RUN_MODEL_OUTPUT_PREFIX).map((i) => ({ modelId: i.m!.S!, step: Number(i.s!.N!) })),
    ],
  };
  return inputs;
}
