/**
 * What both SearchRuns strategies (the full read in `search_runs.ts` and the ordered walk in
 * `search_walk.ts`) do with the items they read: build each run's search record from its record
 * and detail items, batch-get metric groups for a set of candidates, and turn the page into
 * `Run`s. One module so the two paths cannot drift apart in what a filter sees.
 *
 * @module
 */
import { metricGroupKey, runIdFromPartitionPk, runKey } from "../../keys/key_schema.ts";
import { batchGetAll } from "../../dynamo/batch.ts";
import { type RawItem, rawKey } from "../db.ts";
import { paramsFromItems } from "./run_params.ts";
import {
  datasetSummaries,
  type DatasetSummary,
  inputsFromItems,
  partKeysOf,
} from "./run_inputs.ts";
import type { Experiment, Run, ViewType } from "../entities.ts";
import { latestFromGroups } from "../metrics/metric_groups.ts";
import { resolveLongValues } from "./long_values.ts";
import { effectiveLifecycle, type RunRecord, runRecordFromItem } from "./run_item.ts";
import { type RunStore, toRun } from "./run_store.ts";

/** The sort key of a run record item (detail items of the run partition have others). */
export const RECORD_SK = runKey("").sk;

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

/** One run read by a search, with what the filter sees. */
export interface Candidate {
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

/** Record items with their detail items (keyed by the run partition's pk). */
export interface RunItems {
  record: RawItem;
  details: RawItem[];
}

/**
 * Candidates of the runs in `items` whose lifecycle `viewType` selects (long tag values
 * resolved; metric groups not read yet).
 */
export async function candidatesOf(
  runs: RunStore,
  items: RunItems[],
  experiments: Map<string, Experiment>,
  viewType: ViewType,
): Promise<Candidate[]> {
  const records = items.map((i) => runRecordFromItem(i.record));
  await resolveLongValues(runs.db, records);
  const out: Candidate[] = [];
  records.forEach((record, i) => {
    const details = items[i]!.details;
    const c = {
      record,
      experiment: experiments.get(record.experiment_id)!,
      details,
      params: paramsFromItems(details, { ...record.params }),
    };
    const search = searchRecord(c);
    const stage = search.lifecycleStage;
    if (viewType === "ALL" || (viewType === "ACTIVE_ONLY") === (stage === "active")) {
      out.push({ ...c, search });
    }
  });
  return out;
}

/** Batch-gets the metric groups of `candidates` and refreshes what their filter sees. */
export async function loadGroups(runs: RunStore, candidates: Candidate[]): Promise<void> {
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
  for (const c of candidates) setGroups(c, byRun.get(c.record.run_id) ?? []);
}

/** Sets the metric groups a candidate's filter sees (read with its partition). */
export function setGroups(c: Candidate, groups: string[]): void {
  c.groups = groups;
  c.search = searchRecord(c);
}

/** The page as `Run`s (split dataset inputs read in one batch). */
export async function pageRuns(runs: RunStore, page: Candidate[]): Promise<Run[]> {
  const { db } = runs;
  const parts = await batchGetAll(db.port, db.table, partKeysOf(page.flatMap((c) => c.details)));
  return page.map((c) =>
    toRun(c.record, c.experiment, c.groups ?? [], {
      params: c.params,
      ...inputsFromItems(c.record, c.details, parts),
    })
  );
}
