/**
 * Tracking keys of the key schema: experiments (records, tags, name guards), runs (records, GSI
 * listing shards, long values and detail items), datasets and logged models. Metric keys are in
 * `metrics.ts`. Part of `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * @module
 */
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";
import { encoder, inWorkspace, NUMBER_WIDTH } from "./internal.ts";
import {
  fnv1a,
  type Gsi1Key,
  type Key,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  nameInKey,
  padInverted,
  padNumber,
} from "./names.ts";

/** Run records are spread over this many GSI partitions per experiment (see docs, "hot partitions"). */
export const RUN_SHARDS = 4;

/** Which GSI shard a run's record lives in. */
export function runShard(runId: string): number {
  return fnv1a(runId) % RUN_SHARDS;
}

// ---------------------------------------------------------------------------------------------
// Experiments

export const experimentKey = (experimentId: string): Key => ({
  pk: `EXP#${experimentId}`,
  sk: "EXP",
});

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
