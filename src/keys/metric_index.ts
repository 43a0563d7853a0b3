/**
 * Keys of the run-end metric index (docs/key-schema.md, "Metric-ordered SearchRuns"): one item
 * per (experiment, metric key, ended run) in a partition sorted by the run's latest value, and
 * the per-experiment set of runs whose values are not (or no longer) in that index. Part of
 * `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * A value's sort key orders like MLflow's run comparator: finite values (±inf stored as
 * ±`Number.MAX_VALUE`, as MLflow's SQL store stores them; -0 as 0) under `V#` as 16 hex digits
 * of an order-preserving transform of their IEEE-754 bits; NaN under `N#` (MLflow puts NaN after
 * every value in both directions, so a search reads `V#` in its direction, then `N#`).
 *
 * @module
 */
import { type Key, MAX_PARTITION_KEY_BYTES, nameInKey } from "./names.ts";

const INDEX_PREFIX = "XM#";
/** Sort-key prefix of the finite values of a metric index partition. */
export const METRIC_INDEX_VALUE_PREFIX = "V#";
/** Sort-key prefix of the NaN values of a metric index partition. */
export const METRIC_INDEX_NAN_PREFIX = "N#";
/** Sorts after every run id and value suffix (ids are `[0-9a-f]`, values hex). */
const HIGH = "~";

/** The partition holding one experiment's index of one metric key. */
export function metricIndexPk(experimentId: string, key: string): string {
  const prefix = `${INDEX_PREFIX}${experimentId}#`;
  return `${prefix}${nameInKey(key, MAX_PARTITION_KEY_BYTES, prefix.length)}`;
}

/** The value MLflow's SQL store orders by: ±inf clamped to ±max double, -0 as 0. */
function stored(v: number): number {
  if (v === Infinity) return Number.MAX_VALUE;
  if (v === -Infinity) return -Number.MAX_VALUE;
  return v === 0 ? 0 : v;
}

/** 16 hex digits whose string order is the numeric order of finite `v` (after clamping). */
export function encodeIndexValue(v: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, stored(v));
  let hi = view.getUint32(0);
  let lo = view.getUint32(4);
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/** The number an {@link encodeIndexValue} string stands for. */
export function decodeIndexValue(hex: string): number {
  let hi = parseInt(hex.slice(0, 8), 16) >>> 0;
  let lo = parseInt(hex.slice(8, 16), 16) >>> 0;
  if (hi & 0x80000000) {
    hi = (hi & 0x7fffffff) >>> 0;
  } else {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}

/** The sort key of a run's entry for latest value `v` (NaN included). */
export function metricIndexSk(v: number, runId: string): string {
  return Number.isNaN(v)
    ? `${METRIC_INDEX_NAN_PREFIX}${runId}`
    : `${METRIC_INDEX_VALUE_PREFIX}${encodeIndexValue(v)}#${runId}`;
}

/** One index entry's key. */
export const metricIndexKey = (
  experimentId: string,
  metric: string,
  v: number,
  runId: string,
): Key => ({ pk: metricIndexPk(experimentId, metric), sk: metricIndexSk(v, runId) });

/** The run id and the value part (`undefined` for NaN) of an index sort key. */
export function parseMetricIndexSk(sk: string): { runId: string; value?: string } {
  if (sk.startsWith(METRIC_INDEX_NAN_PREFIX)) {
    return { runId: sk.slice(METRIC_INDEX_NAN_PREFIX.length) };
  }
  const rest = sk.slice(METRIC_INDEX_VALUE_PREFIX.length);
  return { value: rest.slice(0, 16), runId: rest.slice(17) };
}

/**
 * The sort-key range `[from, to]` of finite values in `[lo, hi]` (either side open when
 * undefined), for `BETWEEN`.
 */
export function metricIndexValueRange(lo?: number, hi?: number): [string, string] {
  return [
    lo === undefined
      ? METRIC_INDEX_VALUE_PREFIX
      : `${METRIC_INDEX_VALUE_PREFIX}${encodeIndexValue(lo)}`,
    hi === undefined
      ? `${METRIC_INDEX_VALUE_PREFIX}${HIGH}`
      : `${METRIC_INDEX_VALUE_PREFIX}${encodeIndexValue(hi)}#${HIGH}`,
  ];
}

/** The sort-key range of the NaN entries, for `BETWEEN`. */
export const METRIC_INDEX_NAN_RANGE: [string, string] = [
  METRIC_INDEX_NAN_PREFIX,
  `${METRIC_INDEX_NAN_PREFIX}${HIGH}`,
];

/** The partition listing an experiment's runs whose latest values are not in the index. */
export const unindexedRunsPk = (experimentId: string): string => `XU#${experimentId}`;

/** One run of that list (`gen`: a token that changes at every registration). */
export const unindexedRunKey = (experimentId: string, runId: string): Key => ({
  pk: unindexedRunsPk(experimentId),
  sk: runId,
});
