/**
 * The span rows a span filter reads (`span.attributes.<k>`, `span.content`, `trace.text`, or
 * several span clauses that must hold for one span): a trace's span items, read only for
 * traces that passed every other clause, turned into what MLflow's `spans` table holds (name,
 * type, status code and the `json.dumps` of the span's `to_dict()` as `content`).
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import { TRACE_SPAN_PREFIX, tracePartitionPk } from "../../keys/key_schema.ts";
import type { SpanClause, SpanSearchRow } from "../../search/traces_span_filter.ts";
import { spansMatch } from "../../search/traces_span_filter.ts";
import type { Db } from "../db.ts";
import { pyJson } from "./otlp_values.ts";
import { readSpanItems } from "./span_items.ts";
import { mlflowSpanDict, spanType, type StoredSpan } from "./span_model.ts";
import type { SpanSpill } from "./span_spill.ts";

const STATUS_NAMES = ["UNSET", "OK", "ERROR"];

/** The `spans` table row of one stored span. */
export function spanSearchRow(span: StoredSpan): SpanSearchRow {
  return {
    name: span.name ?? "",
    type: spanType(span),
    status: STATUS_NAMES[span.status?.code ?? 0] ?? "UNSET",
    content: pyJson(mlflowSpanDict(span)),
  };
}

/** Reads one trace's spans (one paged Query on its span items). */
export async function readTraceSpans(
  db: Db,
  traceId: string,
  spill?: SpanSpill,
): Promise<StoredSpan[]> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)",
    ExpressionAttributeValues: {
      ":pk": { S: tracePartitionPk(traceId) },
      ":s": { S: TRACE_SPAN_PREFIX },
    },
  });
  return await readSpanItems(items, spill);
}

/**
 * A predicate on trace ids: true when one span of the trace satisfies every clause. With no
 * clauses it holds without reading anything.
 */
export function spanFilter(
  db: Db,
  clauses: SpanClause[],
  spill?: SpanSpill,
): (traceId: string) => Promise<boolean> {
  if (clauses.length === 0) return () => Promise.resolve(true);
  return async (traceId) =>
    spansMatch((await readTraceSpans(db, traceId, spill)).map(spanSearchRow), clauses);
}
