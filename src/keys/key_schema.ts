/**
 * The key schema: the only module that builds or parses DynamoDB key strings.
 *
 * One table, string keys `pk`/`sk`, and one overloaded global secondary index `gsi1`
 * (`gsi1pk`/`gsi1sk`, projection ALL). No local secondary index, so no item collection is capped
 * at 10 GB. `docs/key-schema.md` documents every pattern below and the cost of each operation.
 *
 * Numbers inside keys are zero-padded to a fixed width so that string order equals numeric order;
 * "inverted" numbers (`MAX - n`) make a forward index scan return newest first.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { monotonicFactory } from "ulid";

/** Attribute names of the table's keys. */
export const PK = "pk";
export const SK = "sk";
export const GSI1 = "gsi1";
export const GSI1_PK = "gsi1pk";
export const GSI1_SK = "gsi1sk";
/** Epoch-seconds attribute that DynamoDB's TTL deletes for free (search snapshots). */
export const TTL_ATTRIBUTE = "expires_at";

/** Bumped when the layout changes incompatibly; the server refuses a table with another version. */
export const SCHEMA_VERSION = 1;

/** Run records are spread over this many GSI partitions per experiment (see docs, "hot partitions"). */
export const RUN_SHARDS = 4;

const NUMBER_WIDTH = 20;
const MAX_PADDED = 10n ** BigInt(NUMBER_WIDTH) - 1n;

/** Pads a non-negative integer (ms timestamp, version, id) so that string order is numeric order. */
export function padNumber(n: number | bigint): string {
  const v = BigInt(n);
  if (v < 0n || v > MAX_PADDED) throw new RangeError(`Cannot pad number ${n}: out of range`);
  return v.toString().padStart(NUMBER_WIDTH, "0");
}

/**
 * Pads `MAX - n`, so that ascending key order is descending numeric order. The inverted numbers
 * are client timestamps (a run's `start_time`), which MLflow accepts negative: values outside
 * `0..MAX` are clamped into it for the key only (they sort as the oldest, ties by id); the item
 * keeps the exact value.
 */
export function padInverted(n: number | bigint): string {
  let v = BigInt(n);
  if (v < 0n) v = 0n;
  if (v > MAX_PADDED) v = MAX_PADDED;
  return (MAX_PADDED - v).toString().padStart(NUMBER_WIDTH, "0");
}

/** Reverses {@link padInverted}. */
export function unpadInverted(s: string): number {
  return Number(MAX_PADDED - BigInt(s));
}

/** A primary key. */
export interface Key {
  pk: string;
  sk: string;
}

/** The GSI1 attributes of an item that is listed through the index. */
export interface Gsi1Key {
  gsi1pk: string;
  gsi1sk: string;
}

// FNV-1a, 32 bit: stable across runtimes and replicas, unlike any built-in hash.
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// User-given names inside keys

/** DynamoDB's limits on a key value: partition (hash) and sort (range) key, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
/** `#` plus a SHA-256 in hex: what a hashed name adds to its kept prefix. */
const HASH_SUFFIX_BYTES = 65;

