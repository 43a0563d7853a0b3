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
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";

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

/**
 * A workspace's part of a listing partition or name guard: nothing for `default` (so a server
 * without workspaces, and data written before them, has exactly today's keys), else `@<ws>`.
 * Workspace names are `[a-z0-9-]` without `#` or `@`, so `<PREFIX>@<ws>#<name>` can never equal
 * a default-workspace key `<PREFIX>#<name>` and two workspaces never share a key.
 */
function inWorkspace(prefix: string, workspace: string): string {
  return workspace === DEFAULT_WORKSPACE ? prefix : `${prefix}@${workspace}`;
}

/** All experiments of a workspace share one index partition: they are few and written rarely. */
export const experimentGsi1 = (experimentId: string, workspace = DEFAULT_WORKSPACE): Gsi1Key => ({
  gsi1pk: experimentsGsi1Pk(workspace),
  gsi1sk: experimentId.padStart(NUMBER_WIDTH, "0"),
});
export const EXPERIMENTS_GSI1_PK = "EXPS";
/** The experiments' index partition of a workspace (`EXPS`, or `EXPS@<ws>`). */
export const experimentsGsi1Pk = (workspace = DEFAULT_WORKSPACE): string =>
  inWorkspace(EXPERIMENTS_GSI1_PK, workspace);

/**
 * An experiment tag: its own item in the experiment's partition (so no number or size of tags
 * can push the record past 400 KB), also in the experiments' index partition right after its
 * record (so one paged search Query returns records and tags).
 */
export const experimentTagKey = (experimentId: string, key: string): Key => ({
  pk: `EXP#${experimentId}`,
  sk: `${EXPERIMENT_TAG_PREFIX}${key}`,
});
export const experimentTagGsi1 = (
  experimentId: string,
  key: string,
  workspace = DEFAULT_WORKSPACE,
): Gsi1Key => ({
  gsi1pk: experimentsGsi1Pk(workspace),
  gsi1sk: `${experimentGsi1(experimentId).gsi1sk}#${EXPERIMENT_TAG_PREFIX}${key}`,
});
export const EXPERIMENT_TAG_PREFIX = "TAG#";

/** Uniqueness guard: exists while an experiment (active or deleted) holds the name. */
export const experimentNameKey = (name: string, workspace = DEFAULT_WORKSPACE): Key => {
  const prefix = `${inWorkspace("EXPNAME", workspace)}#`;
  return {
    pk: `${prefix}${nameInKey(name, MAX_PARTITION_KEY_BYTES, encoder.encode(prefix).length)}`,
    sk: "EXPNAME",
  };
};

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

/**
 * The lower bound (exclusive) of the `gsi1` run listing after the run whose record has
 * `gsi1sk`: past its record and its detail items (`<gsi1sk>#<kind>`, kinds are capital letters),
 * before the next run's record (run ids have a fixed length, so no record key extends another).
 */
export const runsGsi1After = (gsi1sk: string): string => `${gsi1sk}#~`;

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

/**
 * Raw chunks (ULID sort keys, whose first character is `0`–`7`) sort before this; compacted
 * per-key chunks start with it (`K#`), so `sk < METRIC_COMPACTED_PREFIX` selects the raw tail.
 */
export const METRIC_COMPACTED_PREFIX = "K#";

/**
 * Sort-key prefix of one metric key's compacted chunks: `K#<length>:<key>#` (length-prefixed,
 * so no key's prefix is another key's prefix). Each chunk's sk is this prefix plus its lower
 * bound: the position of the previous chunk's last point, or nothing for a key's first chunk.
 */
export function metricKeyChunkPrefix(key: string): string {
  const inKey = nameInKey(key, MAX_SORT_KEY_BYTES, 16 + METRIC_POSITION_LENGTH);
  return `${METRIC_COMPACTED_PREFIX}${inKey.length}:${inKey}#`;
}

