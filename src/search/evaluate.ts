/**
 * Filter evaluators: `(clauses) => (record) => boolean`, one per entity, with the SQL
 * store's semantics (a missing metric/param/tag never matches, not even `!=`; NaN metrics
 * compare as 0; run names come from the `mlflow.runName` tag).
 *
 * @module
 */

import type { Clause } from "./ast.ts";
import type {
  ExperimentRecord,
  LoggedModelMetricRecord,
  LoggedModelRecord,
  ModelVersionRecord,
  RegisteredModelRecord,
  RunRecord,
} from "./records.ts";
import { IS_PROMPT_TAG_KEY, isQueryingPrompts } from "./registry_filter.ts";
import { sqlCompare } from "./comparators.ts";
import { type SqlValue, storedMetricValue } from "./sql_values.ts";

/** A record predicate. */
export type Matcher<T> = (record: T) => boolean;

function lookup(map: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function lookupNumber(map: Readonly<Record<string, number>>, key: string): number | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function all<T>(clauses: readonly Clause[], test: (r: T, c: Clause) => boolean): Matcher<T> {
  return (r) => clauses.every((c) => test(r, c));
}

function runAttribute(r: RunRecord, key: string): SqlValue {
  switch (key) {
    case "run_id":
      return r.runId;
    case "run_name":
      return lookup(r.tags, "mlflow.runName") ?? r.runName;
    case "user_id":
      return r.userId;
    case "status":
      return r.status;
    case "artifact_uri":
      return r.artifactUri;
    case "start_time":
      return r.startTime;
    case "end_time":
      return r.endTime;
    default:
      return undefined;
  }
}

function runClause(r: RunRecord, c: Clause): boolean {
  switch (c.type) {
    case "metric": {
      const v = lookupNumber(r.metrics, c.key);
      return sqlCompare(v === undefined ? undefined : storedMetricValue(v), c.comparator, c.value);
    }
    case "parameter":
      return sqlCompare(lookup(r.params, c.key), c.comparator, c.value);
    case "tag":
      return sqlCompare(lookup(r.tags, c.key), c.comparator, c.value);
    case "attribute":
      return sqlCompare(runAttribute(r, c.key), c.comparator, c.value);
    case "dataset":
      return r.datasets.some((d) => {
        const v = c.key === "name" ? d.name : c.key === "digest" ? d.digest : d.context;
        return sqlCompare(v, c.comparator, c.value);
      });
  }
}

/** A predicate for runs matching all clauses (from `parseRunFilter`). */
export function runMatcher(clauses: readonly Clause[]): Matcher<RunRecord> {
  return all(clauses, runClause);
}

function experimentClause(e: ExperimentRecord, c: Clause): boolean {
  if (c.type === "tag") return sqlCompare(lookup(e.tags, c.key), c.comparator, c.value);
  const v = c.key === "name"
    ? e.name
    : c.key === "creation_time"
    ? e.creationTime
    : c.key === "last_update_time"
    ? e.lastUpdateTime
    : undefined;
  return sqlCompare(v, c.comparator, c.value);
}

/** A predicate for experiments matching all clauses (from `parseExperimentFilter`). */
export function experimentMatcher(clauses: readonly Clause[]): Matcher<ExperimentRecord> {
  return all(clauses, experimentClause);
}

/**
 * Prompts share the registry with models. Unless the filter asks for prompts
 * (``tags.`mlflow.prompt.is_prompt` = 'true'``), records tagged as prompts are left out and
 * clauses on that tag are ignored, as the SQL store does.
 */
function withPromptRule<T extends { tags: Readonly<Record<string, string>> }>(
  clauses: readonly Clause[],
  test: (r: T, c: Clause) => boolean,
): Matcher<T> {
  if (isQueryingPrompts(clauses)) return all(clauses, test);
  const rest = clauses.filter((c) => !(c.type === "tag" && c.key === IS_PROMPT_TAG_KEY));
  const match = all(rest, test);
  return (r) => lookup(r.tags, IS_PROMPT_TAG_KEY) !== "true" && match(r);
}

/** A predicate for registered models (from `parseRegisteredModelFilter`). */
export function registeredModelMatcher(
  clauses: readonly Clause[],
): Matcher<RegisteredModelRecord> {
  return withPromptRule<RegisteredModelRecord>(
    clauses,
    (m, c) =>
      c.type === "tag"
        ? sqlCompare(lookup(m.tags, c.key), c.comparator, c.value)
        : sqlCompare(c.key === "name" ? m.name : undefined, c.comparator, c.value),
  );
}

function modelVersionAttribute(mv: ModelVersionRecord, key: string): SqlValue {
  switch (key) {
    case "name":
      return mv.name;
    case "run_id":
      return mv.runId;
    case "source_path":
      return mv.source;
    case "version_number":
      return mv.version;
    case "creation_timestamp":
      return mv.creationTimestamp;
    case "last_updated_timestamp":
      return mv.lastUpdatedTimestamp;
    default:
      return undefined;
  }
}

/** A predicate for model versions (from `parseModelVersionFilter`). */
export function modelVersionMatcher(clauses: readonly Clause[]): Matcher<ModelVersionRecord> {
  return withPromptRule<ModelVersionRecord>(
    clauses,
    (mv, c) =>
      c.type === "tag"
        ? sqlCompare(lookup(mv.tags, c.key), c.comparator, c.value)
        : sqlCompare(modelVersionAttribute(mv, c.key), c.comparator, c.value),
  );
}

/** A `datasets` entry of SearchLoggedModels. */
export interface LoggedModelDatasetFilter {
  readonly datasetName: string;
  /**
   * When absent, only metrics logged without a digest match: over REST the server passes
   * `dataset_digest: None` and the SQL store compares it with `IS NULL`.
   */
  readonly datasetDigest?: string;
}

function onDatasets(m: LoggedModelMetricRecord, datasets: readonly LoggedModelDatasetFilter[]) {
  return datasets.some((d) =>
    m.datasetName === d.datasetName &&
    (d.datasetDigest === undefined
      ? m.datasetDigest === undefined || m.datasetDigest === null
      : m.datasetDigest === d.datasetDigest)
  );
}

function loggedModelAttribute(m: LoggedModelRecord, key: string): SqlValue {
  switch (key) {
    case "name":
      return m.name;
    case "model_id":
      return m.modelId;
    case "model_type":
      return m.modelType;
    case "status":
      return m.status;
    case "source_run_id":
      return m.sourceRunId;
    case "experiment_id":
      return m.experimentId;
    case "creation_timestamp":
      return m.creationTimestamp;
    case "last_updated_timestamp":
      return m.lastUpdatedTimestamp;
    default:
      return undefined;
  }
}

/**
 * A predicate for logged models (from `parseLoggedModelFilter`). A metric clause matches
 * when any logged value of that metric (on one of `datasets`, if given) satisfies it. With
 * `datasets` and no metric clause, a model needs some metric on those datasets.
 */
export function loggedModelMatcher(
  clauses: readonly Clause[],
  datasets: readonly LoggedModelDatasetFilter[] = [],
): Matcher<LoggedModelRecord> {
  const needsDatasetMetric = datasets.length > 0 && !clauses.some((c) => c.type === "metric");
  const inScope = (x: LoggedModelMetricRecord) => datasets.length === 0 || onDatasets(x, datasets);
  const test = (m: LoggedModelRecord, c: Clause): boolean => {
    switch (c.type) {
      case "metric":
        return m.metrics.some((x) =>
          x.key === c.key && inScope(x) &&
          sqlCompare(storedMetricValue(x.value), c.comparator, c.value)
        );
      case "parameter":
        return sqlCompare(lookup(m.params, c.key), c.comparator, c.value);
      case "tag":
        return sqlCompare(lookup(m.tags, c.key), c.comparator, c.value);
      default:
        return sqlCompare(loggedModelAttribute(m, c.key), c.comparator, c.value);
    }
  };
  const match = all(clauses, test);
  return (m) => (!needsDatasetMetric || m.metrics.some(inScope)) && match(m);
}
