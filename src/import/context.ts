/**
 * What every copy step of `deno task import` shares: the source client, the target stores, the
 * checkpoint, progress bars, warnings, and the tally the verification report compares (what the
 * source had, per entity, in the import's scope).
 *
 * @module
 */
import type { ArtifactLocations } from "../artifacts/locations.ts";
import type { Db } from "../store/db.ts";
import type { ExperimentStore } from "../store/experiments/experiment_store.ts";
import type { LoggedModelStore } from "../store/logged_models/logged_model_store.ts";
import type { RegistryStore } from "../store/registry/registry_store.ts";
import type { RunStore } from "../store/runs/run_store.ts";
import type { Checkpoint } from "./checkpoint.ts";
import type { Progress } from "./progress.ts";
import type { SourceClient } from "./source.ts";

/** What the source holds in scope, as the verification compares it. */
export interface SourceTally {
  experiments: string[];
  /** run id → experiment id */
  runs: Map<string, string>;
  /** run id → metric key → point count */
  metricPoints: Map<string, Record<string, number>>;
  /** run id → artifact path → sha256 (hex) */
  artifacts: Map<string, Record<string, string>>;
  /** registered model name → version numbers (prompts included) */
  registeredModels: Map<string, number[]>;
  prompts: string[];
  /** "name@alias" → version */
  aliases: Map<string, number>;
  loggedModels: string[];
  /** logged model id → metric point count */
  modelMetrics: Map<string, number>;
  /** trace id → sha256 of its copied `traces.json` */
  traces: Map<string, string>;
  /** Entities that could not be copied (a conflicting id or name here): each fails the import. */
  problems: string[];
}

export function emptyTally(): SourceTally {
  return {
    experiments: [],
    runs: new Map(),
    metricPoints: new Map(),
    artifacts: new Map(),
    registeredModels: new Map(),
    prompts: [],
    aliases: new Map(),
    loggedModels: [],
    modelMetrics: new Map(),
    traces: new Map(),
    problems: [],
  };
}

/** The shared state of one import. */
export interface ImportContext {
  src: SourceClient;
  db: Db;
  experiments: ExperimentStore;
  runs: RunStore;
  loggedModels: LoggedModelStore;
  registry: RegistryStore;
  artifacts: ArtifactLocations;
  /** The artifact root of new experiments on this server (`mlflow-artifacts:/` by default). */
  defaultArtifactRoot: string;
  checkpoint: Checkpoint;
  /** Only these experiment ids (all when undefined). */
  experimentIds?: string[];
  dryRun: boolean;
  /** Runs, artifacts and models copied at once. */
  concurrency: number;
  /** Metric points per get-history page (bounds memory on long histories). */
  historyPageSize: number;
  progress(label: string, total: number): Progress;
  /** Reports an entity that could not be copied (also listed in the report, failing it). */
  warn(message: string): void;
  tally: SourceTally;
  /** Old artifact URI prefix → new one (experiment, run and logged-model roots). */
  uriMap: Map<string, string>;
}

/** Rewrites a URI that lies under a copied artifact root to the same path under the new root. */
export function rewriteUri(ctx: ImportContext, uri: string): string {
  let best = "";
  for (const prefix of ctx.uriMap.keys()) {
    if (
      prefix.length > best.length &&
      (uri === prefix || uri.startsWith(prefix.endsWith("/") ? prefix : prefix + "/"))
    ) best = prefix;
  }
  return best === "" ? uri : ctx.uriMap.get(best)! + uri.slice(best.length);
}
