/**
 * Carries out a {@link GcPlan}: for each run and logged model, its artifacts then its items;
 * then each experiment's own items. Failures to delete artifacts are reported and skipped, as
 * `mlflow gc` does; item deletes are idempotent, so a gc that stops half-way is finished by the
 * next one. Progress goes to `onProgress` after every resource.
 *
 * @module
 */
import { parseArtifactUri } from "../../artifacts/artifact_uri.ts";
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import type { Db } from "../db.ts";
import { hardDeleteExperiment, hardDeleteLoggedModel, hardDeleteRun } from "./hard_delete.ts";
import type { GcPlan } from "./plan.ts";

/** Progress after each resource. */
export interface GcProgress {
  done: number;
  total: number;
  runs: number;
  loggedModels: number;
  experiments: number;
  items: number;
  elapsedMs: number;
}

/** How to run a plan. */
export interface RunGcOptions {
  /** Where artifacts are (`--artifacts-destination` for `mlflow-artifacts:` roots). */
  artifacts?: ArtifactLocations;
  onProgress?: (p: GcProgress) => void;
  /** Artifact failures (`mlflow gc` prints a warning and goes on). */
  onWarning?: (message: string) => void;
}

/** Deletes the artifacts under `uri`; a missing directory is not an error. */
export async function deleteArtifacts(
  uri: string,
  artifacts: ArtifactLocations | undefined,
): Promise<void> {
  const parsed = parseArtifactUri(uri, "artifact_uri");
  if (parsed.kind === "local") {
    try {
      await Deno.remove(parsed.root, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return;
  }
  if (!artifacts) throw new Error("no artifact store is configured (--artifacts-destination)");
  const { store, base } = await artifacts.forRun(uri);
  await store.delete(base);
}

/** Runs the plan; returns the final progress. */
export async function runGc(db: Db, plan: GcPlan, opts: RunGcOptions = {}): Promise<GcProgress> {
  const start = Date.now();
  const p: GcProgress = {
    done: 0,
    total: plan.runs.length + plan.loggedModels.length + plan.experiments.length,
    runs: 0,
    loggedModels: 0,
    experiments: 0,
    items: 0,
    elapsedMs: 0,
  };
  const tick = () => {
    p.done++;
    p.elapsedMs = Date.now() - start;
    opts.onProgress?.({ ...p });
  };
  const artifactsOf = async (kind: string, id: string, uri: string) => {
    try {
      await deleteArtifacts(uri, opts.artifacts);
    } catch (e) {
      opts.onWarning?.(
        `Could not delete the artifacts of ${kind} ${id} at '${uri}': ${(e as Error).message}`,
      );
    }
  };
  for (const r of plan.runs) {
    await artifactsOf("run", r.id, r.artifactUri);
    p.items += await hardDeleteRun(db, r.id, r.inDeletedExperiment);
    p.runs++;
    tick();
  }
  for (const m of plan.loggedModels) {
    await artifactsOf("logged model", m.id, m.artifactUri);
    p.items += await hardDeleteLoggedModel(db, m.id, m.inDeletedExperiment);
    p.loggedModels++;
    tick();
  }
  for (const e of plan.experiments) {
    p.items += await hardDeleteExperiment(db, e.id, e.name, e.workspace);
    p.experiments++;
    tick();
  }
  p.elapsedMs = Date.now() - start;
  return p;
}
