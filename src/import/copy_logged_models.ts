/**
 * Copies the logged models of one experiment (MLflow 3), ids kept: name, type, status, times,
 * source run, params, tags, metrics and artifacts (under `<experiment root>/models/<id>/artifacts`,
 * as a model created here). Models are copied before the runs, whose inputs and outputs name them. Deleted models
 * are not listed by MLflow's search, so they are not copied.
 *
 * @module
 */
import { appendToUri } from "../store/experiments/experiment_item.ts";
import {
  LOGGED_MODEL_STATUSES,
  type LoggedModelRecord,
  type LoggedModelStatus,
} from "../store/logged_models/logged_model_item.ts";
import { appendModelMetrics } from "../store/logged_models/model_metrics.ts";
import type { Metric } from "../store/entities.ts";
import { pooledMap } from "../util/pool.ts";
import type { ImportContext } from "./context.ts";
import { copyTree, modelTree } from "./copy_artifacts.ts";

interface KV {
  key: string;
  value: string;
}

/** A logged model as MLflow's JSON carries it. */
export interface WireLoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name?: string;
    artifact_uri?: string;
    creation_timestamp_ms?: number | string;
    last_updated_timestamp_ms?: number | string;
    status?: string;
    status_message?: string;
    model_type?: string;
    source_run_id?: string;
    tags?: KV[];
  };
  data?: { params?: KV[]; metrics?: WireModelMetric[] };
}

interface WireModelMetric {
  key: string;
  value: number | string;
  timestamp?: number | string;
  step?: number | string;
  run_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

const num = (v: number | string | undefined, fallback: number) =>
  v === undefined || v === "" ? fallback : Number(v);

/** Copies (or counts, in a dry run) every logged model of `experimentId`. */
export async function copyLoggedModelsOf(ctx: ImportContext, experimentId: string) {
  const models: WireLoggedModel[] = [];
  for await (
    const m of ctx.src.pages<WireLoggedModel>(async (token) => {
      const r = await ctx.src.post<{ models?: WireLoggedModel[]; next_page_token?: string }>(
        "/api/2.0/mlflow/logged-models/search",
        {
          experiment_ids: [experimentId],
          max_results: 50,
          ...(token ? { page_token: token } : {}),
        },
      );
      return { items: r.models ?? [], next: r.next_page_token };
    })
  ) models.push(m);
  if (models.length === 0) return;
  const bar = ctx.progress(`models of exp ${experimentId}`, models.length);
  const experiment = await ctx.experiments.find(experimentId);
  const root = experiment?.artifactLocation ?? appendToUri(ctx.defaultArtifactRoot, experimentId);
  await pooledMap(models, async (m) => {
    const id = m.info.model_id;
    ctx.tally.loggedModels.push(id);
    const location = appendToUri(appendToUri(appendToUri(root, "models"), id), "artifacts");
    if (m.info.artifact_uri) ctx.uriMap.set(m.info.artifact_uri, location);
    const key = `model:${id}`;
    ctx.tally.modelMetrics.set(id, (m.data?.metrics ?? []).length);
    const done = ctx.checkpoint.get<Record<string, string>>(key);
    if (done) {
      ctx.tally.artifacts.set(key, done);
      bar.tick(true);
      return;
    }
    if (ctx.dryRun) {
      bar.tick();
      return;
    }
    const now = Date.now();
    const status = (LOGGED_MODEL_STATUSES as readonly string[]).includes(m.info.status ?? "")
      ? m.info.status as LoggedModelStatus
      : "LOGGED_MODEL_PENDING";
    const record: LoggedModelRecord = {
      model_id: id,
      experiment_id: experimentId,
      name: m.info.name || id,
      artifact_location: location,
      creation_timestamp_ms: num(m.info.creation_timestamp_ms, now),
      last_updated_timestamp_ms: num(m.info.last_updated_timestamp_ms, now),
      status,
      lifecycle_stage: "active",
      model_type: m.info.model_type ?? "",
      source_run_id: m.info.source_run_id ?? "",
      ...(m.info.status_message ? { status_message: m.info.status_message } : {}),
      tags: Object.fromEntries((m.info.tags ?? []).map((t) => [t.key, t.value])),
      params: Object.fromEntries((m.data?.params ?? []).map((p) => [p.key, p.value])),
    };
    const created = await ctx.loggedModels.importModel(record);
    await copyModelMetrics(ctx, id, m.data?.metrics ?? []);
    const sums = await copyTree(ctx, modelTree(ctx, id), location);
    ctx.tally.artifacts.set(key, sums);
    await ctx.checkpoint.mark(key, sums);
    bar.tick(!created);
  }, ctx.concurrency);
  bar.finish();
}

/**
 * The model's metrics, as the source lists them with the model: `get-history` on the source run
 * does not say which points belong to a model, so they are written to the model here, per run
 * (identical points are read once, so a rerun adds nothing).
 */
async function copyModelMetrics(ctx: ImportContext, modelId: string, metrics: WireModelMetric[]) {
  const byRun = new Map<string, Metric[]>();
  for (const m of metrics) {
    const runId = m.run_id ?? "";
    let list = byRun.get(runId);
    if (!list) byRun.set(runId, list = []);
    list.push({
      key: m.key,
      value: Number(m.value),
      timestamp: num(m.timestamp, 0),
      step: num(m.step, 0),
      modelId,
      ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
      ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
    });
  }
  for (const [runId, points] of byRun) await appendModelMetrics(ctx.db, runId, points);
}
