/**
 * Compiles MLflow filter and order_by strings (through `src/search/`) into the predicate and
 * comparator the stores take.
 *
 * @module
 */
import { prepareExperimentSearch, prepareRunSearch } from "../../search/prepare.ts";
import { parseRunOrderBy } from "../../search/order_by.ts";
import { runMatcher } from "../../search/evaluate.ts";
import type { Experiment } from "../../store/entities.ts";
import type { RunSearchRecord } from "../../store/runs/search_runs.ts";

const METRIC_ORDER = /^\s*metrics?\./i;

/** Compiled run search; `needsMetrics` when the filter or the order reads metrics. */
export function compileRunSearch(filter: string, orderBy: string[]): {
  predicate: (r: RunSearchRecord) => boolean;
  compare: (a: RunSearchRecord, b: RunSearchRecord) => number;
  needsMetrics: boolean;
  defaultOrder: boolean;
  prefilter: (r: RunSearchRecord) => boolean;
} {
  const prepared = prepareRunSearch(filter, orderBy);
  const keys = parseRunOrderBy(orderBy);
  return {
    predicate: (r) => prepared.matches(r),
    // A run filter is a conjunction: a run failing a clause on anything but metrics fails it
    // whatever its metrics, so its metric groups need not be read.
    prefilter: runMatcher(prepared.clauses.filter((c) => c.type !== "metric")),
    compare: prepared.compare,
    // MLflow's default order, also when asked for as `start_time DESC` (same tie-breaker).
    defaultOrder: keys.length === 0 ||
      (keys.length === 1 && keys[0]!.type === "attribute" && keys[0]!.key === "start_time" &&
        !keys[0]!.ascending),
    needsMetrics: prepared.clauses.some((c) => c.type === "metric") ||
      orderBy.some((o) => METRIC_ORDER.test(o)),
  };
}

/** Compiled experiment search. */
export function compileExperimentSearch(filter: string, orderBy: string[]): {
  predicate: (e: Experiment) => boolean;
  compare: (a: Experiment, b: Experiment) => number;
} {
  const prepared = prepareExperimentSearch(filter, orderBy);
  return { predicate: (e) => prepared.matches(e), compare: prepared.compare };
}
