/**
 * Every store of the server, built over one table.
 *
 * @module
 */
import type { Db } from "./db.ts";
import { ExperimentStore } from "./experiments/experiment_store.ts";
import { RunStore } from "./runs/run_store.ts";
import { WorkspaceStore } from "./workspaces/workspace_store.ts";

/** The stores the HTTP layer uses. */
export interface Stores {
  db: Db;
  experiments: ExperimentStore;
  runs: RunStore;
  /** Workspaces (`--enable-workspaces`; unused without it). */
  workspaces: WorkspaceStore;
}

/** Builds the stores and makes sure the default experiment exists. */
export async function createStores(db: Db, defaultArtifactRoot: string): Promise<Stores> {
  const experiments = new ExperimentStore(db, defaultArtifactRoot);
  const workspaces = new WorkspaceStore(db);
  experiments.workspaceArtifactRoot = (ws) => workspaces.artifactRoot(ws);
  await experiments.ensureDefault();
  return { db, experiments, runs: new RunStore(db, experiments), workspaces };
}
