/**
 * `QueryTraceMetrics` (the UI's Overview charts), as MLflow's SQL store computes it
 * (`mlflow/store/tracking/utils/sql_trace_metrics_utils.py`) for the TRACES and ASSESSMENTS
 * views: counts, latency, token usage and session counts per trace; counts and numeric values
 * per assessment; grouped by time bucket (`time_bucket`, ISO 8601) and the dimensions MLflow
 * allows; percentiles by linear interpolation (numpy's default, as SQLite and PostgreSQL compute
 * them). The SPANS view reads the spans of the traces in range (`span_metrics.ts`).
 *
 * Traces are read from the listing index, limited to the requested time range by key condition.
 *
 * @module
 */
import type { QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { GSI1, TRACE_SHARDS, traceGsi1SkAtOrBefore, tracesGsi1Pk } from "../../keys/key_schema.ts";
import { queryPages } from "../../dynamo/query_pages.ts";
import { invalidParameter } from "../../errors.ts";
import { pooledMap } from "../../util/pool.ts";
import { keepVisible, type VisibleExperiments } from "../visible_experiments.ts";
import type { Db } from "../db.ts";
import { pyFloat } from "./otlp_values.ts";
import { spanFilter, type SpanRow, spanRows } from "./span_metrics.ts";
import type { SpanSpill } from "./span_spill.ts";
import {
  type AssessmentJson,
  META_SESSION,
  META_TOKEN_USAGE,
  recordAssessments,
  TAG_TRACE_NAME,
  type TraceRecord,
  traceRecordFromItem,
} from "./trace_record.ts";

/** One aggregation (`MetricAggregation`). */
export interface MetricAggregation {
  type: "COUNT" | "SUM" | "AVG" | "PERCENTILE" | "MIN" | "MAX";
  percentile?: number;
}

/** A `QueryTraceMetrics` request. */
export interface TraceMetricsQuery {
  experimentIds: string[];
  /** The experiments the request may read: the others are skipped unread. */
  visible?: VisibleExperiments;
  viewType: "TRACES" | "SPANS" | "ASSESSMENTS";
  metricName: string;
  aggregations: MetricAggregation[];
  dimensions: string[];
  filters: string[];
  timeIntervalSeconds?: number;
  startTimeMs?: number;
  endTimeMs?: number;
  maxResults: number;
}

/** A `MetricDataPoint`. */
export interface MetricDataPoint {
  metric_name: string;
  dimensions: Record<string, string>;
  values: Record<string, number>;
}

const ALL_STATS = ["SUM", "AVG", "MIN", "MAX", "PERCENTILE"];
const TOKEN_KEYS = [
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
];
const CONFIGS: Record<string, Record<string, { aggs: string[]; dims: string[] }>> = {
  TRACES: {
    trace_count: { aggs: ["COUNT"], dims: ["trace_name", "trace_status"] },
    session_count: { aggs: ["COUNT"], dims: [] },
    latency: { aggs: ["AVG", "MIN", "MAX", "PERCENTILE"], dims: ["trace_name"] },
    ...Object.fromEntries(TOKEN_KEYS.map((k) => [k, { aggs: ALL_STATS, dims: ["trace_name"] }])),
  },
  SPANS: {
    span_count: {
      aggs: ["COUNT"],
      dims: ["span_name", "span_type", "span_status", "span_model_name", "span_model_provider"],
    },
    latency: { aggs: ["AVG", "MIN", "MAX", "PERCENTILE"], dims: ["span_name", "span_status"] },
    ...Object.fromEntries(
      ["input_cost", "output_cost", "total_cost"].map((
        k,
      ) => [k, { aggs: ALL_STATS, dims: ["span_model_name", "span_model_provider"] }]),
    ),
  },
  ASSESSMENTS: {
    assessment_count: { aggs: ["COUNT"], dims: ["assessment_name", "assessment_value"] },
    assessment_value: {
      aggs: ["AVG", "MIN", "MAX", "PERCENTILE"],
      dims: ["assessment_name"],
    },
  },
};

/** `validate_query_trace_metrics_params`, with MLflow's messages. */
export function validateMetricsQuery(q: TraceMetricsQuery): void {
  const view = CONFIGS[q.viewType];
  if (!view) {
    throw invalidParameter(
      `view_type must be one of ['TRACES', 'SPANS', 'ASSESSMENTS'], got '${q.viewType}'`,
    );
  }
  const config = view[q.metricName];
  if (!config) {
    throw invalidParameter(
      `metric_name must be one of [${
        Object.keys(view).map((k) => `'${k}'`).join(", ")
      }], got '${q.metricName}'`,
    );
  }
  const badAggs = [...new Set(q.aggregations.map((a) => a.type))].filter((t) =>
    !config.aggs.includes(t)
  ).sort();
  if (badAggs.length > 0) {
    throw invalidParameter(
      `Found invalid aggregation_type(s): [${badAggs.map((a) => `'${a}'`).join(", ")}]. ` +
        `Supported aggregation types: [${[...config.aggs].sort().map((a) => `'${a}'`).join(", ")}]`,
    );
  }
  const badDims = [...new Set(q.dimensions)].filter((d) => !config.dims.includes(d)).sort();
  if (badDims.length > 0) {
    throw invalidParameter(
      `Found invalid dimension(s): [${badDims.map((d) => `'${d}'`).join(", ")}]. ` +
        `Supported dimensions: [${[...config.dims].sort().map((d) => `'${d}'`).join(", ")}]`,
    );
  }
  for (const a of q.aggregations) {
    if (
      a.type === "PERCENTILE" &&
      (a.percentile === undefined || a.percentile < 0 || a.percentile > 100)
    ) {
      throw invalidParameter(
        `Percentile value must be between 0 and 100, got ${a.percentile ?? "None"}`,
      );
    }
  }
  if (q.timeIntervalSeconds && (q.startTimeMs === undefined || q.endTimeMs === undefined)) {
    throw invalidParameter(
      "start_time_ms and end_time_ms are required if time_interval_seconds is set",
    );
  }
}

/** The label MLflow gives an aggregation (`str(MetricAggregation)`). */
export function aggregationLabel(a: MetricAggregation): string {
  return a.type === "PERCENTILE" ? `P${pyFloat(a.percentile ?? 0)}` : a.type;
}

/** Linear-interpolated percentile (numpy's default method). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function aggregate(values: number[], a: MetricAggregation): number {
  switch (a.type) {
    case "COUNT":
      return values.length;
    case "SUM":
      return values.reduce((s, v) => s + v, 0);
    case "AVG":
      return values.reduce((s, v) => s + v, 0) / values.length;
    case "MIN":
      return Math.min(...values);
    case "MAX":
      return Math.max(...values);
    case "PERCENTILE":
      return percentile([...values].sort((x, y) => x - y), a.percentile ?? 50);
  }
}

/** One row to aggregate: its time, dimension values and the value (null: not counted). */
interface Row {
  timeMs: number;
  dims: Record<string, string | null>;
  value: number | string | null;
}

function tokenUsage(r: TraceRecord, key: string): number | null {
  try {
    const v = JSON.parse(r.metadata[META_TOKEN_USAGE] ?? "null")?.[key];
    return typeof v === "number" ? v : null;
  } catch {
    return null;
  }
}

/** `assessment_aggregate`: numbers, booleans as 1/0, "yes"/"no" as 1/0. */
function assessmentNumber(v: unknown): number | null {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "yes" || s === "no") return s === "yes" ? 1 : 0;
  }
  return null;
}

