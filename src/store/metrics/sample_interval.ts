/**
 * The sampling of `metrics/get-history-bulk-interval`, as MLflow 3.17.2's SQL store does it
 * (`_sample_rows_with_window_functions`): a run's points in (step, timestamp, value, is_nan)
 * order are cut into `max` NTILE buckets, the first point of each bucket is kept, and the last
 * point of the history is kept too (replacing the last sample when `max` are already kept).
 * Points are sampled, not steps: a step holding many values counts once per value.
 *
 * @module
 */
import type { Metric } from "../entities.ts";

const SQL_FLOAT_MAX = 1.7976931348623157e308;

/** The value MLflow's SQL store keeps (NaN as 0 with `is_nan`, ±Infinity as ±max float). */
function sqlValue(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v === Infinity) return SQL_FLOAT_MAX;
  if (v === -Infinity) return -SQL_FLOAT_MAX;
  return v;
}

/** MLflow's sampling order: step, timestamp, stored value, then NaN after the number 0. */
export function compareSampleOrder(a: Metric, b: Metric): number {
  return a.step - b.step || a.timestamp - b.timestamp ||
    sqlValue(a.value) - sqlValue(b.value) ||
    Number(Number.isNaN(a.value)) - Number(Number.isNaN(b.value));
}

/**
 * At most `max` (≥ 1) of `points` (one run's history, already limited to the step range),
 * chosen and ordered as MLflow 3.17.2 chooses them.
 */
export function samplePoints(points: readonly Metric[], max: number): Metric[] {
  const rows = [...points].sort(compareSampleOrder);
  const n = rows.length;
  if (n <= max) return rows;
  // NTILE(max): the first n % max buckets hold one row more than the others.
  const size = Math.floor(n / max);
  const bigger = n % max;
  const out: Metric[] = [];
  let start = 0;
  for (let b = 0; b < max; b++) {
    out.push(rows[start]!);
    start += b < bigger ? size + 1 : size;
  }
  const last = rows[n - 1]!;
  if (compareSampleOrder(out[out.length - 1]!, last) !== 0) out[out.length - 1] = last;
  return out;
}
