/**
 * Rows of the SPANS view of `QueryTraceMetrics`: one per span of the traces in the requested
 * time range, with MLflow's span dimensions (`span_name`, `span_type`, `span_status`,
 * `span_model_name`, `span_model_provider`) and values (count, latency in ms, costs from
 * `mlflow.llm.cost`). Spans are read with one Query per trace (pooled), so a time range may hold
 * at most {@link MAX_SPAN_METRIC_TRACES} traces; a wider one is refused rather than read slowly.
 *
 * @module
 */
import { TRACE_SPAN_PREFIX, tracePartitionPk } from "../../keys/key_schema.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { invalidParameter } from "../../errors.ts";
import { pooledMap } from "../../util/pool.ts";
import type { Db } from "../db.ts";
import { readSpanItems } from "./span_items.ts";
import { attributePlain, nanosToMs, spanType, type StoredSpan } from "./span_model.ts";
import type { SpanSpill } from "./span_spill.ts";
import type { TraceRecord } from "./trace_record.ts";

/** The most traces whose spans one SPANS-view query reads. */
export const MAX_SPAN_METRIC_TRACES = 10_000;

/** A row to aggregate. */
export interface SpanRow {
  timeMs: number;
  dims: Record<string, string | null>;
  value: number | string | null;
}

const STATUS = ["UNSET", "OK", "ERROR"];

function text(v: unknown): string | null {
  return typeof v === "string" ? v.slice(0, 256) : null;
}

function cost(span: StoredSpan, key: string): number | null {
  const c = attributePlain(span, "mlflow.llm.cost");
  const v = c && typeof c === "object" ? (c as Record<string, unknown>)[key] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A span-level metrics filter (`span.name = 'x'`, `span.type`, `span.status`), or null. */
export function spanFilter(filter: string): ((s: SpanRow) => boolean) | null {
  const m = /^\s*span\.(name|type|status)\s*(=|!=)\s*(['"])(.*)\3\s*$/.exec(filter);
  if (!m) return null;
  const [, field, op, , value] = m;
  const dim = `span_${field}`;
  return (s) => {
    const v = s.dims[dim];
    return op === "=" ? v === value : v !== null && v !== undefined && v !== value;
  };
}

/** Reads the spans of `records` and turns them into rows for `metric`. */
export async function spanRows(
  db: Db,
  records: TraceRecord[],
  metric: string,
  range: { startMs?: number; endMs?: number },
  spill?: SpanSpill,
): Promise<SpanRow[]> {
  if (records.length > MAX_SPAN_METRIC_TRACES) {
    throw invalidParameter(
      `Span metrics over ${records.length} traces: narrow the time range to at most ` +
        `${MAX_SPAN_METRIC_TRACES} traces.`,
    );
  }
  const perTrace = await pooledMap(records, async (r) => {
    const items = await queryAll(db.port, {
      TableName: db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)",
      ExpressionAttributeValues: {
        ":pk": { S: tracePartitionPk(r.trace_id) },
        ":s": { S: TRACE_SPAN_PREFIX },
      },
    });
    return await readSpanItems(items, spill);
  });
  const rows: SpanRow[] = [];
  for (const span of perTrace.flat()) {
    const start = nanosToMs(span.startTimeUnixNano) ?? 0;
    if (range.startMs !== undefined && start < range.startMs) continue;
    if (range.endMs !== undefined && start > range.endMs) continue;
    const end = nanosToMs(span.endTimeUnixNano);
    let value: number | null;
    if (metric === "span_count") value = 1;
    else if (metric === "latency") value = end === null ? null : end - start;
    else value = cost(span, metric);
    rows.push({
      timeMs: start,
      dims: {
        span_name: span.name ?? "",
        span_type: spanType(span),
        span_status: STATUS[span.status?.code ?? 0] ?? "UNSET",
        span_model_name: text(attributePlain(span, "mlflow.llm.model")),
        span_model_provider: text(attributePlain(span, "mlflow.llm.provider")),
      },
      value,
    });
  }
  return rows;
}
