/**
 * Search over the runs of some experiments.
 *
 * Three strategies (see docs/key-schema.md, "SearchRuns bound"):
 *
 * - **Walk** (`search_walk.ts`), for MLflow's default order (`start_time DESC, run_id ASC`):
 *   the `gsi1` run listing is stored in that order, so the search reads it in order, chunk by
 *   chunk, and stops at the page; a page costs the runs walked to fill it and a later page
 *   continues where the previous one stopped.
 * - **Metric index** (`search_indexed.ts`), for `order_by metrics.<key>` alone in experiments
 *   whose run-end metric index is complete (`mxi`): the index in value order, the unindexed
 *   (running) runs whole, then the runs without the key from the walk; a page costs its rows.
 * - **Full read** (here), for any other order: one BatchGetItem for the experiments, one paged
 *   Query per (experiment, shard) of GSI1 returning the run records (tags included) followed by
 *   each run's param, dataset-input and model input/output items (they carry the same index
 *   partition), and BatchGetItem for the metric groups — of every candidate run that passes the
 *   filter's non-metric clauses when the filter or the order needs metrics, otherwise of the
 *   returned page only — and for the parts of page runs' split dataset inputs.
 *
 * The number of calls does not depend on how many predicates the filter has: every predicate is
 * evaluated in memory on what was read.
 *
 * @module
 */
import { pooledMap } from "../../util/pool.ts";
import { keepVisible, type VisibleExperiments } from "../visible_experiments.ts";
import { experimentKey, RUN_SHARDS, runsGsi1Pk } from "../../keys/key_schema.ts";
import { batchGetAll, queryAll } from "../../dynamo/batch.ts";
import { GSI1 } from "../../keys/key_schema.ts";
import { type RawItem, rawKey } from "../db.ts";
import type { Experiment, Run, ViewType } from "../entities.ts";
import { experimentFromItem, METRIC_INDEX_COMPLETE } from "../experiments/experiment_item.ts";
import { indexedSearch } from "./search_indexed.ts";
import type { RunStore } from "./run_store.ts";
import {
  type Candidate,
  candidatesOf,
  loadGroups,
  pageRuns,
  RECORD_SK,
  type RunItems,
  type RunSearchRecord,
} from "./search_candidates.ts";
import { walkSearch } from "./search_walk.ts";

export type { RunSearchRecord } from "./search_candidates.ts";

/**
 * Where a page ended; `gsk` (the last run's listing key) only from a walked page; `mx` (the last
 * row's metric value, NaN flag and start time) from the metric index (`search_indexed.ts`), `mm`
 * once that search is past the runs holding the metric (then `gsk` is the walk's).
 */
export interface RunSearchCursor {
  runId: string;
  offset: number;
  gsk?: string;
  mx?: { g: 0 | 1; v: number; st: number };
  mm?: true;
}

/**
 * `order_by metrics.<key> [ASC|DESC]` alone, for the metric index: the value range the filter's
 * clauses on that key allow, and whether they require the metric at all.
 */
export interface MetricOrder {
  key: string;
  ascending: boolean;
  requiresMetric: boolean;
  lo?: number;
  hi?: number;
}

/** A compiled search. */
export interface RunSearchQuery {
  experimentIds: string[];
  /** The experiments the request may read: the others are skipped unread. */
  visible?: VisibleExperiments;
  viewType: ViewType;
  maxResults: number;
  predicate: (r: RunSearchRecord) => boolean;
  compare: (a: RunSearchRecord, b: RunSearchRecord) => number;
  /** True when the filter or order reads metrics (then groups are read before filtering). */
  needsMetrics: boolean;
  /** The filter's clauses on anything but metrics (evaluated before metric groups are read). */
  prefilter?: (r: RunSearchRecord) => boolean;
  /** True when the order is MLflow's default (`start_time DESC, run_id ASC`): then the walk. */
  defaultOrder?: boolean;
  /** Set when the order is one metric key: then the metric index, where complete. */
  metricOrder?: MetricOrder;
  /** Resume after this run (from the page token). */
  after?: RunSearchCursor;
  /** False skips reading the page's latest metrics (callers that only need the records). */
  withMetrics?: boolean;
}

