/**
 * Search over the runs of some experiments.
 *
 * Calls made (see docs/key-schema.md): one BatchGetItem for the experiments, one paged Query per
 * (experiment, shard) of GSI1 returning complete run records (params and tags included), and
 * BatchGetItem for the metric groups — of every candidate run when the filter or the order
 * needs metrics, otherwise of the returned page only. The number of calls does not depend on
 * how many predicates the filter has: every predicate is evaluated in memory on what was read.
 *
 * @module
 */
import { experimentKey, metricGroupKey, RUN_SHARDS, runsGsi1Pk } from "../../keys/key_schema.ts";
import { batchGetAll, queryAll } from "../../dynamo/batch.ts";
import { GSI1 } from "../../keys/key_schema.ts";
import { rawKey } from "../db.ts";
import type { Experiment, Run, ViewType } from "../entities.ts";
import { experimentFromItem } from "../experiments/experiment_item.ts";
import { latestFromGroups } from "../metrics/metric_groups.ts";
import { resolveLongValues } from "./long_values.ts";
import { effectiveLifecycle, type RunRecord, runRecordFromItem } from "./run_item.ts";
import { type RunStore, toRun } from "./run_store.ts";

/** What a filter and an order see of a run. */
export interface RunSearchRecord {
  runId: string;
  runName: string;
  userId: string;
  status: string;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  datasets: { name: string; digest: string; context?: string }[];
}

/** A compiled search. */
export interface RunSearchQuery {
  experimentIds: string[];
  viewType: ViewType;
  maxResults: number;
  predicate: (r: RunSearchRecord) => boolean;
  compare: (a: RunSearchRecord, b: RunSearchRecord) => number;
  /** True when the filter or order reads metrics (then groups are read before filtering). */
  needsMetrics: boolean;
  /** Resume after this run (from the page token). */
  after?: { runId: string; offset: number };
  /** False skips reading the page's latest metrics (callers that only need the records). */
  withMetrics?: boolean;
}

interface Candidate {
  record: RunRecord;
  experiment: Experiment;
  groups?: string[];
  search: RunSearchRecord;
}

function searchRecord(c: Omit<Candidate, "search">): RunSearchRecord {
  const r = c.record;
  const metrics: Record<string, number> = {};
  for (const m of latestFromGroups(c.groups ?? [])) metrics[m.key] = m.value;
  return {
    runId: r.run_id,
    runName: r.run_name,
    userId: r.user_id,
    status: r.status,
    startTime: r.start_time,
    ...(r.end_time !== undefined ? { endTime: r.end_time } : {}),
    artifactUri: r.artifact_uri,
    lifecycleStage: effectiveLifecycle(r, c.experiment),
    metrics,
    params: r.params,
    tags: r.tags,
    datasets: (r.dataset_inputs ?? []).map((d) => ({
      name: d.dataset.name,
      digest: d.dataset.digest,
      context: d.tags.find((t) => t.key === "mlflow.data.context")?.value,
    })),
  };
}

async function loadGroups(runs: RunStore, candidates: Candidate[]): Promise<void> {
  const keys = candidates.flatMap((c) =>
    [...(c.record.groups ?? [])].map((g) => rawKey(metricGroupKey(c.record.run_id, g)))
  );
  const items = await batchGetAll(runs.db.port, runs.db.table, keys);
  const byRun = new Map<string, string[]>();
  for (const item of items) {
    const runId = item.pk!.S!.slice("RUN#".length);
    const list = byRun.get(runId) ?? [];
    list.push(item.v!.S!);
    byRun.set(runId, list);
  }
  for (const c of candidates) {
    c.groups = byRun.get(c.record.run_id) ?? [];
    c.search = searchRecord(c);
  }
}

/** Runs one search; returns the page and whether more rows follow. */
export async function searchRuns(
  runs: RunStore,
  q: RunSearchQuery,
): Promise<{ runs: Run[]; hasMore: boolean }> {
  const { db } = runs;
  const expItems = await batchGetAll(
    db.port,
    db.table,
    q.experimentIds.map((id) => rawKey(experimentKey(id))),
  );
  const experiments = new Map(expItems.map((i) => {
    const e = experimentFromItem(i);
    return [e.experimentId, e];
  }));
  const queries = [...experiments.keys()].flatMap((id) =>
    Array.from({ length: RUN_SHARDS }, (_, shard) =>
      queryAll(db.port, {
        TableName: db.table,
        IndexName: GSI1,
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: runsGsi1Pk(id, shard) } },
      }))
  );
  const records = (await Promise.all(queries)).flat().map(runRecordFromItem);
  await resolveLongValues(db, records);
  let candidates: Candidate[] = records.map((record) => {
    const c = { record, experiment: experiments.get(record.experiment_id)! };
    return { ...c, search: searchRecord(c) };
  });
  candidates = candidates.filter((c) => {
    const stage = c.search.lifecycleStage;
    return q.viewType === "ALL" || (q.viewType === "ACTIVE_ONLY") === (stage === "active");
  });
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
  return {
    runs: page.map((c) => toRun(c.record, c.experiment, c.groups ?? [])),
    hasMore: start + q.maxResults < candidates.length,
  };
}