/** A compacted chunk of one metric key that holds the points after position `bound`. */
export const metricKeyChunkKey = (runId: string, key: string, bound: string): Key => ({
  pk: metricHistoryPk(runId),
  sk: `${metricKeyChunkPrefix(key)}${bound}`,
});

/**
 * The sort-key range of one metric key's compacted chunks whose bounds lie in `[from, to]`
 * (positions; `to` defaults past every position): for `BETWEEN :from AND :to`.
 */
export function metricKeyChunkRange(key: string, from = "", to = "\uffff"): [string, string] {
  const prefix = metricKeyChunkPrefix(key);
  return [prefix + from, prefix + to];
}

/** The bound (a position, or "" for a key's first chunk) of a compacted chunk's sort key. */
export const metricKeyChunkBound = (key: string, sk: string): string =>
  sk.slice(metricKeyChunkPrefix(key).length);

/** Characters of {@link metricPointPosition}. */
export const METRIC_POSITION_LENGTH = 45;

const positionBits = new DataView(new ArrayBuffer(8));
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
// 8 hex digits of an unsigned 32-bit integer (Number#toString(16) is slow on hot paths).
const hex8 = (n: number): string =>
  HEX_BYTES[n >>> 24]! + HEX_BYTES[(n >>> 16) & 255]! + HEX_BYTES[(n >>> 8) & 255]! +
  HEX_BYTES[n & 255]!;

/**
 * A metric point's place in MLflow's history order (timestamp, step, value; NaN is stored as 0
 * plus a flag, as MLflow's SQL store does) as a fixed-width string whose string order is that
 * order: 14 hex digits of timestamp, 14 of step + 2^53, 16 of the value's order-preserving
 * float64 bits, and `0`/`1` for NaN. Equal strings are MLflow's identical points.
 */
export function metricPointPosition(timestamp: number, step: number, value: number): string {
  const isNaN = Number.isNaN(value);
  positionBits.setFloat64(0, isNaN || value === 0 ? 0 : value);
  let high = positionBits.getUint32(0);
  let low = positionBits.getUint32(4);
  if (high >>> 31) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else high = (high | 0x80000000) >>> 0;
  // step + 2^53 in two exact halves of 7 hex digits (step is a safe integer, maybe negative)
  const stepHigh = Math.floor(step / 2 ** 28);
  return hex8(Math.floor(timestamp / 2 ** 32)).slice(2) + hex8(timestamp >>> 0) +
    hex8(stepHigh + 2 ** 25).slice(1) + hex8(step - stepHigh * 2 ** 28).slice(1) +
    hex8(high) + hex8(low) + (isNaN ? "1" : "0");
}

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
export const registeredModelGsi1 = (name: string, workspace = DEFAULT_WORKSPACE): Gsi1Key => ({
  gsi1pk: registeredModelsGsi1Pk(workspace),
  gsi1sk: nameInKey(name, MAX_SORT_KEY_BYTES, 0),
});
export const REGISTERED_MODELS_GSI1_PK = "RMS";
/** The registered models' index partition of a workspace (`RMS`, or `RMS@<ws>`). */
export const registeredModelsGsi1Pk = (workspace = DEFAULT_WORKSPACE): string =>
  inWorkspace(REGISTERED_MODELS_GSI1_PK, workspace);
/** Uniqueness guard shared by models and prompts (one name space per workspace, as in MLflow). */
export const registeredModelNameKey = (name: string, workspace = DEFAULT_WORKSPACE): Key => {
  const prefix = `${inWorkspace("RMNAME", workspace)}#`;
  return {
    pk: `${prefix}${nameInKey(name, MAX_PARTITION_KEY_BYTES, encoder.encode(prefix).length)}`,
    sk: "RMNAME",
  };
};

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
// Workspaces (`--enable-workspaces`): one item per created workspace, listed through GSI1.
// `default` has an item only once it was updated; it exists without one.

export const workspaceKey = (name: string): Key => ({ pk: `WS#${name}`, sk: "WS" });
export const WORKSPACES_GSI1_PK = "WSS";
export const workspaceGsi1 = (name: string): Gsi1Key => ({
  gsi1pk: WORKSPACES_GSI1_PK,
  gsi1sk: name,
});

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

