/**
 * Copies the runs of one experiment, ids kept: info (name, user, status, times), params, tags,
 * every metric's full history, dataset and model inputs, model outputs, artifacts and lifecycle.
 *
 * Metric histories are read with `get-history` in pages of `historyPageSize` points and each page
 * is written before the next is read, so memory stays bounded on long histories. A run is in the
 * checkpoint once all of it is copied; a rerun after an interruption copies the run again, which
 * writes nothing new: the record exists, params and tags are set to the same values, identical
 * metric points are read once (`metric_history.ts`), inputs are deduplicated, and artifacts in
 * the checkpoint are skipped.
 *
 * @module
 */
import { indexRunNow } from "../store/runs/metric_index_backfill.ts";
import { TERMINAL_STATUSES } from "../store/runs/metric_index_writes.ts";
import { writeMetrics } from "../store/runs/log_batch.ts";
import type { DatasetInput, Metric, RunStatus, Tag } from "../store/entities.ts";
import type { RunRecord } from "../store/runs/run_item.ts";
import { appendToUri } from "../store/experiments/experiment_item.ts";
import { pooledMap } from "../util/pool.ts";
import { MAX_METRICS_PER_BATCH } from "../store/validation.ts";
import type { ImportContext } from "./context.ts";
import { copyTree, runTree } from "./copy_artifacts.ts";

/** A run as MLflow's JSON carries it. */
export interface WireRun {
  info: {
    run_id: string;
    experiment_id: string;
    run_name?: string;
    user_id?: string;
    status?: string;
    start_time?: number | string;
    end_time?: number | string;
    artifact_uri?: string;
    lifecycle_stage?: string;
  };
  data?: { metrics?: WireMetric[]; params?: Tag[]; tags?: Tag[] };
  inputs?: {
    dataset_inputs?: {
      dataset: {
        name: string;
        digest: string;
        source_type: string;
        source: string;
        schema?: string;
        profile?: string;
      };
      tags?: Tag[];
    }[];
    model_inputs?: { model_id: string }[];
  };
  outputs?: { model_outputs?: { model_id: string; step?: number | string }[] };
}

interface WireMetric {
  key: string;
  value: number | string;
  timestamp?: number | string;
  step?: number | string;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

/** What the checkpoint keeps of a copied run, for the verification of later reruns. */
interface RunDone {
  points: Record<string, number>;
  artifacts: Record<string, string>;
}

const BATCH = 100;

/** Copies (or, in a dry run, counts) every run of `experimentId`. */
export async function copyRunsOf(ctx: ImportContext, experimentId: string): Promise<void> {
  const runs: WireRun[] = [];
  for await (
    const r of ctx.src.pages<WireRun>(async (token) => {
      const res = await ctx.src.post<{ runs?: WireRun[]; next_page_token?: string }>(
        "/api/2.0/mlflow/runs/search",
        {
          experiment_ids: [experimentId],
          run_view_type: "ALL",
          max_results: 1000,
          ...(token ? { page_token: token } : {}),
        },
      );
      return { items: res.runs ?? [], next: res.next_page_token };
    })
  ) runs.push(r);
  const bar = ctx.progress(`runs of exp ${experimentId}`, runs.length);
  await pooledMap(runs, async (run) => {
    const id = run.info.run_id;
    ctx.tally.runs.set(id, experimentId);
    const key = `run:${id}`;
    const done = ctx.checkpoint.get<RunDone>(key);
    const oldRoot = run.info.artifact_uri;
    if (oldRoot) ctx.uriMap.set(oldRoot, await newArtifactUri(ctx, experimentId, id));
    if (done) {
      ctx.tally.metricPoints.set(id, done.points);
      ctx.tally.artifacts.set(id, done.artifacts);
      bar.tick(true);
      return;
    }
    if (ctx.dryRun) {
      bar.tick();
      return;
    }
    const created = await copyRun(ctx, run);
    bar.tick(!created);
  }, ctx.concurrency);
  bar.finish();
}

async function newArtifactUri(ctx: ImportContext, experimentId: string, runId: string) {
  const e = await ctx.experiments.find(experimentId);
  const root = e?.artifactLocation ?? appendToUri(ctx.defaultArtifactRoot, experimentId);
  return appendToUri(appendToUri(root, runId), "artifacts");
}

const num = (v: number | string | undefined, fallback: number) =>
  v === undefined || v === "" ? fallback : Number(v);

const STATUSES = new Set(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]);