function assessmentValue(a: Record<string, unknown>): unknown {
  const holder = (a.feedback ?? a.expectation) as Record<string, unknown> | undefined;
  if (!holder) return null;
  if ("value" in holder) return holder.value;
  const s = (holder.serialized_value as { value?: string } | undefined)?.value;
  try {
    return s === undefined ? null : JSON.parse(s);
  } catch {
    return s;
  }
}

function traceRows(records: TraceRecord[], metric: string): Row[] {
  return records.map((r) => {
    const dims = { trace_name: r.tags[TAG_TRACE_NAME] ?? null, trace_status: r.state };
    let value: number | string | null;
    if (metric === "trace_count") value = 1;
    else if (metric === "session_count") value = r.metadata[META_SESSION] ?? null;
    else if (metric === "latency") value = r.execution_duration ?? null;
    else value = tokenUsage(r, metric);
    return { timeMs: r.request_time, dims, value };
  });
}

/**
 * One row per valid assessment that passes `keep` (an overridden assessment is `valid: false`
 * and not counted, as in MLflow).
 */
function assessmentRows(
  records: TraceRecord[],
  metric: string,
  keep: ((a: AssessmentJson) => boolean)[],
): Row[] {
  return records.flatMap((r) =>
    recordAssessments(r).filter((a) => a.valid !== false && keep.every((f) => f(a))).map((a) => {
      const v = assessmentValue(a);
      return {
        timeMs: r.request_time,
        dims: {
          assessment_name: String(a.assessment_name ?? ""),
          assessment_value: JSON.stringify(v) ?? "null",
        },
        value: metric === "assessment_count" ? 1 : assessmentNumber(v),
      };
    })
  );
}

