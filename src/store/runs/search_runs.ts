/**
 * Search over the runs of some experiments.
 *
 * Calls made (see docs/key-schema.md): one BatchGetItem for the experiments, one paged Query per
 * (experiment, shard) of GSI1 returning the run records (tags included) followed by each run's
 * param, dataset-input and model input/output items (they carry the same index partition), and
 * BatchGetItem for the metric groups — of every candidate run when the filter or the order
 * needs metrics, otherwise of the returned page only — and for the parts of page runs' split
 * dataset inputs. The number of calls does not depend on how many predicates the filter has:
 * every predicate is evaluated in memory on what was read.
 *
 * @module
 */
import { pooledMap } from "../../util/pool.ts";
import {
  experimentKey,
  metricGroupKey,
  RUN_SHARDS,
  runIdFromPartitionPk,
  runKey,
  runsGsi1Pk,
} from "../../keys/key_schema.ts";
import { batchGetAll, queryAll } from "../../dynamo/batch.ts";
import { GSI1 } from "../../keys/key_schema.ts";
import { type RawItem, rawKey } from "../db.ts";
import { paramsFromItems } from "./run_params.ts";
import {
  datasetSummaries,
  type DatasetSummary,
  inputsFromItems,
  partKeysOf,
} from "./run_inputs.ts";
import type { Experiment, Run, ViewType } from "../entities.ts";
import { experimentFromItem } from "../experiments/experiment_item.ts";
import { latestFromGroups } from "../metrics/metric_groups.ts";
import { resolveLongValues } from "./long_values.ts";
import { effectiveLifecycle, type RunRecord, runRecordFromItem } from "./run_item.ts";
import { type RunStore, toRun } from "./run_store.ts";

const RECORD_SK = runKey("").sk;

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
  datasets: DatasetSummary[];
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
  /** The run's detail items read with the record (params, inputs, outputs). */
  details: RawItem[];
  params: Record<string, string>;
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
    params: c.params,
    tags: r.tags,
    datasets: datasetSummaries(r, c.details),
  };
}

async function loadGroups(runs: RunStore, candidates: Candidate[]): Promise<void> {
  const keys = candidates.flatMap((c) =>
    [...(c.record.groups ?? [])].map((g) => rawKey(metricGroupKey(c.record.run_id, g)))
  );
  const items = await batchGetAll(runs.db.port, runs.db.table, keys);
  const byRun = new Map<string, string[]>();
  for (const item of items) {
    const runId = runIdFromPartitionPk(item.pk!.S!);
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
    [...new Set(q.experimentIds)].map((id) => rawKey(experimentKey(id))),
  );
  const experiments = new Map(expItems.map((i) => {
    const e = experimentFromItem(i);
    return [e.experimentId, e];
  }));
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
  const records: RunRecord[] = [];
  const details = new Map<string, RawItem[]>();
  for (const item of (await pooledMap(partitions, read)).flat()) {
    if (item.sk!.S === RECORD_SK) {
      records.push(runRecordFromItem(item));
      continue;
    }
    const list = details.get(item.pk!.S!) ?? [];
    list.push(item);
    details.set(item.pk!.S!, list);
  }
  await resolveLongValues(db, records);
  let candidates: Candidate[] = records.map((record) => {
    const own = details.get(runKey(record.run_id).pk) ?? [];
    const c = {
      record,
      experiment: experiments.get(record.experiment_id)!,
      details: own,
      params: paramsFromItems(own, { ...record.params }),
    };
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
  const parts = await batchGetAll(db.port, db.table, partKeysOf(page.flatMap((c) => c.details)));
  return {
    runs: page.map((c) =>
      toRun(c.record, c.experiment, c.groups ?? [], {
        params: c.params,
        ...inputsFromItems(c.record, c.details, parts),
      })
    ),
    hasMore: start + q.maxResults < candidates.length,
  };
}
