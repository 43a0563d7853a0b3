/**
 * Copies experiments (ids, names, times, tags, lifecycle) with their runs. An experiment is
 * written active, its runs are copied, and then it takes the source's lifecycle, so deleted
 * experiments keep their runs. The artifact location is rewritten to this server's artifact root
 * (`<default-artifact-root>/<id>`), as if it had been created here.
 *
 * @module
 */
import { MlflowError } from "../errors.ts";
import { appendToUri } from "../store/experiments/experiment_item.ts";
import type { Experiment } from "../store/entities.ts";
import type { ImportContext } from "./context.ts";
import { copyLoggedModelsOf } from "./copy_logged_models.ts";
import { copyRunsOf } from "./copy_runs.ts";
import { copyTracesOf } from "./copy_traces.ts";

interface WireTag {
  key: string;
  value: string;
}

/** An experiment as MLflow's JSON carries it. */
export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: WireTag[];
}

/** The experiments in scope, from the source. */
export async function listExperiments(ctx: ImportContext): Promise<WireExperiment[]> {
  const all: WireExperiment[] = [];
  for await (
    const e of ctx.src.pages<WireExperiment>(async (token) => {
      const r = await ctx.src.post<{ experiments?: WireExperiment[]; next_page_token?: string }>(
        "/api/2.0/mlflow/experiments/search",
        { max_results: 1000, view_type: "ALL", ...(token ? { page_token: token } : {}) },
      );
      return { items: r.experiments ?? [], next: r.next_page_token };
    })
  ) all.push(e);
  if (ctx.experimentIds === undefined) return all;
  const byId = new Map(all.map((e) => [e.experiment_id, e]));
  const missing = ctx.experimentIds.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new MlflowError(
      "RESOURCE_DOES_NOT_EXIST",
      `--experiments: no experiment ${missing.join(", ")} on ${ctx.src.base}`,
    );
  }
  return ctx.experimentIds.map((id) => byId.get(id)!);
}

const num = (v: number | string | undefined, fallback: number) =>
  v === undefined || v === "" ? fallback : Number(v);

/** Copies every experiment in `list` and its runs. */
export async function copyExperiments(ctx: ImportContext, list: WireExperiment[]): Promise<void> {
  const bar = ctx.progress("experiments", list.length);
  for (const e of list) {
    ctx.tally.experiments.push(e.experiment_id);
    const key = `exp:${e.experiment_id}`;
    const newLocation = appendToUri(ctx.defaultArtifactRoot, e.experiment_id);
    if (e.artifact_location) ctx.uriMap.set(e.artifact_location, newLocation);
    if (ctx.checkpoint.has(key)) {
      // Its runs are in the checkpoint too; the tally still needs them.
      await copyLoggedModelsOf(ctx, e.experiment_id);
      await copyRunsOf(ctx, e.experiment_id);
      await copyTracesOf(ctx, e.experiment_id);
      bar.tick(true);
      continue;
    }
    if (ctx.dryRun) {
      await copyLoggedModelsOf(ctx, e.experiment_id);
      await copyRunsOf(ctx, e.experiment_id);
      await copyTracesOf(ctx, e.experiment_id);
      bar.tick();
      continue;
    }
    const existed = await ensureExperiment(ctx, e, newLocation);
    if (existed === "conflict") {
      bar.tick();
      continue;
    }
    await copyLoggedModelsOf(ctx, e.experiment_id);
    await copyRunsOf(ctx, e.experiment_id);
    await copyTracesOf(ctx, e.experiment_id);
    const target = await ctx.experiments.get(e.experiment_id);
    if (e.lifecycle_stage === "deleted" && target.lifecycleStage !== "deleted") {
      await ctx.experiments.delete(e.experiment_id);
    }
    await ctx.checkpoint.mark(key);
    bar.tick(existed === "existed");
  }
  bar.finish();
}

/**
 * Creates the experiment, or finds it from an earlier (interrupted) import: then it is made
 * active again for its runs and its tags are set again.
 */
async function ensureExperiment(
  ctx: ImportContext,
  e: WireExperiment,
  location: string,
): Promise<"created" | "existed" | "conflict"> {
  const tags = Object.fromEntries((e.tags ?? []).map((t) => [t.key, t.value]));
  const existing = await ctx.experiments.find(e.experiment_id);
  if (existing) {
    if (existing.name !== e.name) {
      ctx.warn(
        `experiment ${e.experiment_id} '${e.name}' not copied: id ${e.experiment_id} is '${existing.name}' here`,
      );
      return "conflict";
    }
    if (existing.lifecycleStage === "deleted") await ctx.experiments.restore(e.experiment_id);
    for (const [k, v] of Object.entries(tags)) await ctx.experiments.setTag(e.experiment_id, k, v);
    return "existed";
  }
  const now = Date.now();
  const record: Experiment = {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: location,
    lifecycleStage: "active",
    creationTime: num(e.creation_time, now),
    lastUpdateTime: num(e.last_update_time, now),
    tags,
  };
  try {
    await ctx.experiments.importExperiment(record);
  } catch (err) {
    if (err instanceof MlflowError && err.code === "RESOURCE_ALREADY_EXISTS") {
      ctx.warn(`experiment ${e.experiment_id} '${e.name}' not copied: ${err.message}`);
      return "conflict";
    }
    throw err;
  }
  return "created";
}
