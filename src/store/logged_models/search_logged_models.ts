/**
 * `SearchLoggedModels`: experiment ids, a filter (compiled elsewhere into a predicate), a
 * `datasets` restriction on metrics, structured `order_by`, `max_results` and page tokens.
 *
 * Calls made: one paged Query of GSI1 per experiment (`EXPLMS#<experiment>`, complete records:
 * info, tags and params; deleted models are not in the index). Metric points are read with one
 * Query per model — for every candidate when the filter, the order or `datasets` needs metrics,
 * otherwise for the returned page only. Filtering and ordering then run in memory.
 *
 * Semantics follow MLflow's SQL store: a metric comparison matches when *any* point of that key
 * (on the requested datasets, if any) satisfies it; with `datasets`, only models with at least
 * one point on those datasets match; ordering by `metrics.<key>` uses the key's latest point
 * (timestamp, then step) on the order's dataset; missing values sort last in both directions;
 * without an explicit creation-time order, newest first is appended (then model id, for a
 * stable order).
 *
 * @module
 */
import { GSI1, loggedModelsGsi1Pk } from "../../keys/key_schema.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { invalidParameter } from "../../http/errors.ts";
import { decodeToken, encodeToken } from "../../http/page_tokens.ts";
import type { Db } from "../db.ts";
import type { Metric } from "../entities.ts";
import { validateExperimentId } from "../validation.ts";
import {
  type LoggedModel,
  type LoggedModelRecord,
  loggedModelRecordFromItem,
  statusNumber,
  toLoggedModel,
} from "./logged_model_item.ts";
import { readManyModelMetrics } from "./model_metrics.ts";

/** MLflow's store default when the request has no (or a zero) `max_results`. */
export const SEARCH_LOGGED_MODELS_DEFAULT_MAX_RESULTS = 100;

/** What a filter predicate sees of a model. */
export interface LoggedModelSearchRecord {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  /** Proto name, e.g. `LOGGED_MODEL_READY`. */
  status: string;
  lifecycleStage: string;
  modelType: string;
  sourceRunId: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Every point, already restricted to the request's `datasets` when it has any. */
  metrics: Metric[];
}

/** A compiled filter. */
export interface LoggedModelFilter {
  /** The filter text, part of the page-token fingerprint. */
  text: string;
  predicate: (r: LoggedModelSearchRecord) => boolean;
  /** True when the predicate reads `metrics` (then every candidate's points are read). */
  needsMetrics: boolean;
}

/** One `SearchLoggedModels.Dataset`. */
export interface DatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