const encoder = new TextEncoder();

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes, cut between code points. */
function utf8Prefix(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = encoder.encode(ch).length;
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * A user-given name as it appears inside a key of at most `keyBytes` bytes, after a prefix of
 * `prefixBytes`: the name itself when it fits, else its longest fitting prefix, `#` and the
 * SHA-256 of the whole name. A kept name is at most `budget` bytes and a hashed one is longer
 * (the prefix alone is over `budget - 4` bytes, plus 65), so the two forms never collide, and
 * SHA-256 keeps two long names apart. The full name is always stored in an attribute as well.
 * Key order stays name order except among long names that share their first ~900 bytes.
 */
export function nameInKey(name: string, keyBytes: number, prefixBytes: number): string {
  const budget = keyBytes - prefixBytes - HASH_SUFFIX_BYTES;
  if (name.length <= budget / 3 || encoder.encode(name).length <= budget) return name;
  const digest = createHash("sha256").update(name, "utf8").digest("hex");
  return `${utf8Prefix(name, budget)}#${digest}`;
}

/** Which GSI shard a run's record lives in. */
export function runShard(runId: string): number {
  return fnv1a(runId) % RUN_SHARDS;
}

// ---------------------------------------------------------------------------------------------
// Table metadata and counters

/** The schema-version item written by the table command. */
export const schemaKey = (): Key => ({ pk: "META", sk: "SCHEMA" });

/** Atomic counters (`UpdateItem ADD`), e.g. `experiment` for sequential experiment ids. */
export const counterKey = (name: string): Key => ({ pk: `SEQ#${name}`, sk: "SEQ" });

// ---------------------------------------------------------------------------------------------
// Experiments

export const experimentKey = (experimentId: string): Key => ({
  pk: `EXP#${experimentId}`,
  sk: "EXP",
});

/** All experiments share one index partition: they are few and written rarely. */
export const experimentGsi1 = (experimentId: string): Gsi1Key => ({
  gsi1pk: "EXPS",
  gsi1sk: experimentId.padStart(NUMBER_WIDTH, "0"),
});
export const EXPERIMENTS_GSI1_PK = "EXPS";

/**
 * An experiment tag: its own item in the experiment's partition (so no number or size of tags
 * can push the record past 400 KB), also in the experiments' index partition right after its
 * record (so one paged search Query returns records and tags).
 */
export const experimentTagKey = (experimentId: string, key: string): Key => ({
  pk: `EXP#${experimentId}`,
  sk: `${EXPERIMENT_TAG_PREFIX}${key}`,
});
export const experimentTagGsi1 = (experimentId: string, key: string): Gsi1Key => ({
  gsi1pk: EXPERIMENTS_GSI1_PK,
  gsi1sk: `${experimentGsi1(experimentId).gsi1sk}#${EXPERIMENT_TAG_PREFIX}${key}`,
});
export const EXPERIMENT_TAG_PREFIX = "TAG#";

/** Uniqueness guard: exists while an experiment (active or deleted) holds the name. */
export const experimentNameKey = (name: string): Key => ({
  pk: `EXPNAME#${nameInKey(name, MAX_PARTITION_KEY_BYTES, "EXPNAME#".length)}`,
  sk: "EXPNAME",
});

// ---------------------------------------------------------------------------------------------
// Runs

/** The run record: info, params, tags, inputs and outputs (metrics live elsewhere). */
export const runKey = (runId: string): Key => ({ pk: `RUN#${runId}`, sk: "RUN" });

/** Index partition listing an experiment's runs, newest start time first, then run id. */
export const runGsi1 = (experimentId: string, runId: string, startTime: number): Gsi1Key => ({
  gsi1pk: runsGsi1Pk(experimentId, runShard(runId)),
  gsi1sk: `${padInverted(startTime)}#${runId}`,
});
export const runsGsi1Pk = (experimentId: string, shard: number): string =>
  `EXPRUNS#${experimentId}#${shard}`;

/** Parses the run id out of a run record's `gsi1sk`. */
export const runIdFromGsi1Sk = (gsi1sk: string): string => gsi1sk.slice(NUMBER_WIDTH + 1);

/** Prefix of every item in a run's own partition that `GetRun` reads (everything but history). */
export const runPartitionPk = (runId: string): string => `RUN#${runId}`;

/** Latest metric values of one "metric group" (the key set of one logging call) of a run. */
export const metricGroupKey = (runId: string, groupId: string): Key => ({
  pk: `RUN#${runId}`,
  sk: `${METRIC_GROUP_PREFIX}${groupId}`,
});
export const METRIC_GROUP_PREFIX = "ML#";
export const groupIdFromSk = (sk: string): string => sk.slice(METRIC_GROUP_PREFIX.length);

/** The group id of a key set: the same keys, in any order, give the same group. */
export function metricGroupId(keys: Iterable<string>): string {
  return fnv1a([...new Set(keys)].sort().join("\u0000")).toString(36);
}

/**
 * A new chunk id (ULID): sorts by time, and is monotonic within this process so that chunks
 * written in the same millisecond keep their order (metric history, logged-model metrics).
 */
export const newChunkId: () => string = monotonicFactory();

/** Metric history chunk: every point of one logging call, in the run's history partition. */
export const metricChunkKey = (runId: string, chunkId: string): Key => ({
  pk: metricHistoryPk(runId),
  sk: chunkId,
});
export const metricHistoryPk = (runId: string): string => `MH#${runId}`;

// ---------------------------------------------------------------------------------------------
// Datasets (deduplicated per experiment by name and digest)

export const datasetKey = (experimentId: string, name: string, digest: string): Key => ({
  pk: `EXP#${experimentId}`,
  sk: `DS#${nameInKey(`${name}#${digest}`, MAX_SORT_KEY_BYTES, "DS#".length)}`,
});

// ---------------------------------------------------------------------------------------------
// Logged models (MLflow 3)

export const loggedModelKey = (modelId: string): Key => ({ pk: `LM#${modelId}`, sk: "LM" });
export const loggedModelGsi1 = (
  experimentId: string,
  modelId: string,
  creationTime: number,
): Gsi1Key => ({
  gsi1pk: loggedModelsGsi1Pk(experimentId),
  gsi1sk: `${padInverted(creationTime)}#${modelId}`,
});
export const loggedModelsGsi1Pk = (experimentId: string): string => `EXPLMS#${experimentId}`;

/** The logged model's partition: its record plus its metric chunks (one Query reads both). */
export const loggedModelPartitionPk = (modelId: string): string => `LM#${modelId}`;

/** Metric points logged with `model_id`: one chunk per (logging call, model), ULID sort keys. */
export const loggedModelMetricChunkKey = (modelId: string, chunkId: string): Key => ({
  pk: loggedModelPartitionPk(modelId),
  sk: `${LOGGED_MODEL_METRIC_PREFIX}${chunkId}`,
});
export const LOGGED_MODEL_METRIC_PREFIX = "LMM#";

// ---------------------------------------------------------------------------------------------
// Model registry: models keyed by an immutable id so that rename touches one item plus guards

export const registeredModelKey = (modelUid: string): Key => ({ pk: `RM#${modelUid}`, sk: "RM" });
/** Listed by name; a name too long for a sort key is shortened and hashed ({@link nameInKey}). */
export const registeredModelGsi1 = (name: string): Gsi1Key => ({
  gsi1pk: REGISTERED_MODELS_GSI1_PK,
  gsi1sk: nameInKey(name, MAX_SORT_KEY_BYTES, 0),
});
export const REGISTERED_MODELS_GSI1_PK = "RMS";
/** Uniqueness guard shared by models and prompts (one name space, as in MLflow). */
export const registeredModelNameKey = (name: string): Key => ({
  pk: `RMNAME#${nameInKey(name, MAX_PARTITION_KEY_BYTES, "RMNAME#".length)}`,
  sk: "RMNAME",
});

export const modelVersionKey = (modelUid: string, version: number): Key => ({
  pk: `RM#${modelUid}`,
  sk: `MV#${padNumber(version)}`,
});
export const MODEL_VERSION_PREFIX = "MV#";
export const modelVersionGsi1 = (modelUid: string, version: number): Gsi1Key => ({
  gsi1pk: MODEL_VERSIONS_GSI1_PK,
  gsi1sk: `${modelUid}#${padNumber(version)}`,
});
export const MODEL_VERSIONS_GSI1_PK = "MVS";

// ---------------------------------------------------------------------------------------------
// Search snapshots: the ordered result ids of a search, so later pages never re-read earlier ones

export const searchSnapshotKey = (snapshotId: string, chunk: number): Key => ({
  pk: `SNAP#${snapshotId}`,
  sk: padNumber(chunk),
});

// ---------------------------------------------------------------------------------------------
// Long param and tag values, stored beside the run record and addressed by content hash

/** A long param or tag value of a run; the record holds a marker with the same hash. */
export const runValueKey = (runId: string, hash: string): Key => ({
  pk: `RUN#${runId}`,
  sk: `${RUN_VALUE_PREFIX}${hash}`,
});
export const RUN_VALUE_PREFIX = "OV#";

// ---------------------------------------------------------------------------------------------
// Run details in their own items (issue #8): params, dataset inputs, model inputs and outputs.
// Each lives in the run's partition (GetRun reads them with the record) and carries the run's
// GSI1 partition key, so a search's listing Query returns them right after their record.

/** One param of a run: immutable, written with a per-item condition. */
export const runParamKey = (runId: string, key: string): Key => ({
  pk: runPartitionPk(runId),
  sk: `${RUN_PARAM_PREFIX}${key}`,
});
export const RUN_PARAM_PREFIX = "P#";

/** One dataset input of a run, keyed by a hash of (name, digest): linked once, first wins. */
export const runDatasetInputKey = (runId: string, datasetHash: string): Key => ({
  pk: runPartitionPk(runId),
  sk: `${RUN_DATASET_INPUT_PREFIX}${datasetHash}`,
});
export const RUN_DATASET_INPUT_PREFIX = "DI#";

/** A piece of a dataset input too big for one item (no GSI keys; read by key or partition). */
export const runDatasetPartKey = (
  runId: string,
  datasetHash: string,
  writeId: string,
  part: number,
): Key => ({
  pk: runPartitionPk(runId),
  sk: `${RUN_DATASET_PART_PREFIX}${datasetHash}#${writeId}#${padNumber(part)}`,
});
export const RUN_DATASET_PART_PREFIX = "DP#";

/** A logged model used as an input of a run. */
export const runModelInputKey = (runId: string, modelId: string): Key => ({
  pk: runPartitionPk(runId),
  sk: `${RUN_MODEL_INPUT_PREFIX}${modelId}`,
});
export const RUN_MODEL_INPUT_PREFIX = "MI#";

/** A logged model produced by a run at a step. */
export const runModelOutputKey = (runId: string, modelId: string, step: number): Key => ({
  pk: runPartitionPk(runId),
  sk: `${RUN_MODEL_OUTPUT_PREFIX}${modelId}#${step}`,
});
export const RUN_MODEL_OUTPUT_PREFIX = "MO#";

/**
 * GSI1 keys of a run's detail item: the run's listing partition, sorted right after the record
 * (`<record gsi1sk>#<kind>`; GSI keys need not be unique).
 */
export const runDetailGsi1 = (
  experimentId: string,
  runId: string,
  startTime: number,
  kind: string,
): Gsi1Key => {
  const g = runGsi1(experimentId, runId, startTime);
  return { gsi1pk: g.gsi1pk, gsi1sk: `${g.gsi1sk}#${kind}` };
};

/** The run id of an item in a run's partition. */
export const runIdFromPartitionPk = (pk: string): string => pk.slice("RUN#".length);

// ---------------------------------------------------------------------------------------------
// Traces (GenAI tracing, MLflow 3)
//
// A trace is one partition `TR#<trace_id>`: the info item (`I`: state, times, previews, tags,
// metadata and assessments in one item) and one item per span (`S#<span_id>`), so a trace with
// its spans is one paged Query and the info alone one GetItem. The info item is listed through
// GSI1 in one of TRACE_SHARDS partitions per experiment, newest first, so an experiment ingesting
// thousands of traces per second spreads its index writes. Traces of a run are found through
// small link items in `RUNTR#<run_id>`.

/** Index partitions per experiment for the trace listing (see docs, "hot partitions"). */
export const TRACE_SHARDS = 16;

/** Which listing shard a trace lives in. */
export function traceShard(traceId: string): number {
  return fnv1a(traceId) % TRACE_SHARDS;
}

/** The partition of one trace: info, spans. */
export const tracePartitionPk = (traceId: string): string => `TR#${traceId}`;

/** Sort key of the trace info item; sorts before every span item. */
export const TRACE_INFO_SK = "I";
/** Sort key prefix of span items. */
export const TRACE_SPAN_PREFIX = "S#";

/** The trace info item (tags, metadata and assessments inside it). */
export const traceInfoKey = (traceId: string): Key => ({
  pk: tracePartitionPk(traceId),
  sk: TRACE_INFO_SK,
});

/** One span of a trace (its OTLP payload, or a pointer to the artifact store when too big). */
export const traceSpanKey = (traceId: string, spanId: string): Key => ({
  pk: tracePartitionPk(traceId),
  sk: `${TRACE_SPAN_PREFIX}${spanId}`,
});

/** Index attributes of a trace info item: experiment shard, newest request time first. */
export const traceGsi1 = (experimentId: string, traceId: string, timestampMs: number): Gsi1Key => ({
  gsi1pk: tracesGsi1Pk(experimentId, traceShard(traceId)),
  gsi1sk: traceGsi1Sk(traceId, timestampMs),
});
export const tracesGsi1Pk = (experimentId: string, shard: number): string =>
  `EXPTR#${experimentId}#${shard}`;
export const traceGsi1Sk = (traceId: string, timestampMs: number): string =>
  `${padInverted(Math.max(0, Math.trunc(timestampMs)))}#${traceId}`;
/** The smallest `gsi1sk` of traces at or before `timestampMs` (the index is newest first). */
export const traceGsi1SkAtOrBefore = (timestampMs: number): string =>
  `${padInverted(Math.max(0, Math.trunc(timestampMs)))}#`;

/** Link item: trace `traceId` belongs to run `runId` (`mlflow.sourceRun` or link-to-run). */
export const runTraceKey = (runId: string, traceId: string): Key => ({
  pk: runTracesPk(runId),
  sk: traceId,
});
export const runTracesPk = (runId: string): string => `RUNTR#${runId}`;

// Auth (basic-auth app): users and their per-resource grants

/** A user of the basic-auth app; listed through GSI1 under {@link USERS_GSI1_PK}. */
export const userKey = (username: string): Key => ({
  pk: userPk(username),
  sk: "USER",
});
const userPk = (username: string): string =>
  `USER#${nameInKey(username, MAX_PARTITION_KEY_BYTES, "USER#".length)}`;
export const USERS_GSI1_PK = "USERS";
export const userGsi1 = (username: string): Gsi1Key => ({
  gsi1pk: USERS_GSI1_PK,
  gsi1sk: nameInKey(username, MAX_SORT_KEY_BYTES, 0),
});
/** The partition of a user: the user item and every grant the user holds. */
export const userPartitionPk = userPk;

/** One grant: `username` holds a permission on one resource (`experiment`, `registered_model`, ...). */
export const grantKey = (username: string, resourceType: string, resourceId: string): Key => ({
  pk: userPk(username),
  sk: `${GRANT_PREFIX}${resourceType}#${
    nameInKey(resourceId, MAX_SORT_KEY_BYTES, GRANT_PREFIX.length + resourceType.length + 1)
  }`,
});
export const GRANT_PREFIX = "GRANT#";
/** Grants listed by resource (rename and delete of a registered model move or remove them). */
export const grantGsi1 = (username: string, resourceType: string, resourceId: string): Gsi1Key => ({
  gsi1pk: grantsOnGsi1Pk(resourceType, resourceId),
  gsi1sk: nameInKey(username, MAX_SORT_KEY_BYTES, 0),
});
export const grantsOnGsi1Pk = (resourceType: string, resourceId: string): string =>
  `GRANTS#${resourceType}#${
    nameInKey(resourceId, MAX_PARTITION_KEY_BYTES, "GRANTS#".length + resourceType.length + 1)
  }`;

// ---------------------------------------------------------------------------------------------
// GenAI evaluation datasets and registered scorers (docs/key-schema.md, "Evaluation datasets").

/** The dataset partition: metadata item, experiment links, records and input-hash pointers. */
export const evalDatasetPk = (datasetId: string): string => `EDS#${datasetId}`;
/** The dataset's metadata item. */
export const evalDatasetKey = (datasetId: string): Key => ({
  pk: evalDatasetPk(datasetId),
  sk: "D",
});
/** Every dataset, listed through the index (search reads this one partition). */
export const EVAL_DATASETS_GSI1_PK = "EDSS";
export const evalDatasetGsi1 = (datasetId: string): Gsi1Key => ({
  gsi1pk: EVAL_DATASETS_GSI1_PK,
  gsi1sk: datasetId,
});
/** A dataset ↔ experiment link, listed per dataset (sk prefix) and per experiment (index). */
export const EVAL_DATASET_LINK_PREFIX = "X#";
export const evalDatasetLinkKey = (datasetId: string, experimentId: string): Key => ({
  pk: evalDatasetPk(datasetId),
  sk: `${EVAL_DATASET_LINK_PREFIX}${experimentId}`,
});
export const evalDatasetLinkGsi1 = (experimentId: string, datasetId: string): Gsi1Key => ({
  gsi1pk: `EXPEDS#${experimentId}`,
  gsi1sk: datasetId,
});
export const experimentIdFromLinkSk = (sk: string): string =>
  sk.slice(EVAL_DATASET_LINK_PREFIX.length);
/**
 * A record; its id starts with its creation time in hex, so sk order is MLflow's record order
 * (`created_time`, `dataset_record_id`).
 */
export const EVAL_RECORD_PREFIX = "R#";
export const evalRecordKey = (datasetId: string, recordId: string): Key => ({
  pk: evalDatasetPk(datasetId),
  sk: `${EVAL_RECORD_PREFIX}${recordId}`,
});
/** A new record id: `dr-` + 12 hex digits of the creation ms + 20 random hex digits. */
export function newEvalRecordId(createdMs: number): string {
  const time = Math.max(0, Math.floor(createdMs)).toString(16).padStart(12, "0").slice(-12);
  const rand = crypto.randomUUID().replaceAll("-", "").slice(0, 20);
  return `dr-${time}${rand}`;
}
/** Points from the hash of a record's inputs to its record id (merge deduplication). */
export const evalRecordHashKey = (datasetId: string, inputHash: string): Key => ({
  pk: evalDatasetPk(datasetId),
  sk: `H#${inputHash}`,
});

/** A registered scorer version; versions of one name sort numerically. */
export const scorerPk = (experimentId: string): string => `SCR#${experimentId}`;
export const SCORER_VERSION_SEPARATOR = "#V#";
export const scorerVersionKey = (experimentId: string, name: string, version: number): Key => ({
  pk: scorerPk(experimentId),
  sk: `${scorerNamePrefix(name)}${padNumber(version)}`,
});
/** The sk prefix of every version of a scorer name (names are length-prefixed: no prefix clash). */
export const scorerNamePrefix = (name: string): string =>
  `N#${name.length}:${name}${SCORER_VERSION_SEPARATOR}`;
/** The head item of a scorer name: its `scorer_id`, kept while any version exists. */
export const scorerHeadKey = (experimentId: string, name: string): Key => ({
  pk: scorerPk(experimentId),
  sk: `N#${name.length}:${name}`,
});
/** The sk prefix of every scorer item of an experiment. */
export const SCORER_PREFIX = "N#";

// ---------------------------------------------------------------------------------------------
// GenAI issues (docs/key-schema.md, "Issues")

/** An issue record (the whole issue in one item). */
export const issueKey = (issueId: string): Key => ({
  pk: `${ISSUE_PK_PREFIX}${issueId}`,
  sk: "ISSUE",
});
export const ISSUE_PK_PREFIX = "ISSUE#";

/**
 * All issues share one index partition, by experiment then id: they are few and written
 * rarely (as experiments), and a search without an experiment lists them all.
 */
export const ISSUES_GSI1_PK = "ISSUES";
export const issueGsi1 = (experimentId: string, issueId: string): Gsi1Key => ({
  gsi1pk: ISSUES_GSI1_PK,
  gsi1sk: `${issuesOfExperimentPrefix(experimentId)}${issueId}`,
});
/** The `gsi1sk` prefix of one experiment's issues. */
export const issuesOfExperimentPrefix = (experimentId: string): string =>
  `${experimentId.padStart(NUMBER_WIDTH, "0")}#`;

/** A trace that holds an issue reference (an `issue` assessment named after the issue). */
export const issueTraceLinkKey = (issueId: string, traceId: string): Key => ({
  pk: `${ISSUE_PK_PREFIX}${issueId}`,
  sk: `${ISSUE_TRACE_PREFIX}${traceId}`,
});
export const ISSUE_TRACE_PREFIX = "TRACE#";
/** Issue and trace ids that fit in a key (longer ids name no issue this server made). */
export const ISSUE_KEY_ID = /^[\w.:-]{1,256}$/;