/** One page: its runs, whether more rows follow, and the cursor of the next page. */
export interface RunSearchPage {
  runs: Run[];
  hasMore: boolean;
  next?: RunSearchCursor;
}

/** Runs one search; returns the page and whether more rows follow. */
export async function searchRuns(runs: RunStore, q: RunSearchQuery): Promise<RunSearchPage> {
  const { db } = runs;
  const ids = await keepVisible(q.visible, [...new Set(q.experimentIds)]);
  if (ids.length === 0) return { runs: [], hasMore: false };
  const expItems = await batchGetAll(
    db.port,
    db.table,
    ids.map((id) => rawKey(experimentKey(id))),
  );
  const experiments = new Map(expItems.map((i) => {
    const e = experimentFromItem(i);
    return [e.experimentId, e];
  }));
  // A token of the full read (an offset, no listing key) keeps its meaning: it is read fully.
  if (q.defaultOrder && (!q.after || q.after.gsk !== undefined)) {
    const { after, ...rest } = q;
    return walkSearch(runs, experiments, {
      ...rest,
      ...(after ? { after: { ...after, gsk: after.gsk! } } : {}),
    });
  }
  // The metric index, when every experiment's is complete (created with it, or backfilled).
  const indexed = expItems.length > 0 && expItems.every((i) => i[METRIC_INDEX_COMPLETE]?.BOOL);
  if (q.metricOrder && indexed && (!q.after || q.after.mx || q.after.mm)) {
    return indexedSearch(runs, experiments, { ...q, metricOrder: q.metricOrder });
  }
  return fullSearch(runs, experiments, q);
}

async function fullSearch(
  runs: RunStore,
  experiments: Map<string, Experiment>,
  q: RunSearchQuery,
): Promise<RunSearchPage> {
  const { db } = runs;
  const partitions = [...experiments.keys()].flatMap((id) =>
    Array.from({ length: RUN_SHARDS }, (_, shard) => runsGsi1Pk(id, shard))
  );
  const read = (pk: string) =>
    queryAll(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: pk } },
    });
  const items: RunItems[] = [];
  const byPk = new Map<string, RawItem[]>();
  const all = (await pooledMap(partitions, read)).flat();
  for (const item of all) {
    if (item.sk!.S === RECORD_SK) {
      const details: RawItem[] = [];
      items.push({ record: item, details });
      byPk.set(item.pk!.S!, details);
    }
  }
  for (const item of all) {
    if (item.sk!.S !== RECORD_SK) byPk.get(item.pk!.S!)?.push(item);
  }
  let candidates: Candidate[] = await candidatesOf(runs, items, experiments, q.viewType);
  if (q.prefilter) candidates = candidates.filter((c) => q.prefilter!(c.search));
  if (q.needsMetrics) await loadGroups(runs, candidates);
  candidates = candidates.filter((c) => q.predicate(c.search));
  candidates.sort((a, b) => q.compare(a.search, b.search));
  let start = 0;
  if (q.after) {
    const i = candidates.findIndex((c) => c.record.run_id === q.after!.runId);
    start = i >= 0 ? i + 1 : q.after.offset;
  }
  const page = candidates.slice(start, start + q.maxResults);
  if (!q.needsMetrics && q.withMetrics !== false) await loadGroups(runs, page);
  const hasMore = start + q.maxResults < candidates.length;
  const last = page.at(-1);
  return {
    runs: await pageRuns(runs, page),
    hasMore,
    ...(hasMore && last
      ? { next: { runId: last.record.run_id, offset: start + page.length } }
      : {}),
  };
}