/** One `SearchLoggedModels.OrderBy`. */
export interface LoggedModelOrderBy {
  fieldName: string;
  ascending?: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

/** Inputs of {@link searchLoggedModels}. */
export interface SearchLoggedModelsInput {
  experimentIds: string[];
  filter?: LoggedModelFilter;
  datasets?: DatasetFilter[];
  orderBy?: LoggedModelOrderBy[];
  maxResults?: number;
  pageToken?: string;
}

/** A page of results. */
export interface LoggedModelPage {
  models: LoggedModel[];
  nextPageToken?: string;
}

type Value = string | number | undefined;
type Compare = (a: Candidate, b: Candidate) => number;

interface Candidate {
  record: LoggedModelRecord;
  metrics?: Metric[];
}

const ATTRIBUTE_ALIASES: Record<string, string> = {
  creation_time: "creation_timestamp_ms",
  creation_timestamp: "creation_timestamp_ms",
  last_updated_timestamp: "last_updated_timestamp_ms",
  last_updated_time: "last_updated_timestamp_ms",
};

const ATTRIBUTE_VALUES: Record<string, (r: LoggedModelRecord) => Value> = {
  model_id: (r) => r.model_id,
  experiment_id: (r) => Number(r.experiment_id),
  name: (r) => r.name,
  artifact_location: (r) => r.artifact_location,
  creation_timestamp_ms: (r) => r.creation_timestamp_ms,
  last_updated_timestamp_ms: (r) => r.last_updated_timestamp_ms,
  status: (r) => statusNumber(r.status),
  lifecycle_stage: (r) => r.lifecycle_stage,
  model_type: (r) => r.model_type,
  source_run_id: (r) => r.source_run_id,
  status_message: (r) => r.status_message,
};

function matchesDataset(m: Metric, name?: string, digest?: string): boolean {
  return (name === undefined || m.datasetName === name) &&
    (digest === undefined || m.datasetDigest === digest);
}

function inDatasets(m: Metric, datasets: DatasetFilter[]): boolean {
  return datasets.some((d) => matchesDataset(m, d.datasetName, d.datasetDigest));
}

/** The latest point of `key` (by timestamp, then step) on the given dataset, as MLflow ranks. */
function latestValue(metrics: Metric[], key: string, name?: string, digest?: string): Value {
  let best: Metric | undefined;
  for (const m of metrics) {
    if (m.key !== key || !matchesDataset(m, name, digest)) continue;
    if (
      !best || m.timestamp > best.timestamp ||
      (m.timestamp === best.timestamp && m.step > best.step)
    ) {
      best = m;
    }
  }
  return best === undefined || Number.isNaN(best.value) ? undefined : best.value;
}

function compareValues(a: Value, b: Value, ascending: boolean): number {
  // Missing values last, whatever the direction (MLflow sorts `value IS NULL` first).
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return ascending ? c : -c;
}

/** Validates `order_by` and builds the comparator; says whether it reads metrics. */
export function compileOrderBy(
  orderBy: LoggedModelOrderBy[],
): { compare: Compare; needsMetrics: boolean } {
  const parts: Compare[] = [];
  let needsMetrics = false;
  let hasCreation = false;
  for (const ob of orderBy) {
    const field = ob.fieldName;
    const ascending = ob.ascending ?? true;
    if (!field.includes(".")) {
      const name = ATTRIBUTE_ALIASES[field] ?? field;
      const get = Object.hasOwn(ATTRIBUTE_VALUES, name) ? ATTRIBUTE_VALUES[name] : undefined;
      if (!get) throw invalidParameter(`Invalid order by field name: ${field}`);
      if (name === "creation_timestamp_ms") hasCreation = true;
      parts.push((a, b) => compareValues(get(a.record), get(b.record), ascending));
      continue;
    }
    const dot = field.indexOf(".");
    const entity = field.slice(0, dot);
    const key = field.slice(dot + 1);
    if (entity !== "metrics") {
      throw invalidParameter(`Invalid order by field name: ${field}. Only metrics are supported.`);
    }
    needsMetrics = true;
    const { datasetName, datasetDigest } = ob;
    parts.push((a, b) =>
      compareValues(
        latestValue(a.metrics ?? [], key, datasetName || undefined, datasetDigest || undefined),
        latestValue(b.metrics ?? [], key, datasetName || undefined, datasetDigest || undefined),
        ascending,
      )
    );
  }
  if (!hasCreation) {
    parts.push((a, b) => b.record.creation_timestamp_ms - a.record.creation_timestamp_ms);
  }
  parts.push((
    a,
    b,
  ) => (a.record.model_id < b.record.model_id
    ? -1
    : a.record.model_id > b.record.model_id
    ? 1
    : 0)
  );
  return {
    compare: (a, b) => {
      for (const p of parts) {
        const c = p(a, b);
        if (c !== 0) return c;
      }
      return 0;
    },
    needsMetrics,
  };
}

function searchRecord(
  c: Candidate,
  datasets: DatasetFilter[] | undefined,
): LoggedModelSearchRecord {
  const r = c.record;
  const metrics = c.metrics ?? [];
  return {
    modelId: r.model_id,
    experimentId: r.experiment_id,
    name: r.name,
    artifactLocation: r.artifact_location,
    creationTimestamp: r.creation_timestamp_ms,
    lastUpdatedTimestamp: r.last_updated_timestamp_ms,
    status: r.status,
    lifecycleStage: r.lifecycle_stage,
    modelType: r.model_type,
    sourceRunId: r.source_run_id,
    tags: r.tags,
    params: r.params,
    metrics: datasets ? metrics.filter((m) => inDatasets(m, datasets)) : metrics,
  };
}

interface Cursor {
  after: string;
  offset: number;
}

function fingerprint(input: SearchLoggedModelsInput, experimentIds: string[]): string {
  return JSON.stringify({
    kind: "logged-models",
    experimentIds,
    filter: input.filter?.text ?? "",
    datasets: input.datasets ?? [],
    orderBy: (input.orderBy ?? []).map((
      o,
    ) => [o.fieldName, o.ascending ?? true, o.datasetName, o.datasetDigest]),
  });
}

async function loadMetrics(db: Db, candidates: Candidate[]): Promise<void> {
  const missing = candidates.filter((c) => c.metrics === undefined);
  const points = await readManyModelMetrics(db, missing.map((c) => c.record.model_id));
  for (const c of missing) c.metrics = points.get(c.record.model_id) ?? [];
}

/** Runs one search page. */
export async function searchLoggedModels(
  db: Db,
  input: SearchLoggedModelsInput,
): Promise<LoggedModelPage> {
  const datasets = input.datasets && input.datasets.length > 0 ? input.datasets : undefined;
  if (datasets?.some((d) => !d.datasetName)) {
    throw invalidParameter("`dataset_name` in the `datasets` clause must be specified.");
  }
  if (input.maxResults !== undefined && input.maxResults < 0) {
    throw invalidParameter(
      `Invalid value ${input.maxResults} for parameter 'max_results' supplied.`,
    );
  }
  const maxResults = input.maxResults || SEARCH_LOGGED_MODELS_DEFAULT_MAX_RESULTS;
  const experimentIds = [...new Set(input.experimentIds.map(validateExperimentId))];
  const { compare, needsMetrics: orderNeedsMetrics } = compileOrderBy(input.orderBy ?? []);
  const print = fingerprint(input, experimentIds);
  const cursor = input.pageToken ? decodeToken<Cursor>(input.pageToken, print) : undefined;

  const pages = await Promise.all(experimentIds.map((id) =>
    queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: loggedModelsGsi1Pk(id) } },
    })
  ));
  let candidates: Candidate[] = pages.flat()
    .map((item) => ({ record: loggedModelRecordFromItem(item) }))
    .filter((c) => c.record.lifecycle_stage === "active");

  const needsMetrics = orderNeedsMetrics || datasets !== undefined ||
    (input.filter?.needsMetrics ?? false);
  if (needsMetrics) await loadMetrics(db, candidates);
  if (datasets) {
    candidates = candidates.filter((c) => (c.metrics ?? []).some((m) => inDatasets(m, datasets)));
  }
  if (input.filter) {
    const { predicate } = input.filter;
    candidates = candidates.filter((c) => predicate(searchRecord(c, datasets)));
  }
  candidates.sort(compare);

  let start = 0;
  if (cursor) {
    const i = candidates.findIndex((c) => c.record.model_id === cursor.after);
    start = i >= 0 ? i + 1 : cursor.offset;
  }
  const page = candidates.slice(start, start + maxResults);
  if (!needsMetrics) await loadMetrics(db, page);
  const last = page[page.length - 1];
  const hasMore = start + maxResults < candidates.length;
  return {
    models: page.map((c) => toLoggedModel(c.record, c.metrics ?? [])),
    ...(hasMore && last
      ? {
        nextPageToken: encodeToken(
          { after: last.record.model_id, offset: start + maxResults },
          print,
        ),
      }
      : {}),
  };
}
