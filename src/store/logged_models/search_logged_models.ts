/**
 * `SearchLoggedModels`: experiment ids, a filter, a `datasets` restriction on metrics,
 * structured `order_by`, `max_results` and page tokens. Parsing, matching and ordering are the
 * shared search module's (`prepareLoggedModelSearch`); this module reads and pages.
 *
 * Calls made: one paged Query of GSI1 per experiment (`EXPLMS#<experiment>`, complete records:
 * info, tags and params; deleted models are not in the index). Metric points are read with one
 * Query per model — for every candidate when the filter, the order or `datasets` needs metrics,
 * otherwise for the returned page only. Filtering and ordering then run in memory.
 *
 * Semantics follow MLflow's SQL store: a metric comparison matches when *any* point of that key
 * (on the requested datasets, if any) satisfies it; with `datasets` and no metric comparison,
 * only models with a point on those datasets match (a dataset without a digest matches points
 * logged without one, as MLflow's REST handler compares `dataset_digest IS NULL`); ordering by
 * `metrics.<key>` uses the key's latest point (timestamp, then step) on the order's dataset;
 * missing values sort last in both directions; without an explicit creation-time order, newest
 * first is appended (then model id, for a stable order).
 *
 * @module
 */
import { GSI1, loggedModelsGsi1Pk } from "../../keys/key_schema.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { pooledMap } from "../../util/pool.ts";
import { keepVisible, type VisibleExperiments } from "../visible_experiments.ts";
import { invalidParameter } from "../../errors.ts";
import {
  decodePageToken,
  encodePageToken,
  type LoggedModelDatasetFilter,
  type LoggedModelOrderBy,
  type LoggedModelRecord as SearchRecord,
  prepareLoggedModelSearch,
} from "../../search/mod.ts";
import type { Db } from "../db.ts";
import type { Metric } from "../entities.ts";
import { validateExperimentId } from "../validation.ts";
import {
  type LoggedModel,
  type LoggedModelRecord,
  loggedModelRecordFromItem,
  toLoggedModel,
} from "./logged_model_item.ts";
import { readManyModelMetrics } from "./model_metrics.ts";

export type { LoggedModelDatasetFilter, LoggedModelOrderBy };

/** MLflow's store default when the request has no (or a zero) `max_results`. */
export const SEARCH_LOGGED_MODELS_DEFAULT_MAX_RESULTS = 100;

/** Inputs of {@link searchLoggedModels}. */
export interface SearchLoggedModelsInput {
  experimentIds: string[];
  filter?: string;
  datasets?: LoggedModelDatasetFilter[];
  orderBy?: LoggedModelOrderBy[];
  maxResults?: number;
  pageToken?: string;
  /** The experiments the request may read: the others are skipped unread. */
  visible?: VisibleExperiments;
}

/** A page of results. */
export interface LoggedModelPage {
  models: LoggedModel[];
  nextPageToken?: string;
}

interface Candidate {
  record: LoggedModelRecord;
  metrics?: Metric[];
  search: SearchRecord;
}

function searchRecord(r: LoggedModelRecord, metrics: Metric[]): SearchRecord {
  return {
    modelId: r.model_id,
    experimentId: r.experiment_id,
    name: r.name,
    modelType: r.model_type,
    status: r.status,
    sourceRunId: r.source_run_id,
    creationTimestamp: r.creation_timestamp_ms,
    lastUpdatedTimestamp: r.last_updated_timestamp_ms,
    metrics,
    params: r.params,
    tags: r.tags,
  };
}

interface Cursor {
  after: string;
  offset: number;
}

async function loadMetrics(db: Db, candidates: Candidate[]): Promise<void> {
  const missing = candidates.filter((c) => c.metrics === undefined);
  const points = await readManyModelMetrics(db, missing.map((c) => c.record.model_id));
  for (const c of missing) {
    c.metrics = points.get(c.record.model_id) ?? [];
    c.search = searchRecord(c.record, c.metrics);
  }
}

/** Runs one search page. */
export async function searchLoggedModels(
  db: Db,
  input: SearchLoggedModelsInput,
): Promise<LoggedModelPage> {
  const datasets = input.datasets ?? [];
  const orderBy = input.orderBy ?? [];
  const prepared = prepareLoggedModelSearch(input.filter, datasets, orderBy);
  if (input.maxResults !== undefined && input.maxResults < 0) {
    throw invalidParameter(
      `Invalid value ${input.maxResults} for parameter 'max_results' supplied.`,
    );
  }
  const maxResults = input.maxResults || SEARCH_LOGGED_MODELS_DEFAULT_MAX_RESULTS;
  const experimentIds = [...new Set(input.experimentIds.map(validateExperimentId))];
  const query = {
    search: "logged-models",
    experimentIds,
    filter: input.filter ?? "",
    datasets,
    orderBy: orderBy.map((o) => ({ ...o, ascending: o.ascending ?? true })),
  };
  const cursor = input.pageToken ? decodePageToken<Cursor>(input.pageToken, query) : undefined;

  const visibleIds = await keepVisible(input.visible, experimentIds);
  const pages = await pooledMap(visibleIds, (id) =>
    queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: loggedModelsGsi1Pk(id) } },
    }));
  let candidates: Candidate[] = pages.flat()
    .map(loggedModelRecordFromItem)
    .filter((record) => record.lifecycle_stage === "active")
    .map((record) => ({ record, search: searchRecord(record, []) }));

  const needsMetrics = datasets.length > 0 ||
    prepared.clauses.some((c) => c.type === "metric") ||
    orderBy.some((o) => o.fieldName.startsWith("metrics."));
  if (needsMetrics) await loadMetrics(db, candidates);
  candidates = candidates.filter((c) => prepared.matches(c.search));
  candidates.sort((a, b) => prepared.compare(a.search, b.search));

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
        nextPageToken: encodePageToken(
          { after: last.record.model_id, offset: start + maxResults },
          query,
        ),
      }
      : {}),
  };
}
