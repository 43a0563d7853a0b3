/**
 * GenAI keys of the key schema: evaluation datasets (metadata, experiment links, records and
 * input-hash pointers), registered scorers, and issues with their trace links. Part of
 * `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * @module
 */
import { NUMBER_WIDTH } from "./internal.ts";
import { type Gsi1Key, type Key, padNumber } from "./names.ts";

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
