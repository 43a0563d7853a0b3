/**
 * One import from an MLflow server into this server's table and artifact store, in dependency
 * order: experiments (each with its logged models, then its runs, metric histories and
 * artifacts), then the model registry (whose version sources point at the copies), then the
 * verification report. `deno task import` (`src/cli/import_command.ts`) parses flags and opens
 * the backend; tests call {@link runImport} directly.
 *
 * @module
 */
import type { ArtifactLocations } from "../artifacts/locations.ts";
import type { Db } from "../store/db.ts";
import { ExperimentStore } from "../store/experiments/experiment_store.ts";
import { LoggedModelStore } from "../store/logged_models/logged_model_store.ts";
import { RegistryStore } from "../store/registry/registry_store.ts";
import { RunStore } from "../store/runs/run_store.ts";
import { Checkpoint } from "./checkpoint.ts";
import { emptyTally, type ImportContext } from "./context.ts";
import { copyExperiments, listExperiments } from "./copy_experiments.ts";
import { copyRegistry } from "./copy_registry.ts";
import { Progress, type ProgressSink } from "./progress.ts";
import { ImportError, SourceClient } from "./source.ts";
import { type Report, verify } from "./verify.ts";

/** What to import, from where. */
export interface ImportOptions {
  from: string;
  experimentIds?: string[];
  dryRun?: boolean;
  /** The checkpoint file (none: in memory only, no resume). */
  checkpointPath?: string;
  concurrency?: number;
  historyPageSize?: number;
  /** Skip the model registry (registered models, versions, aliases, prompts). */
  skipRegistry?: boolean;
  env?: Record<string, string | undefined>;
  /** Retries of the source client (tests make them fast). */
  sourceAttempts?: number;
  sourceBackoffMs?: number;
}

/** Where the import writes. */
export interface ImportTarget {
  db: Db;
  artifacts: ArtifactLocations;
  defaultArtifactRoot: string;
}

/** What the import reports back. */
export interface ImportOutcome {
  /** Counts of what the source holds in scope (a dry run stops here). */
  counts: Record<string, number>;
  /** The verification (undefined for a dry run). */
  report?: Report;
}

/** Runs the import. Throws {@link ImportError} (one line) for an unusable source. */
export async function runImport(
  target: ImportTarget,
  opts: ImportOptions,
  sink: ProgressSink,
  warn: (message: string) => void,
): Promise<ImportOutcome> {
  const src = new SourceClient(opts.from, {
    env: opts.env ?? {},
    ...(opts.sourceAttempts !== undefined ? { attempts: opts.sourceAttempts } : {}),
    ...(opts.sourceBackoffMs !== undefined ? { backoffMs: opts.sourceBackoffMs } : {}),
  });
  // One cheap request first: a wrong URL or credentials fail here, with one line.
  const probe = await src.get<{ experiments?: unknown }>(
    "/api/2.0/mlflow/experiments/search",
    { max_results: 1 },
  );
  if (!("experiments" in probe) && Object.keys(probe).length > 0) {
    throw new ImportError(`${src.base} does not look like an MLflow server`);
  }
  const experiments = new ExperimentStore(target.db, target.defaultArtifactRoot);
  if (!opts.dryRun) await experiments.ensureDefault();
  const runs = new RunStore(target.db, experiments);
  const loggedModels = new LoggedModelStore(target.db, experiments);
  const registry = new RegistryStore(target.db, async (modelId) => {
    const m = await loggedModels.get(modelId);
    return { artifactLocation: m.artifactLocation, sourceRunId: m.sourceRunId };
  });
  const checkpoint = await Checkpoint.open(opts.dryRun ? undefined : opts.checkpointPath);
  const tally = emptyTally();
  const ctx: ImportContext = {
    src,
    db: target.db,
    experiments,
    runs,
    loggedModels,
    registry,
    artifacts: target.artifacts,
    defaultArtifactRoot: target.defaultArtifactRoot,
    checkpoint,
    ...(opts.experimentIds ? { experimentIds: opts.experimentIds } : {}),
    dryRun: opts.dryRun ?? false,
    concurrency: opts.concurrency ?? 4,
    historyPageSize: opts.historyPageSize ?? 10_000,
    progress: (label, total) => new Progress(label, total, sink),
    warn: (m) => {
      tally.problems.push(m);
      warn(m);
    },
    tally,
    uriMap: new Map(),
  };
  try {
    await copyExperiments(ctx, await listExperiments(ctx));
    if (!opts.skipRegistry) await copyRegistry(ctx);
    const counts = {
      experiments: tally.experiments.length,
      runs: tally.runs.size,
      "logged models": tally.loggedModels.length,
      traces: tally.traces.size,
      "registered models": tally.registeredModels.size - tally.prompts.length,
      prompts: tally.prompts.length,
      "model versions": [...tally.registeredModels.values()].reduce((n, v) => n + v.length, 0),
    };
    if (ctx.dryRun) return { counts };
    return { counts, report: await verify(ctx) };
  } finally {
    checkpoint.close();
  }
}