/**
 * One grant: `username` holds a permission on one resource (`experiment`, `registered_model`, ...).
 * Resources named by a per-workspace name (registered models, prompts) carry their workspace
 * outside `default` (`registered_model@<ws>`), so one name in two workspaces never shares grants.
 */
export const grantKey = (
  username: string,
  resourceType: string,
  resourceId: string,
  workspace = DEFAULT_WORKSPACE,
): Key => {
  const type = inWorkspace(resourceType, workspace);
  return {
    pk: userPk(username),
    sk: `${GRANT_PREFIX}${type}#${
      nameInKey(
        resourceId,
        MAX_SORT_KEY_BYTES,
        GRANT_PREFIX.length + encoder.encode(type).length + 1,
      )
    }`,
  };
};
export const GRANT_PREFIX = "GRANT#";
/** Grants listed by resource (rename and delete of a registered model move or remove them). */
export const grantGsi1 = (
  username: string,
  resourceType: string,
  resourceId: string,
  workspace = DEFAULT_WORKSPACE,
): Gsi1Key => ({
  gsi1pk: grantsOnGsi1Pk(resourceType, resourceId, workspace),
  gsi1sk: nameInKey(username, MAX_SORT_KEY_BYTES, 0),
});
export const grantsOnGsi1Pk = (
  resourceType: string,
  resourceId: string,
  workspace = DEFAULT_WORKSPACE,
): string => {
  const type = inWorkspace(resourceType, workspace);
  return `GRANTS#${type}#${
    nameInKey(
      resourceId,
      MAX_PARTITION_KEY_BYTES,
      "GRANTS#".length + encoder.encode(type).length + 1,
    )
  }`;
};

// Auth roles (RBAC, MLflow 3.17.2): a role's partition holds the role item, its permissions and
// its members; a user's partition holds one assignment item per role (docs/key-schema.md).

/** The partition of a role. */
export const rolePk = (roleId: number): string => `ROLE#${roleId}`;
/** The role item; every role is listed through GSI1 under {@link ROLES_GSI1_PK}. */
export const roleKey = (roleId: number): Key => ({ pk: rolePk(roleId), sk: "ROLE" });
export const ROLES_GSI1_PK = "ROLES";
export const roleGsi1 = (roleId: number): Gsi1Key => ({
  gsi1pk: ROLES_GSI1_PK,
  gsi1sk: String(roleId).padStart(12, "0"),
});
/** Claims a role name within its workspace (names are unique per workspace). */
export const roleNameKey = (workspace: string, name: string): Key => ({
  pk: `ROLENAME#${
    nameInKey(JSON.stringify([workspace, name]), MAX_PARTITION_KEY_BYTES, "ROLENAME#".length)
  }`,
  sk: "ROLENAME",
});
/** Sort-key prefix of a role's permissions (`PERM#<type>#<pattern>`), read with the role item. */
export const ROLE_PERMISSION_PREFIX = "PERM#";
/** One permission of a role: unique per (resource type, pattern). */
export const rolePermissionKey = (roleId: number, resourceType: string, pattern: string): Key => ({
  pk: rolePk(roleId),
  sk: `${ROLE_PERMISSION_PREFIX}${resourceType}#${
    nameInKey(pattern, MAX_SORT_KEY_BYTES, ROLE_PERMISSION_PREFIX.length + resourceType.length + 1)
  }`,
});
/** Finds a role permission by its id (the API names it by id alone). */
export const rolePermissionIdKey = (permissionId: number): Key => ({
  pk: `ROLEPERM#${permissionId}`,
  sk: "ROLEPERM",
});
/** Sort-key prefix of a role's members. */
export const ROLE_MEMBER_PREFIX = "MEMBER#";
/** A member of a role (role side of an assignment). */
export const roleMemberKey = (roleId: number, username: string): Key => ({
  pk: rolePk(roleId),
  sk: `${ROLE_MEMBER_PREFIX}${nameInKey(username, MAX_SORT_KEY_BYTES, ROLE_MEMBER_PREFIX.length)}`,
});
/** Sort-key prefix of a user's role assignments (user side). */
export const USER_ROLE_PREFIX = "ROLE#";
/** A role of a user (user side of an assignment), in the user's partition. */
export const userRoleKey = (username: string, roleId: number): Key => ({
  pk: userPk(username),
  sk: `${USER_ROLE_PREFIX}${String(roleId).padStart(12, "0")}`,
});

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
/** Points from a scorer's id to its experiment and name (gateway guardrails name scorers by id). */
export const scorerIdKey = (scorerId: string): Key => ({ pk: `SCRID#${scorerId}`, sk: "SCRID" });
/** The sk prefix of every scorer item of an experiment. */
export const SCORER_PREFIX = "N#";

