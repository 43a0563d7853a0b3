/**
 * A short-lived, bounded cache of experiments found active, for the writes that only need "it
 * exists and is active" (CreateRun, param batches): an entry is trusted for
 * {@link ACTIVE_EXPERIMENT_TTL_MS} unless the lifecycle epoch moved (a delete or restore
 * through this process) since it was read. A delete by another server on the same table is seen
 * within the TTL, as for the active-run cache of log-batch (docs/key-schema.md, "CreateRun hot
 * path"). With workspaces on nothing is cached (an experiment can change workspace).
 *
 * @module
 */
import { workspacesActive } from "../../util/workspace_context.ts";
import type { Experiment } from "../entities.ts";

/** How long an experiment found active is trusted without a read. */
export const ACTIVE_EXPERIMENT_TTL_MS = 1000;

/** Experiments remembered, at most this many (the oldest entry goes first). */
const LIMIT = 1000;

interface Entry {
  experiment: Experiment;
  until: number;
  epoch: number;
}

/** The cache; `epoch` is the owner's lifecycle epoch now. */
export class ActiveExperiments {
  #entries = new Map<string, Entry>();

  /** The experiment `id` when found active within the TTL and at `epoch`; else undefined. */
  get(id: string, epoch: number): Experiment | undefined {
    if (workspacesActive()) return undefined;
    const hit = this.#entries.get(id);
    return hit && hit.until > Date.now() && hit.epoch === epoch ? hit.experiment : undefined;
  }

  /** Remembers `experiment` when it is active; `epoch`: the owner's epoch before the read. */
  remember(experiment: Experiment, epoch: number): void {
    const id = experiment.experimentId;
    this.#entries.delete(id);
    if (workspacesActive() || experiment.lifecycleStage !== "active") return;
    if (this.#entries.size >= LIMIT) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(id, { experiment, until: Date.now() + ACTIVE_EXPERIMENT_TTL_MS, epoch });
  }
}
