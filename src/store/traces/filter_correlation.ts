/**
 * `CalculateTraceFilterCorrelation`: how two trace filters co-occur, as normalized pointwise
 * mutual information (NPMI), unsmoothed and with a Jeffreys prior, exactly as MLflow's
 * `mlflow/store/analytics/trace_correlation.py` computes it from four counts. The counts come
 * from the experiments' trace listings and the trace search grammar (`traces_filter.ts`).
 *
 * @module
 */
import { parseTraceFilter, traceMatcher } from "../../search/traces_filter.ts";
import type { Db } from "../db.ts";
import { keepVisible, type VisibleExperiments } from "../visible_experiments.ts";
import { readAllTraces, searchRecord } from "./search_traces.ts";

const JEFFREYS_PRIOR = 0.5;

/** The result message fields. */
export interface CorrelationResult {
  npmi: number;
  npmi_smoothed: number;
  filter1_count: number;
  filter2_count: number;
  joint_count: number;
  total_count: number;
}

function npmiCore(n11: number, n10: number, n01: number, n00: number, smoothing: number): number {
  const a = n11 + smoothing;
  const b = n10 + smoothing;
  const c = n01 + smoothing;
  const d = n00 + smoothing;
  const n = a + b + c + d;
  const n1 = a + b;
  const n2 = a + c;
  if (n1 <= 0 || n2 <= 0 || a <= 0) return NaN;
  if (n10 === 0 && n01 === 0 && n00 === 0) return 1.0;
  const pmi = Math.log(a) + Math.log(n) - (Math.log(n1) + Math.log(n2));
  const npmi = pmi / -(Math.log(a) - Math.log(n));
  return Math.max(-1, Math.min(1, npmi));
}

/** `calculate_npmi_from_counts`. */
export function npmiFromCounts(
  joint: number,
  f1: number,
  f2: number,
  total: number,
): { npmi: number; npmi_smoothed: number } {
  if (total <= 0 || f1 === 0 || f2 === 0) return { npmi: NaN, npmi_smoothed: NaN };
  const n11 = joint;
  const n10 = f1 - joint;
  const n01 = f2 - joint;
  const n00 = total - f1 - f2 + joint;
  if (Math.min(n11, n10, n01, n00) < 0) return { npmi: NaN, npmi_smoothed: NaN };
  const npmi = joint === 0 ? -1.0 : npmiCore(n11, n10, n01, n00, 0);
  return { npmi, npmi_smoothed: npmiCore(n11, n10, n01, n00, JEFFREYS_PRIOR) };
}

/** Counts the traces matching each filter (on top of `baseFilter`) and their NPMI. */
export async function traceFilterCorrelation(
  db: Db,
  experimentIds: string[],
  filter1: string,
  filter2: string,
  baseFilter?: string,
  visible?: VisibleExperiments,
): Promise<CorrelationResult> {
  const base = traceMatcher(parseTraceFilter(baseFilter));
  const m1 = traceMatcher(parseTraceFilter(filter1));
  const m2 = traceMatcher(parseTraceFilter(filter2));
  const visibleIds = await keepVisible(visible, experimentIds);
  const records = (await readAllTraces(db, visibleIds)).map(searchRecord).filter(base);
  let f1 = 0;
  let f2 = 0;
  let joint = 0;
  for (const r of records) {
    const a = m1(r);
    const b = m2(r);
    if (a) f1++;
    if (b) f2++;
    if (a && b) joint++;
  }
  return {
    ...npmiFromCounts(joint, f1, f2, records.length),
    filter1_count: f1,
    filter2_count: f2,
    joint_count: joint,
    total_count: records.length,
  };
}