// ---------------------------------------------------------------------------------------------
// Webhooks and their pending deliveries (docs/key-schema.md, "Webhooks").

/**
 * The partition holding every webhook (one item each, sk = webhook id). Webhooks are few (an
 * admin registers them), so list and "who subscribes to this event" read this one partition.
 * The one place the partition is named: a workspace scope becomes an argument here.
 */
export const webhooksPk = (): string => "WH";
/** One webhook. */
export const webhookKey = (webhookId: string): Key => ({ pk: webhooksPk(), sk: webhookId });

/**
 * The partition of pending webhook deliveries. The sk starts with the padded due time, so one
 * Query with `sk <= due(now)` returns the deliveries that are due, oldest first.
 */
export const webhookDeliveriesPk = (): string => "WHQ";
/** A pending delivery, due at `dueMs`. */
export const webhookDeliveryKey = (dueMs: number, deliveryId: string): Key => ({
  pk: webhookDeliveriesPk(),
  sk: `${padNumber(Math.max(0, Math.trunc(dueMs)))}#${deliveryId}`,
});
/** The greatest sk of a delivery due at or before `nowMs` (`#` sorts before every id character). */
export const webhookDeliveriesDueBy = (nowMs: number): string =>
  `${padNumber(Math.max(0, Math.trunc(nowMs)))}#~`;

// AI Gateway configuration (docs/key-schema.md, "AI Gateway"). One partition per kind of
// resource, built only by `gatewayPk`, so that a workspace component can be added in one place.

/** The kinds of gateway resources, each with its own partition. */
export type GatewayKind =
  | "SECRET"
  | "MODELDEF"
  | "ENDPOINT"
  | "BINDING"
  | "BUDGET"
  | "GUARDRAIL"
  | "ONLINE";
/** The partition of one kind of gateway resource. */
export const gatewayPk = (kind: GatewayKind): string => `GW#${kind}`;
/** The sk prefix of the resource items of a gateway partition (name claims use `N#`). */
export const GATEWAY_ITEM_PREFIX = "I#";
/** One gateway resource by id. */
export const gatewayItemKey = (kind: GatewayKind, id: string): Key => ({
  pk: gatewayPk(kind),
  sk: `${GATEWAY_ITEM_PREFIX}${id}`,
});
/** The claim on a unique name (secrets, model definitions, endpoints, guardrails). */
export const gatewayNameKey = (kind: GatewayKind, name: string): Key => ({
  pk: gatewayPk(kind),
  sk: `N#${nameInKey(name, MAX_SORT_KEY_BYTES, 2)}`,
});
/** An endpoint binding's id: its endpoint, resource type and resource id (length-prefixed). */
export const gatewayBindingId = (
  endpointId: string,
  resourceType: string,
  resourceId: string,
): string =>
  `${gatewayBindingPrefix(endpointId)}${resourceType.length}:${resourceType}#${
    nameInKey(resourceId, MAX_SORT_KEY_BYTES, 300)
  }`;
/** The id prefix of every binding of one endpoint. */
export const gatewayBindingPrefix = (endpointId: string): string =>
  `${endpointId.length}:${endpointId}#`;

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
