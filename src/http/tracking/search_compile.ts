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
import type { MetricOrder, RunSearchRecord } from "../../store/runs/search_runs.ts";
import type { Clause } from "../../search/ast.ts";

const METRIC_ORDER = /^\s*metrics?\./i;

/** Compiled run search; `needsMetrics` when the filter or the order reads metrics. */
export function compileRunSearch(filter: string, orderBy: string[]): {
  predicate: (r: RunSearchRecord) => boolean;
  compare: (a: RunSearchRecord, b: RunSearchRecord) => number;
  needsMetrics: boolean;
  defaultOrder: boolean;
  prefilter: (r: RunSearchRecord) => boolean;
  metricOrder?: MetricOrder;
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
    ...(keys.length === 1 && keys[0]!.type === "metric"
      ? { metricOrder: metricOrder(keys[0]!.key, keys[0]!.ascending, prepared.clauses) }
      : {}),
  };
}

/**
 * The metric-index plan of `order_by metrics.<key>`: the value range the filter's clauses on the
 * same key allow (a superset: the filter still decides), and whether a run without the metric
 * can match (no clause on the key: then runs without it follow, as MLflow orders them).
 */
function metricOrder(key: string, ascending: boolean, clauses: readonly Clause[]): MetricOrder {
  let lo: number | undefined;
  let hi: number | undefined;
  let requiresMetric = false;
  for (const c of clauses) {
    if (c.type !== "metric" || c.key !== key) continue;
    requiresMetric = true;
    if (typeof c.value !== "number" || Number.isNaN(c.value)) continue;
    if (c.comparator === ">" || c.comparator === ">=" || c.comparator === "=") {
      lo = lo === undefined ? c.value : Math.max(lo, c.value);
    }
    if (c.comparator === "<" || c.comparator === "<=" || c.comparator === "=") {
      hi = hi === undefined ? c.value : Math.min(hi, c.value);
    }
  }
  return {
    key,
    ascending,
    requiresMetric,
    ...(lo !== undefined ? { lo } : {}),
    ...(hi !== undefined ? { hi } : {}),
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