/** A parsed metrics filter: on the trace, or (ASSESSMENTS view) on each assessment. */
type MetricsFilter =
  | { on: "trace"; test: (r: TraceRecord) => boolean }
  | { on: "assessment"; test: (a: AssessmentJson) => boolean };

/** `feedback`, `expectation` (the `assessment_type` MLflow's SQL store keeps). */
function assessmentType(a: AssessmentJson): string | undefined {
  return a.feedback ? "feedback" : a.expectation ? "expectation" : undefined;
}

/**
 * One metrics filter clause (`trace.status = 'OK'`, `trace.tag.k = 'v'`, `assessment.name = 'x'`,
 * `assessment.type = "feedback"`). Assessment clauses select assessments, so only the
 * ASSESSMENTS view takes them (MLflow's `_apply_filters`).
 */
function filterPredicate(filter: string, viewType: string): MetricsFilter {
  const m =
    /^\s*(trace|assessment)\.(status|tag|metadata|name|type)(?:\.(`[^`]+`|[\w.\-]+))?\s*(=|!=)\s*(['"])(.*)\5\s*$/
      .exec(filter);
  if (!m) throw invalidParameter(`Invalid filter: '${filter}'. Expected one filter clause.`);
  const [, view, entity, rawKey, op, , value] = m;
  const key = rawKey?.replace(/^`|`$/g, "");
  const eq = (v: string | undefined) => (op === "=" ? v === value : v !== undefined && v !== value);
  if (view === "trace" && entity === "status" && !key) {
    return { on: "trace", test: (r) => eq(r.state) };
  }
  if (view === "trace" && entity === "tag" && key) {
    return { on: "trace", test: (r) => eq(r.tags[key]) };
  }
  if (view === "trace" && entity === "metadata" && key) {
    return { on: "trace", test: (r) => eq(r.metadata[key]) };
  }
  if (view === "assessment" && (entity === "name" || entity === "type") && !key) {
    if (viewType !== "ASSESSMENTS") {
      throw invalidParameter(
        `Filtering by assessment is only supported for ASSESSMENTS view type, got ${viewType}`,
      );
    }
    return entity === "name"
      ? { on: "assessment", test: (a) => eq(String(a.assessment_name ?? "")) }
      : { on: "assessment", test: (a) => eq(assessmentType(a)) };
  }
  throw invalidParameter(`Invalid filter: '${filter}'. Expected one filter clause.`);
}

async function readTraces(db: Db, q: TraceMetricsQuery): Promise<TraceRecord[]> {
  const listings: QueryCommandInput[] = [];
  for (const e of new Set(q.experimentIds)) {
    for (let s = 0; s < TRACE_SHARDS; s++) {
      const values: Record<string, { S: string }> = { ":pk": { S: tracesGsi1Pk(e, s) } };
      let cond = "gsi1pk = :pk";
      // Newest first: the end of the range is the smaller key, the start the larger.
      if (q.endTimeMs !== undefined && q.startTimeMs !== undefined) {
        cond += " AND gsi1sk BETWEEN :lo AND :hi";
        values[":lo"] = { S: traceGsi1SkAtOrBefore(q.endTimeMs) };
        values[":hi"] = { S: `${traceGsi1SkAtOrBefore(q.startTimeMs)}~` };
      } else if (q.endTimeMs !== undefined) {
        cond += " AND gsi1sk >= :lo";
        values[":lo"] = { S: traceGsi1SkAtOrBefore(q.endTimeMs) };
      } else if (q.startTimeMs !== undefined) {
        cond += " AND gsi1sk <= :hi";
        values[":hi"] = { S: `${traceGsi1SkAtOrBefore(q.startTimeMs)}~` };
      }
      listings.push({
        TableName: db.table,
        IndexName: GSI1,
        KeyConditionExpression: cond,
        ExpressionAttributeValues: values,
      });
    }
  }
  const parts = await pooledMap(listings, async (input) => {
    const out: TraceRecord[] = [];
    for await (const page of queryPages(db.port, input, { pages: "all" })) {
      out.push(...page.items.map(traceRecordFromItem));
    }
    return out;
  });
  return parts.flat().filter((r) =>
    (q.startTimeMs === undefined || r.request_time >= q.startTimeMs) &&
    (q.endTimeMs === undefined || r.request_time <= q.endTimeMs)
  );
}

/** Python's `datetime.isoformat()` of a UTC time. */
function isoBucket(ms: number): string {
  const iso = new Date(ms).toISOString();
  const [date, time] = iso.split("T") as [string, string];
  const [hms, frac] = time.replace("Z", "").split(".") as [string, string];
  return `${date}T${hms}${frac && frac !== "000" ? `.${frac}000` : ""}+00:00`;
}

/** Computes the data points of a query. */
export async function queryTraceMetrics(
  db: Db,
  q: TraceMetricsQuery,
  spill?: SpanSpill,
): Promise<MetricDataPoint[]> {
  validateMetricsQuery(q);
  if (q.experimentIds.length === 0) return [];
  const spanFilters: ((s: SpanRow) => boolean)[] = [];
  const traceFilters: ((r: TraceRecord) => boolean)[] = [];
  const assessmentFilters: ((a: AssessmentJson) => boolean)[] = [];
  for (const f of q.filters) {
    const onSpan = q.viewType === "SPANS" ? spanFilter(f) : null;
    if (onSpan) {
      spanFilters.push(onSpan);
      continue;
    }
    const parsed = filterPredicate(f, q.viewType);
    if (parsed.on === "trace") traceFilters.push(parsed.test);
    else assessmentFilters.push(parsed.test);
  }
  const experimentIds = await keepVisible(q.visible, q.experimentIds);
  if (experimentIds.length === 0) return [];
  const records = (await readTraces(db, { ...q, experimentIds }))
    .filter((r) => traceFilters.every((f) => f(r)));
  const rows = q.viewType === "TRACES"
    ? traceRows(records, q.metricName)
    : q.viewType === "ASSESSMENTS"
    ? assessmentRows(records, q.metricName, assessmentFilters)
    : (await spanRows(
      db,
      records,
      q.metricName,
      { startMs: q.startTimeMs, endMs: q.endTimeMs },
      spill,
    ))
      .filter((s) => spanFilters.every((f) => f(s)));
  const bucketMs = q.timeIntervalSeconds ? q.timeIntervalSeconds * 1000 : 0;
  const groups = new Map<string, { dims: Record<string, string>; values: (number | string)[] }>();
  for (const row of rows) {
    if (row.value === null) continue;
    const dims: Record<string, string> = {};
    if (bucketMs) dims.time_bucket = String(Math.floor(row.timeMs / bucketMs) * bucketMs);
    let skip = false;
    for (const d of q.dimensions) {
      const v = row.dims[d];
      if (v === null || v === undefined) skip = true;
      else dims[d] = v;
    }
    if (skip) continue;
    const key = JSON.stringify(Object.values(dims));
    const g = groups.get(key) ?? { dims, values: [] };
    g.values.push(row.value);
    groups.set(key, g);
  }
  const points: MetricDataPoint[] = [];
  const sorted = [...groups.values()].sort((a, b) => {
    for (const k of Object.keys(a.dims)) {
      const x = a.dims[k]!;
      const y = b.dims[k]!;
      const c = k === "time_bucket" ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return c;
    }
    return 0;
  });
  for (const g of sorted.slice(0, q.maxResults)) {
    const nums = q.metricName === "session_count"
      ? [...new Set(g.values)].map(() => 1)
      : g.values.map(Number);
    const values: Record<string, number> = {};
    for (const a of q.aggregations) values[aggregationLabel(a)] = aggregate(nums, a);
    const dims = { ...g.dims };
    if (dims.time_bucket !== undefined) dims.time_bucket = isoBucket(Number(dims.time_bucket));
    points.push({ metric_name: q.metricName, dimensions: dims, values });
  }
  return points;
}