/** Copies one run; false when its record was already there (an interrupted earlier import). */
async function copyRun(ctx: ImportContext, run: WireRun): Promise<boolean> {
  const info = run.info;
  const id = info.run_id;
  const artifactUri = await newArtifactUri(ctx, info.experiment_id, id);
  const endTime = info.end_time === undefined ? undefined : Number(info.end_time);
  const record: RunRecord = {
    run_id: id,
    experiment_id: info.experiment_id,
    run_name: info.run_name ?? "",
    user_id: info.user_id ?? "",
    status: (STATUSES.has(info.status ?? "") ? info.status : "RUNNING") as RunStatus,
    start_time: num(info.start_time, Date.now()),
    ...(endTime !== undefined && endTime > 0 ? { end_time: endTime } : {}),
    artifact_uri: artifactUri,
    lifecycle_stage: "active",
    params: {},
    tags: {},
  };
  const created = await ctx.runs.importRun(record);
  if (!created) {
    const existing = await ctx.runs.load(id);
    if (existing.record.lifecycle_stage === "deleted") await ctx.runs.restore(id);
  }
  const params = run.data?.params ?? [];
  const tags = run.data?.tags ?? [];
  for (let i = 0; i < Math.max(params.length, tags.length); i += BATCH) {
    await ctx.runs.writeParamsAndTags(
      id,
      params.slice(i, i + BATCH),
      tags.slice(i, i + BATCH),
    );
  }
  const points = await copyMetrics(ctx, id, run.data?.metrics ?? []);
  // An ended run goes into the metric index, as its end would have put it (a run imported as
  // running stays unindexed until it ends).
  if (TERMINAL_STATUSES.has(record.status)) await indexRunNow(ctx.db, record.experiment_id, id);
  await copyInputs(ctx, run);
  const artifacts = await copyTree(ctx, runTree(ctx, id), artifactUri);
  if (info.lifecycle_stage === "deleted") await ctx.runs.delete(id);
  ctx.tally.metricPoints.set(id, points);
  ctx.tally.artifacts.set(id, artifacts);
  await ctx.checkpoint.mark(`run:${id}`, { points, artifacts } satisfies RunDone);
  return created;
}

/** Copies every metric's whole history, a page at a time; returns the point count per key. */
async function copyMetrics(
  ctx: ImportContext,
  runId: string,
  latest: WireMetric[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const keys = [...new Set(latest.map((m) => m.key))];
  for (const key of keys) {
    counts[key] = 0;
    for await (
      const m of ctx.src.pages<WireMetric>(async (token) => {
        const r = await ctx.src.get<{ metrics?: WireMetric[]; next_page_token?: string }>(
          "/api/2.0/mlflow/metrics/get-history",
          { run_id: runId, metric_key: key, max_results: ctx.historyPageSize, page_token: token },
        );
        const page = (r.metrics ?? []).map(toMetric);
        for (let i = 0; i < page.length; i += MAX_METRICS_PER_BATCH) {
          const groups = await ctx.runs.activeGroups(runId);
          await writeMetrics(ctx.db, runId, page.slice(i, i + MAX_METRICS_PER_BATCH), groups);
        }
        counts[key]! += page.length;
        return { items: [], next: r.next_page_token };
      })
    ) void m;
  }
  return counts;
}

function toMetric(m: WireMetric): Metric {
  return {
    key: m.key,
    value: Number(m.value),
    timestamp: num(m.timestamp, 0),
    step: num(m.step, 0),
    ...(m.model_id ? { modelId: m.model_id } : {}),
    ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
    ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
  };
}

async function copyInputs(ctx: ImportContext, run: WireRun): Promise<void> {
  const id = run.info.run_id;
  const datasets: DatasetInput[] = (run.inputs?.dataset_inputs ?? []).map((d) => ({
    dataset: {
      name: d.dataset.name,
      digest: d.dataset.digest,
      sourceType: d.dataset.source_type,
      source: d.dataset.source,
      ...(d.dataset.schema ? { schema: d.dataset.schema } : {}),
      ...(d.dataset.profile ? { profile: d.dataset.profile } : {}),
    },
    tags: d.tags ?? [],
  }));
  const models = (run.inputs?.model_inputs ?? []).map((m) => ({ modelId: m.model_id }));
  if (datasets.length > 0 || models.length > 0) await ctx.runs.logInputs(id, datasets, models);
  const outputs = (run.outputs?.model_outputs ?? []).map((m) => ({
    modelId: m.model_id,
    step: num(m.step, 0),
  }));
  if (outputs.length > 0) await ctx.runs.logOutputs(id, outputs);
}
